#pragma once
// Errors of the client library, as std::error_codes in two categories:
//  * "gregor.client": conditions the client itself detects (client_errc);
//  * "kafka": an error code a broker returned (protocol::error_code), made with kafka_error().
// Socket-level failures keep the network module's codes (gregor.network / system).
// Everything here is stateless: thread-safe.

#include <cstdint>
#include <system_error>

#include "gregor/protocol/error_code.h"

namespace gregor::client {

enum class client_errc : int {
  no_broker_reachable = 1,  // no bootstrap (or known) broker answered
  timed_out,                // the operation's deadline passed while retrying
  unsupported_version,      // the broker serves no version of an API we can speak
  malformed_response,       // a response did not decode, or had the wrong correlation id
  unknown_topic,            // the topic is not in the cluster's metadata
  unknown_partition,        // the partition is not in the topic's metadata
  no_leader,                // the partition has no leader (or an unknown one)
  no_controller,            // the metadata names no (reachable) controller
  invalid_argument,         // a caller-supplied value cannot be encoded or makes no sense
};

const std::error_category& client_category() noexcept;
std::error_code make_error_code(client_errc e) noexcept;

// The "kafka" category: value = the wire error code, message = "NAME: short meaning".
const std::error_category& kafka_category() noexcept;
// Wraps a broker's error code; error_code::none gives an empty (success) std::error_code.
std::error_code kafka_error(protocol::error_code e) noexcept;
std::error_code kafka_error(int16_t wire_code) noexcept;

// True when the error is worth retrying after a metadata refresh: a retriable Kafka error
// (protocol::is_retriable), a lost connection or a timed-out round trip.
bool is_retriable(const std::error_code& ec) noexcept;

} // namespace gregor::client

template <>
struct std::is_error_code_enum<gregor::client::client_errc> : std::true_type {};
