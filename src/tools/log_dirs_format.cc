#include "log_dirs_format.h"

#include <nlohmann/json.hpp>

namespace gregor::tools {

std::string log_dir_error_class(int16_t error_code) {
  switch (error_code) {
  case 56: return "org.apache.kafka.common.errors.KafkaStorageException";
  case 29: return "org.apache.kafka.common.errors.ClusterAuthorizationException";
  case 57: return "org.apache.kafka.common.errors.LogDirNotFoundException";
  default: return "org.apache.kafka.common.errors.UnknownServerException";
  }
}

std::string format_log_dirs_json(const std::map<int32_t, protocol::describe_log_dirs_response>& by_broker,
                                 const std::set<std::string>& topics) {
  using json = nlohmann::ordered_json;
  json brokers = json::array();
  for (const auto& [broker, resp] : by_broker) {
    json dirs = json::array();
    for (const auto& dir : resp.results) {
      json partitions = json::array();
      for (const auto& t : dir.topics) {
        if (!topics.empty() && topics.count(t.name) == 0) continue;
        for (const auto& p : t.partitions) {
          partitions.push_back(json{{"partition", t.name + "-" + std::to_string(p.partition_index)},
                                    {"size", p.partition_size},
                                    {"offsetLag", p.offset_lag},
                                    {"isFuture", p.is_future_key}});
        }
      }
      json error = dir.error_code == 0 ? json(nullptr) : json(log_dir_error_class(dir.error_code));
      dirs.push_back(json{{"logDir", dir.log_dir}, {"error", error}, {"partitions", partitions}});
    }
    brokers.push_back(json{{"broker", broker}, {"logDirs", dirs}});
  }
  json out{{"version", 1}, {"brokers", brokers}};
  return out.dump();
}

} // namespace gregor::tools
