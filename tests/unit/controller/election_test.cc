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

TEST(election, no_eligible_leader_goes_offline_keeping_isr) {
  auto s = elect_offline({1, 2}, state(1, 4, {1}), {2}, false, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, -1);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1}));  // never emptied
  EXPECT_EQ(s->leader_epoch, 5);
  // Already offline and still no candidate: nothing to write.
  EXPECT_FALSE(elect_offline({1, 2}, *s, {2}, false, 7));
}

TEST(election, unclean_election_takes_any_live_replica) {
  auto s = elect_offline({1, 2}, state(-1, 5, {1}), {2}, true, 7);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->leader, 2);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{2}));
  EXPECT_EQ(s->leader_recovery_state, 1);
}

TEST(election, live_leader_unchanged_is_not_rewritten) {
  EXPECT_FALSE(elect_offline({1, 2}, state(1, 3, {1, 2}), {1, 2}, false, 7));
}

TEST(election, remove_from_isr) {
  auto s = remove_from_isr(state(1, 3, {1, 2, 3}), 2, 9);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(s->leader_epoch, 4);
  EXPECT_FALSE(remove_from_isr(state(1, 3, {1}), 1, 9));   // never empty the ISR
  EXPECT_FALSE(remove_from_isr(state(1, 3, {1, 3}), 2, 9)); // not a member
}
