#pragma once
// Forward declarations of the log module's types.

namespace gregor::log {

struct log_config;
class mapped_index;
class offset_index;
class time_index;
class segment;
class partition_log;
class log_manager;
class checkpoint_file;
struct meta_properties;
struct append_result;
struct read_result;

} // namespace gregor::log
