#pragma once
// Forward declarations of the zk module's public types.

#include <cstdint>

namespace gregor::zk {
enum class zk_errc : int;
enum class create_mode;
enum class session_state;
struct stat;
struct op;
struct op_result;
struct watch_event;
class session;
class kafka_zk;
struct controller_claim;
struct endpoint;
struct broker_registration;
struct topic_assignment;
struct partition_state;
struct registered_broker;
} // namespace gregor::zk
