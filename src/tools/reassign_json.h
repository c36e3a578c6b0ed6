#pragma once
// kafka-reassign-partitions' JSON files: the reassignment plan
//   {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}
// (log_dirs optional) and the topics-to-move list {"version":1,"topics":[{"topic":"t"}]}, read
// with Kafka's rules and messages, and the plan JSON the tool prints (Kafka's compact layout,
// partitions sorted by topic then partition, log_dirs "any" unless a directory was named).
// Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gregor/common/topic_partition.h"

namespace gregor::tools {

// One replica of one partition (Kafka's TopicPartitionReplica, printed "topic-partition-broker").
struct topic_partition_replica {
  std::string topic;
  int32_t partition = 0;
  int32_t broker = 0;
  std::string to_string() const;
  friend auto operator<=>(const topic_partition_replica&, const topic_partition_replica&) = default;
};

struct reassignment_plan {
  // In file order; duplicates are kept so that --execute can refuse them with Kafka's message.
  std::vector<std::pair<topic_partition, std::vector<int32_t>>> partitions;
  // Replicas whose log_dirs entry names a directory (not "any").
  std::map<topic_partition_replica, std::string> log_dirs;
};

// nullopt with `error` set to Kafka's message on bad input ("The input string is not a valid JSON",
// "Not supported version field value 2", "No such field exists: `replicas`", "Size of replicas list
// [1, 2] is different from size of log dirs list [any] for partition t-0", ...).
std::optional<reassignment_plan> parse_reassignment_json(std::string_view text, std::string& error);

// --execute's extra checks (empty list, empty replica list, duplicate partitions, duplicate
// replicas in one list). "" when the plan is acceptable.
std::string execute_plan_error(const reassignment_plan& plan);

// The topics-to-move file: topic names in file order.
std::optional<std::vector<std::string>> parse_topics_to_move_json(std::string_view text, std::string& error);

// --broker-list "1,2,3" -> ids. nullopt with Kafka's message on a bad id ("For input string: \"x\"")
// or a duplicate ("Broker list contains duplicate entries: 2").
std::optional<std::vector<int32_t>> parse_broker_list(std::string_view text, std::string& error);

// Kafka's formatAsReassignmentJson; `log_dirs` names the non-"any" directories.
std::string format_reassignment_json(const std::map<topic_partition, std::vector<int32_t>>& assignment,
                                     const std::map<topic_partition_replica, std::string>& log_dirs = {});

// Values that appear twice, each once, in the order their second occurrence is met (Kafka's
// CoreUtils.duplicates, with a stable order).
template <class T>
std::vector<T> duplicates(const std::vector<T>& values) {
  std::set<T> seen;
  std::set<T> reported;
  std::vector<T> out;
  for (const auto& v : values) {
    if (seen.insert(v).second) continue;
    if (reported.insert(v).second) out.push_back(v);
  }
  return out;
}

} // namespace gregor::tools
