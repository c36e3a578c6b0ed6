#pragma once
// Replication throttles of a reassignment (--throttle), computed as Kafka's tool computes them:
// each moving partition's sources (its replicas before the move) are leader-throttled on the topic
// (leader.replication.throttled.replicas = "p:broker,..."), its new replicas follower-throttled
// (follower.replication.throttled.replicas), and every broker involved gets the rate in
// leader/follower.replication.throttled.rate. Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gregor/client/types.h"
#include "gregor/common/topic_partition.h"

namespace gregor::tools {

struct partition_move {
  std::set<int32_t> sources;
  std::set<int32_t> destinations;
};
// topic -> partition -> move
using move_map = std::map<std::string, std::map<int32_t, partition_move>>;

// The moves of the reassignments in progress (sources: replicas not being added) plus the
// proposed ones (sources: the in-progress move's sources, else the current replicas).
move_map proposed_move_map(const std::map<topic_partition, client::ongoing_reassignment>& in_progress,
                           const std::map<topic_partition, std::vector<int32_t>>& proposed,
                           const std::map<topic_partition, std::vector<int32_t>>& current);

// topic -> "0:1,0:2,1:3" (entries sorted as strings, as Kafka's TreeSet sorts them).
std::map<std::string, std::string> leader_throttles(const move_map& moves);
std::map<std::string, std::string> follower_throttles(const move_map& moves);
std::set<int32_t> reassigning_brokers(const move_map& moves);

// Config keys (topic level, then broker level) the tool sets and clears.
inline constexpr const char* leader_throttled_replicas = "leader.replication.throttled.replicas";
inline constexpr const char* follower_throttled_replicas = "follower.replication.throttled.replicas";
inline constexpr const char* leader_throttled_rate = "leader.replication.throttled.rate";
inline constexpr const char* follower_throttled_rate = "follower.replication.throttled.rate";
inline constexpr const char* log_dirs_throttled_rate = "replica.alter.log.dirs.io.max.bytes.per.second";

} // namespace gregor::tools
