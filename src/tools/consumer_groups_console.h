#pragma once
// How kafka-console-consumer decides on its consumer group, as Kafka's ConsoleConsumer does: the
// group id may come from --group, --consumer-property group.id or --consumer.config (all given
// ones must agree); without one (and without --partition) a "console-consumer-<0..99999>" group
// is generated with auto commit off by default; --from-beginning means auto.offset.reset=earliest
// and conflicts with any other explicit reset policy. Pure; thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace gregor::tools {

struct console_group_config {
  std::string group_id;
  bool group_given = false;  // false: generated
  std::optional<std::string> group_instance_id;
  bool auto_commit = true;
  std::chrono::milliseconds auto_commit_interval{5000};
  std::string auto_offset_reset = "latest";  // "earliest", "latest" or "none"
  std::chrono::milliseconds session_timeout{45'000};
  std::chrono::milliseconds heartbeat_interval{3'000};
  std::chrono::milliseconds max_poll_interval{300'000};
  std::string client_id;  // client.id, else Java's default "consumer-<group>-1"
};

// `group_option`: --group; `command_line_properties`: --consumer-property pairs;
// `file_properties`: --consumer.config (command-line pairs win over it); `random_suffix`: 0..99999
// for a generated group. nullopt with `error` set to Kafka's message on a conflict or a bad value.
std::optional<console_group_config> resolve_console_group(const std::optional<std::string>& group_option,
                                                          const std::map<std::string, std::string>& command_line_properties,
                                                          const std::map<std::string, std::string>& file_properties,
                                                          bool has_partition, bool from_beginning, int random_suffix,
                                                          std::string& error);

} // namespace gregor::tools
