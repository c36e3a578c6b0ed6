#pragma once
// What the active controller knows (Kafka's ControllerContext): read from ZooKeeper on failover,
// kept current by watches and by the controller's own writes.
//
// Threading: owned by the controller's strand; never shared.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/zk/kafka_zk.h"
#include "reassignment_plan.h"
#include "state_machine.h"

namespace gregor::controller {

// A partition's leadership as written in its state znode.
struct partition_record {
  zk::partition_state state;
  int32_t zk_version = 0;  // the partition epoch
};

struct topic_record {
  zk::topic_assignment assignment;  // replicas (RS) plus adding/removing while reassigning
  int32_t zk_version = 0;
};

struct partition_replica {
  topic_partition tp;
  int32_t broker = -1;
  friend auto operator<=>(const partition_replica&, const partition_replica&) = default;
};

struct controller_context {
  // Brokers registered in /brokers/ids, shutting-down ones included (Kafka's liveOrShuttingDownBrokers).
  std::map<int32_t, zk::registered_broker> live_brokers;
  // Brokers that asked for a controlled shutdown; kept until they leave /brokers/ids.
  std::set<int32_t> shutting_down;

  std::map<std::string, topic_record> topics;
  std::map<topic_partition, partition_record> leadership;  // partitions with a state znode
  std::map<topic_partition, partition_state_kind> partition_states;
  std::map<partition_replica, replica_state_kind> replica_states;

  std::set<topic_partition> reassigning;  // partitions being reassigned (Kafka's partitionsBeingReassigned)

  std::set<std::string> topics_to_delete;       // queued for deletion
  std::set<std::string> deletion_started;       // partitions already moved to NonExistent
  std::set<std::string> deletion_ineligible;    // paused: a replica's broker is down, or reassignment

  // ---- brokers ----
  // Live and not shutting down (Kafka's liveBrokerIds): the brokers that may lead.
  bool is_live(int32_t broker) const { return live_brokers.count(broker) > 0 && shutting_down.count(broker) == 0; }
  bool is_live_or_shutting_down(int32_t broker) const { return live_brokers.count(broker) > 0; }
  std::set<int32_t> live_ids() const;
  std::set<int32_t> live_or_shutting_down_ids() const;

  // ---- assignments ----
  // The replicas (RS) of `tp`, or nullptr if the partition is unknown.
  const std::vector<int32_t>* replicas_of(const topic_partition& tp) const;
  replica_assignment full_assignment(const topic_partition& tp) const;
  void set_full_assignment(const topic_partition& tp, const replica_assignment& a);
  std::vector<topic_partition> partitions_of(const std::string& topic) const;
  std::vector<topic_partition> all_partitions() const;
  std::vector<partition_replica> replicas_of_partitions(const std::vector<topic_partition>& tps) const;
  std::vector<partition_replica> replicas_on_brokers(const std::set<int32_t>& brokers) const;
  std::vector<partition_replica> replicas_of_topic(const std::string& topic) const;

  // ---- states ----
  partition_state_kind partition_state(const topic_partition& tp) const;
  replica_state_kind replica_state(const partition_replica& r) const;
  bool all_replicas_in_state(const std::string& topic, replica_state_kind s) const;
  bool any_replica_in_state(const std::string& topic, replica_state_kind s) const;

  bool queued_for_deletion(const std::string& topic) const { return topics_to_delete.count(topic) > 0; }
  // The partition has a leader that is live and not shutting down (else Kafka calls it offline).
  bool has_live_leader(const topic_partition& tp) const;

  // Drops a topic and everything known about it.
  void remove_topic(const std::string& topic);
  void clear();
};

} // namespace gregor::controller
