#pragma once
// What the client knows about the cluster, decoded from a Metadata response: live brokers, the
// controller, and per topic its id and partitions (leader, replicas, ISR). Plain values.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gregor/common/uuid.h"
#include "gregor/protocol/messages/metadata.h"

namespace gregor::client {

struct broker_info {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  std::optional<std::string> rack;
  friend bool operator==(const broker_info&, const broker_info&) = default;
};

struct partition_info {
  int32_t partition = 0;
  std::error_code error;     // kafka category; e.g. LEADER_NOT_AVAILABLE
  int32_t leader = -1;       // -1 = none
  int32_t leader_epoch = -1;
  std::vector<int32_t> replicas;  // preference order
  std::vector<int32_t> isr;
  std::vector<int32_t> offline_replicas;
  friend bool operator==(const partition_info&, const partition_info&) = default;
};

struct topic_info {
  std::string name;
  std::error_code error;  // kafka category; e.g. UNKNOWN_TOPIC_OR_PARTITION
  uuid topic_id;          // zero when the broker did not say (Metadata < v10)
  bool is_internal = false;
  std::map<int32_t, partition_info> partitions;  // by partition id
  friend bool operator==(const topic_info&, const topic_info&) = default;
};

struct cluster_metadata {
  std::map<int32_t, broker_info> brokers;
  int32_t controller_id = -1;
  std::optional<std::string> cluster_id;
  std::map<std::string, topic_info> topics;  // sorted by name

  const topic_info* find_topic(const std::string& name) const;
  const partition_info* find_partition(const std::string& topic, int32_t partition) const;
  const broker_info* find_broker(int32_t id) const;
  // Leader id of the partition, or -1 when unknown or leaderless.
  int32_t leader_of(const std::string& topic, int32_t partition) const;

  // Replaces brokers/controller/cluster id and the topics the response names (other topics stay).
  void merge(const cluster_metadata& fresh);
  friend bool operator==(const cluster_metadata&, const cluster_metadata&) = default;
};

// Decodes a response (any version; absent fields keep their defaults). Topics with a null name
// (v12+ topic-id lookups) are skipped.
cluster_metadata to_cluster_metadata(const protocol::metadata_response& r);

} // namespace gregor::client
