#pragma once
// What the active controller knows, read from ZooKeeper on failover and kept current by watches.
// Owned by the controller's strand; never shared.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "gregor/common/topic_partition.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::controller {

struct partition_record {
  zk::partition_state state;
  int32_t zk_version = 0;  // the partition epoch
};

struct topic_record {
  zk::topic_assignment assignment;
  int32_t zk_version = 0;
};

struct controller_context {
  std::map<int32_t, zk::registered_broker> live_brokers;
  std::map<std::string, topic_record> topics;
  std::map<topic_partition, partition_record> partitions;
  // Topics queued for deletion, and for each the brokers whose StopReplica(delete) is outstanding.
  std::map<std::string, std::set<int32_t>> deletions;

  bool is_live(int32_t broker) const { return live_brokers.count(broker) > 0; }
  const std::vector<int32_t>* replicas_of(const topic_partition& tp) const {
    auto t = topics.find(tp.topic);
    if (t == topics.end()) return nullptr;
    auto p = t->second.assignment.partitions.find(tp.partition);
    return p == t->second.assignment.partitions.end() ? nullptr : &p->second;
  }
  void clear() {
    live_brokers.clear();
    topics.clear();
    partitions.clear();
    deletions.clear();
  }
};

} // namespace gregor::controller
