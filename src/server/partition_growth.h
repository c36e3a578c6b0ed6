#pragma once
// partition_growth: planning the partitions CreatePartitions adds to an existing topic (Kafka's
// ZkAdminManager.createPartitions + AdminZkClient.createNewPartitionsAssignment): the checks in
// Kafka's order with its error codes, then either the operator's assignment or Kafka's default
// placement continued from the existing partitions (ZOOKEEPER-LAYOUT §9: the start index is the
// first sorted live broker whose id is >= partition 0's preferred leader).
//
// Pure: no I/O, no shared state; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gregor/metadata/replica_assignment.h"
#include "gregor/protocol/error_code.h"

namespace gregor::server {

// The most partitions one request may add to one topic. Bounds the placement's allocation; the
// topic znode could not hold many more anyway (ZooKeeper's 1 MiB jute.maxbuffer).
inline constexpr int32_t max_partitions_added = 100'000;

struct partition_growth {
  protocol::error_code error = protocol::error_code::none;
  std::string message;                               // for the response's error_message
  std::map<int32_t, std::vector<int32_t>> added;     // new partition -> replicas (preferred first)
};

// `existing` is the topic's assignment as read from /brokers/topics/<t> (empty: no such topic),
// `count` the requested total, `manual` the request's assignments for the new partitions (null:
// default placement), `live_brokers` the brokers the placement may use.
partition_growth plan_partition_growth(const std::string& topic, const std::map<int32_t, std::vector<int32_t>>& existing,
                                       int32_t count, const std::optional<std::vector<std::vector<int32_t>>>& manual,
                                       const std::vector<metadata::broker_rack>& live_brokers);

} // namespace gregor::server
