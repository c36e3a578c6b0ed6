#pragma once
// The states of the controller's two state machines (Kafka's PartitionStateMachine and
// ReplicaStateMachine) and which transitions between them are valid. Pure: the code that performs
// the transitions (ZooKeeper writes, requests to brokers) is in partition_state_machine.cc and
// replica_state_machine.cc; both refuse, and log, any transition this file calls invalid.
//
// Partition states (one per partition the controller knows):
//
//                                   +-- election --+
//                                   v              |
//   NonExistentPartition -> NewPartition -> OnlinePartition <-> OfflinePartition -> NonExistentPartition
//                                 |                                  ^
//                                 +----------------------------------+
//
//   NonExistent -> New         the topic or partition appeared in ZooKeeper (assignment known,
//                              no state znode yet)
//   New -> Online              state znode created: leader = first live replica, ISR = the live
//                              replicas, leader epoch 0; LeaderAndIsr(isNew) to the live replicas
//   Online|Offline -> Online   a leader election (offline, reassignment, preferred, controlled
//                              shutdown): state znode CAS-written with leader epoch + 1
//   New|Online|Offline -> Offline   the leader died (or the topic is being deleted)
//   Offline -> NonExistent     the topic is being deleted
//
// Replica states (one per assigned replica, i.e. per (partition, broker)):
//
//   NonExistentReplica -> NewReplica                      reassignment adds it (LeaderAndIsr to it)
//   New|Online|Offline|DeletionIneligible -> Online       broker live: LeaderAndIsr to it
//   New|Online|Offline|DeletionIneligible -> Offline      broker dead, shutting down or replica being
//                                                         removed: StopReplica(delete=false), out of ISR
//   Offline -> ReplicaDeletionStarted                     StopReplica(delete=true) sent
//   DeletionStarted -> ReplicaDeletionSuccessful          the broker confirmed the deletion
//   Offline|DeletionStarted -> ReplicaDeletionIneligible  the deletion failed or the broker is down
//   DeletionSuccessful -> NonExistentReplica              forgotten (topic deleted or replica removed)

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

enum class partition_state_kind : uint8_t { non_existent, new_partition, online, offline };

enum class replica_state_kind : uint8_t {
  new_replica,
  online,
  offline,
  deletion_started,
  deletion_successful,
  deletion_ineligible,
  non_existent,
};

// Kafka's names ("OnlinePartition", "ReplicaDeletionStarted", ...), as the state-change log shows them.
std::string_view to_string(partition_state_kind s);
std::string_view to_string(replica_state_kind s);

bool valid_transition(partition_state_kind from, partition_state_kind to);
bool valid_transition(replica_state_kind from, replica_state_kind to);

// "LeaderAndIsr(leader=1, leaderEpoch=4, isr=[1,2], leaderRecoveryState=RECOVERED, partitionEpoch=5)"
std::string describe(const zk::partition_state& s, int32_t partition_epoch);

// "orders-0,orders-1" for log lines.
std::string names_of(const std::vector<topic_partition>& tps);

} // namespace gregor::controller
