#pragma once
// kafka-topics.sh output (SERVER-PROPERTIES §5), independent of where the data came from
// (Metadata/DescribeConfigs or ZooKeeper). Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gregor/common/uuid.h"

namespace gregor::tools {

struct partition_view {
  int32_t partition = 0;
  std::optional<int32_t> leader;  // nullopt (or -1) prints "none"
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<int32_t> adding;    // replicas being added by a reassignment
  std::vector<int32_t> removing;  // replicas being removed by a reassignment
  // A reassignment of this partition is in progress: both fields are printed, even when empty,
  // as Kafka prints them (also implied by non-empty adding/removing lists).
  bool reassigning = false;
};

struct topic_view {
  std::string name;
  uuid topic_id;  // zero: no "TopicId:" field
  std::vector<std::pair<std::string, std::string>> configs;  // non-default entries, in order
  bool marked_for_deletion = false;
  std::vector<partition_view> partitions;  // sorted by partition id
};

// Which lines --describe prints, from the --under-replicated-partitions / --unavailable-partitions
// flags. With either flag, header lines are left out and only matching partitions are printed.
struct describe_filter {
  bool under_replicated = false;
  bool unavailable = false;
  std::set<int32_t> live_brokers;  // for "unavailable": a leader that is not live counts as none

  bool print_headers() const { return !under_replicated && !unavailable; }
  bool wants(const partition_view& p) const;
};

// "Topic: t\tTopicId: x\tPartitionCount: n\tReplicationFactor: r\tConfigs: k=v,k2=v2"
// (+ "\tMarkedForDeletion: true"). ReplicationFactor is the first partition's replica count minus
// the replicas being added.
std::string format_topic_header(const topic_view& t);
// "\tTopic: t\tPartition: p\tLeader: l|none\tReplicas: a,b\tIsr: a,b" (+ reassignment and deletion
// fields).
std::string format_partition_line(const topic_view& t, const partition_view& p);

// Every line of one topic's description (each without the trailing newline).
std::vector<std::string> describe_lines(const topic_view& t, const describe_filter& f);

// The WARNING printed before creating a topic whose name contains '.' or '_'.
inline constexpr const char* collision_warning =
    "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "
    "collide. To avoid issues it is best to use either, but not both.";

} // namespace gregor::tools
