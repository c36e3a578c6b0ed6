#include "consumer_groups_console.h"

#include <vector>

#include "cli_util.h"

namespace gregor::tools {

namespace {

// A positive duration in ms from `props[key]`; `error` set when present but not a positive number.
bool read_ms(const std::map<std::string, std::string>& props, const char* key, std::chrono::milliseconds& out,
             std::string& error) {
  auto it = props.find(key);
  if (it == props.end()) return true;
  auto v = parse_int64(it->second);
  if (!v || *v <= 0) {
    error = "Invalid value " + it->second + " for configuration " + key;
    return false;
  }
  out = std::chrono::milliseconds(*v);
  return true;
}

} // namespace

std::optional<console_group_config> resolve_console_group(const std::optional<std::string>& group_option,
                                                          const std::map<std::string, std::string>& command_line_properties,
                                                          const std::map<std::string, std::string>& file_properties,
                                                          bool has_partition, bool from_beginning, int random_suffix,
                                                          std::string& error) {
  std::map<std::string, std::string> props = file_properties;
  for (const auto& [k, v] : command_line_properties) props[k] = v;

  // Every place that names a group must name the same one.
  std::vector<std::string> provided;
  auto add = [&](const std::optional<std::string>& id) {
    if (!id) return;
    for (const auto& p : provided) {
      if (p == *id) return;
    }
    provided.push_back(*id);
  };
  add(group_option);
  if (auto it = command_line_properties.find("group.id"); it != command_line_properties.end()) add(it->second);
  if (auto it = file_properties.find("group.id"); it != file_properties.end()) add(it->second);
  if (provided.size() > 1) {
    error = "The group ids provided in different places (directly using '--group', via '--consumer-property', or via "
            "'--consumer.config') do not match. Detected group ids: ";
    for (size_t i = 0; i < provided.size(); ++i) error += (i > 0 ? ", '" : "'") + provided[i] + "'";
    return std::nullopt;
  }

  console_group_config c;
  if (!provided.empty()) {
    if (has_partition) {
      error = "Options group and partition cannot be specified together.";
      return std::nullopt;
    }
    c.group_id = provided.front();
    c.group_given = true;
  } else {
    // Kafka's generated group: its offsets are not meant to be reused, so no commits by default.
    c.group_id = "console-consumer-" + std::to_string(random_suffix);
    c.auto_commit = false;
  }
  if (auto it = props.find("enable.auto.commit"); it != props.end()) c.auto_commit = parse_bool(it->second);

  if (auto it = props.find("auto.offset.reset"); it != props.end()) {
    if (it->second != "earliest" && it->second != "latest" && it->second != "none") {
      error = "Invalid value " + it->second + " for configuration auto.offset.reset: String must be one of: latest, earliest, none";
      return std::nullopt;
    }
    if (from_beginning && it->second != "earliest") {
      error = "Can't simultaneously specify --from-beginning and 'auto.offset.reset=" + it->second + "', please remove one option";
      return std::nullopt;
    }
    c.auto_offset_reset = it->second;
  } else {
    c.auto_offset_reset = from_beginning ? "earliest" : "latest";
  }
  if (auto it = props.find("group.instance.id"); it != props.end() && !it->second.empty()) c.group_instance_id = it->second;
  if (!read_ms(props, "auto.commit.interval.ms", c.auto_commit_interval, error) ||
      !read_ms(props, "session.timeout.ms", c.session_timeout, error) ||
      !read_ms(props, "heartbeat.interval.ms", c.heartbeat_interval, error) ||
      !read_ms(props, "max.poll.interval.ms", c.max_poll_interval, error)) {
    return std::nullopt;
  }
  if (c.heartbeat_interval >= c.session_timeout) {
    error = "heartbeat.interval.ms must be less than session.timeout.ms";
    return std::nullopt;
  }
  auto client_id = props.find("client.id");
  c.client_id = client_id != props.end() && !client_id->second.empty() ? client_id->second : "consumer-" + c.group_id + "-1";
  return c;
}

} // namespace gregor::tools
