#pragma once
// What a broker knows about the cluster: live brokers and their endpoints, topics, partitions with
// leader/ISR, and the controller. Filled from UpdateMetadata requests sent by the controller (as in
// Kafka, this is the only source of client-facing Metadata responses).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gregor/common/uuid.h"

namespace gregor::metadata {

struct broker_endpoint {
  std::string listener_name;
  std::string host;
  int32_t port = 0;
  std::string security_protocol = "PLAINTEXT";
};

struct broker_info {
  int32_t id = -1;
  std::vector<broker_endpoint> endpoints;
  std::optional<std::string> rack;

  const broker_endpoint* endpoint_for(const std::string& listener_name) const {
    for (const auto& e : endpoints) {
      if (e.listener_name == listener_name) return &e;
    }
    return nullptr;
  }
};

// Leader -1: no leader (offline). Leader -2 never stays in a snapshot: it marks deletion.
struct partition_info {
  int32_t partition = 0;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  int32_t controller_epoch = 0;
  int32_t partition_epoch = 0;  // zkVersion of the partition state znode
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
  std::vector<int32_t> offline_replicas;
};

struct topic_info {
  std::string name;
  uuid topic_id;
  std::map<int32_t, partition_info> partitions;
};

struct cluster_snapshot {
  std::map<int32_t, broker_info> brokers;  // live brokers
  std::map<std::string, topic_info> topics;
  std::unordered_map<std::string, std::string> topic_names_by_id;  // base64url topic id -> name
  int32_t controller_id = -1;
  std::string cluster_id;

  const topic_info* find_topic(const std::string& name) const {
    auto it = topics.find(name);
    return it == topics.end() ? nullptr : &it->second;
  }
  const partition_info* find_partition(const std::string& topic, int32_t partition) const {
    const auto* t = find_topic(topic);
    if (t == nullptr) return nullptr;
    auto it = t->partitions.find(partition);
    return it == t->partitions.end() ? nullptr : &it->second;
  }
  const std::string* topic_name_for(const uuid& id) const {
    auto it = topic_names_by_id.find(id.to_base64url());
    return it == topic_names_by_id.end() ? nullptr : &it->second;
  }
};

} // namespace gregor::metadata
