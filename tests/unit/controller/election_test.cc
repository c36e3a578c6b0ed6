#include "election.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::controller;

namespace {
zk::partition_state state(int32_t leader, int32_t epoch, std::vector<int32_t> isr) {
  zk::partition_state s;
  s.leader = leader;
  s.leader_epoch = epoch;
  s.isr = std::move(isr);
  s.controller_epoch = 1;
  return s;
}
} // namespace

TEST(election, initial_state_takes_first_live_replica) {
  auto s = initial_state({3, 1, 2}, {1, 2}, 5);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(s->leader_epoch, 0);
  EXPECT_EQ(s->controller_epoch, 5);
  EXPECT_FALSE(initial_state({3}, {1, 2}, 5));
}

TEST(election, offline_prefers_assignment_order_within_isr) {
  auto s = elect_offline({1, 2, 3}, state(1, 4, {1, 3, 2}), {2, 3}, false, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(s->leader_epoch, 5);
  EXPECT_EQ(s->controller_epoch, 7);
}

TEST(election, offline_without_eligible_leader_fails) {
  // Only broker 1 was in the ISR and it is down: no clean candidate.
  EXPECT_FALSE(elect_offline({1, 2}, state(1, 4, {1}), {2}, false, 7));
  EXPECT_FALSE(elect_offline({1, 2}, state(1, 4, {1}), {}, true, 7));
}

TEST(election, unclean_election_takes_any_live_replica) {
  auto s = elect_offline({1, 2}, state(-1, 5, {1}), {2}, true, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2}));
  EXPECT_EQ(s->leader_recovery_state, 1);
  EXPECT_EQ(s->leader_epoch, 6);
}

TEST(election, unclean_allowed_still_prefers_the_isr) {
  auto s = elect_offline({1, 2, 3}, state(1, 5, {1, 3}), {2, 3}, true, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 3);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{3}));
  EXPECT_EQ(s->leader_recovery_state, 0);
}

TEST(election, reassignment_picks_from_the_target_in_isr) {
  auto s = elect_reassignment({4, 2}, state(1, 3, {1, 2, 4}), {1, 2, 4}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 4);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2, 4}));  // 1 is being removed
  EXPECT_EQ(s->leader_epoch, 4);
  // 4 down: the next target replica in the ISR.
  s = elect_reassignment({4, 2}, state(1, 3, {1, 2, 4}), {1, 2}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  // No target replica in the ISR.
  EXPECT_FALSE(elect_reassignment({4, 5}, state(1, 3, {1, 2}), {1, 2, 4, 5}, 9));
}

TEST(election, preferred_needs_the_first_replica_live_and_in_isr) {
  auto s = elect_preferred({2, 1, 3}, state(1, 3, {1, 2, 3}), {1, 2, 3}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(s->leader_epoch, 4);
  EXPECT_EQ(s->controller_epoch, 9);
  EXPECT_FALSE(elect_preferred({2, 1, 3}, state(1, 3, {1, 3}), {1, 2, 3}, 9));  // not in the ISR
  EXPECT_FALSE(elect_preferred({2, 1, 3}, state(1, 3, {1, 2, 3}), {1, 3}, 9));  // not live
  EXPECT_FALSE(elect_preferred({}, state(1, 3, {1}), {1}, 9));
}

TEST(election, controlled_shutdown_skips_shutting_down_brokers) {
  auto s = elect_controlled_shutdown({1, 2, 3}, state(1, 3, {1, 2, 3}), {1, 2, 3}, {1}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(s->leader_epoch, 4);
  // Two brokers shutting down at once.
  s = elect_controlled_shutdown({1, 2, 3}, state(1, 3, {1, 2, 3}), {1, 2, 3}, {1, 2}, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 3);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{3}));
  // The only other replica is out of the ISR: the leader stays.
  EXPECT_FALSE(elect_controlled_shutdown({1, 2}, state(1, 3, {1}), {1, 2}, {1}, 9));
}

TEST(election, remove_from_isr) {
  auto s = remove_from_isr(state(1, 3, {1, 2, 3}), 2, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(s->leader, 1);
  EXPECT_EQ(s->leader_epoch, 4);
  EXPECT_FALSE(remove_from_isr(state(1, 3, {1, 3}), 2, 9));  // not a member
}

TEST(election, remove_the_leader_from_isr_leaves_no_leader) {
  auto s = remove_from_isr(state(1, 3, {1, 2}), 1, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, -1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2}));
  // The last ISR member stays in it (never an empty ISR), leader -1.
  s = remove_from_isr(state(1, 3, {1}), 1, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, -1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(s->leader_epoch, 4);
}

TEST(election, bump_leader_epoch_keeps_leader_and_isr) {
  auto s = bump_leader_epoch(state(2, 7, {2, 1}), 11);
  EXPECT_EQ(s.leader, 2);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(s.leader_epoch, 8);
  EXPECT_EQ(s.controller_epoch, 11);
}

TEST(election, bump_leader_epoch_for_replicas_drops_isr_members_that_are_no_longer_replicas) {
  // A cancelled move: broker 3 was being added and its leader put it in the ISR meanwhile.
  auto s = bump_leader_epoch_for_replicas(state(2, 7, {2, 1, 3}), {2, 1}, 11);
  EXPECT_EQ(s.leader, 2);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{2, 1}));
  EXPECT_EQ(s.leader_epoch, 8);
  // The leader stays even when it is not a replica (B3 elects it away afterwards).
  s = bump_leader_epoch_for_replicas(state(2, 7, {2, 1}), {1, 3}, 11);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{2, 1}));
  // Nothing left: the ISR stays as it was rather than empty.
  s = bump_leader_epoch_for_replicas(state(-1, 7, {4}), {1, 3}, 11);
  EXPECT_EQ(s.isr, (std::vector<int32_t>{4}));
}
