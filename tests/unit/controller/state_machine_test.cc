#include "state_machine.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::controller;

namespace {

using p = partition_state_kind;
using r = replica_state_kind;

const p all_partition_states[] = {p::non_existent, p::new_partition, p::online, p::offline};
const r all_replica_states[] = {r::new_replica,         r::online,         r::offline,    r::deletion_started,
                                r::deletion_successful, r::deletion_ineligible, r::non_existent};

} // namespace

TEST(state_machine, partition_transitions_are_kafkas) {
  // to -> the valid previous states (Kafka's PartitionState.validPreviousStates)
  std::map<p, std::set<p>> valid = {
      {p::new_partition, {p::non_existent}},
      {p::online, {p::new_partition, p::online, p::offline}},
      {p::offline, {p::new_partition, p::online, p::offline}},
      {p::non_existent, {p::offline}},
  };
  for (auto from : all_partition_states) {
    for (auto to : all_partition_states) {
      EXPECT_EQ(valid_transition(from, to), valid[to].count(from) > 0)
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(state_machine, replica_transitions_are_kafkas) {
  std::map<r, std::set<r>> valid = {
      {r::new_replica, {r::non_existent}},
      {r::online, {r::new_replica, r::online, r::offline, r::deletion_ineligible}},
      {r::offline, {r::new_replica, r::online, r::offline, r::deletion_ineligible}},
      {r::deletion_started, {r::offline}},
      {r::deletion_successful, {r::deletion_started}},
      {r::deletion_ineligible, {r::offline, r::deletion_started}},
      {r::non_existent, {r::deletion_successful}},
  };
  for (auto from : all_replica_states) {
    for (auto to : all_replica_states) {
      EXPECT_EQ(valid_transition(from, to), valid[to].count(from) > 0)
          << to_string(from) << " -> " << to_string(to);
    }
  }
}

TEST(state_machine, names_are_kafkas) {
  EXPECT_EQ(to_string(p::offline), "OfflinePartition");
  EXPECT_EQ(to_string(p::non_existent), "NonExistentPartition");
  EXPECT_EQ(to_string(r::deletion_ineligible), "ReplicaDeletionIneligible");
  EXPECT_EQ(to_string(r::online), "OnlineReplica");
}

TEST(state_machine, describe_leader_and_isr) {
  zk::partition_state s;
  s.leader = 1;
  s.leader_epoch = 4;
  s.isr = {1, 2};
  EXPECT_EQ(describe(s, 5),
            "LeaderAndIsr(leader=1, leaderEpoch=4, isr=[1,2], leaderRecoveryState=RECOVERED, partitionEpoch=5)");
  s.leader_recovery_state = 1;
  EXPECT_NE(describe(s, 5).find("RECOVERING"), std::string::npos);
  EXPECT_EQ(names_of({{"a", 0}, {"b", 3}}), "a-0,b-3");
}
