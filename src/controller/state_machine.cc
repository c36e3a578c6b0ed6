#include "state_machine.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gregor::controller {

std::string_view to_string(partition_state_kind s) {
  switch (s) {
    case partition_state_kind::non_existent: return "NonExistentPartition";
    case partition_state_kind::new_partition: return "NewPartition";
    case partition_state_kind::online: return "OnlinePartition";
    case partition_state_kind::offline: return "OfflinePartition";
  }
  return "UnknownPartitionState";
}

std::string_view to_string(replica_state_kind s) {
  switch (s) {
    case replica_state_kind::new_replica: return "NewReplica";
    case replica_state_kind::online: return "OnlineReplica";
    case replica_state_kind::offline: return "OfflineReplica";
    case replica_state_kind::deletion_started: return "ReplicaDeletionStarted";
    case replica_state_kind::deletion_successful: return "ReplicaDeletionSuccessful";
    case replica_state_kind::deletion_ineligible: return "ReplicaDeletionIneligible";
    case replica_state_kind::non_existent: return "NonExistentReplica";
  }
  return "UnknownReplicaState";
}

bool valid_transition(partition_state_kind from, partition_state_kind to) {
  using p = partition_state_kind;
  switch (to) {
    case p::new_partition: return from == p::non_existent;
    case p::online:
    case p::offline: return from == p::new_partition || from == p::online || from == p::offline;
    case p::non_existent: return from == p::offline;
  }
  return false;
}

bool valid_transition(replica_state_kind from, replica_state_kind to) {
  using r = replica_state_kind;
  switch (to) {
    case r::new_replica: return from == r::non_existent;
    case r::online:
    case r::offline:
      return from == r::new_replica || from == r::online || from == r::offline || from == r::deletion_ineligible;
    case r::deletion_started: return from == r::offline;
    case r::deletion_successful: return from == r::deletion_started;
    case r::deletion_ineligible: return from == r::offline || from == r::deletion_started;
    case r::non_existent: return from == r::deletion_successful;
  }
  return false;
}

std::string describe(const zk::partition_state& s, int32_t partition_epoch) {
  return fmt::format("LeaderAndIsr(leader={}, leaderEpoch={}, isr=[{}], leaderRecoveryState={}, partitionEpoch={})",
                     s.leader, s.leader_epoch, fmt::join(s.isr, ","),
                     s.leader_recovery_state == 0 ? "RECOVERED" : "RECOVERING", partition_epoch);
}

std::string names_of(const std::vector<topic_partition>& tps) {
  std::string out;
  for (const auto& tp : tps) {
    if (!out.empty()) out += ',';
    out += tp.to_string();
  }
  return out;
}

} // namespace gregor::controller
