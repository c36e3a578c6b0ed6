// The ISR change notification rule (Kafka's maybePropagateIsrChanges) and the unclean-shutdown
// state rule, both pure: time is passed in by hand.

#include "isr_change_batcher.h"

#include <gtest/gtest.h>

#include "unclean_shutdown.h"

namespace gregor::app {
namespace {

const topic_partition a{"a", 0};
const topic_partition b{"b", 1};

TEST(isr_change_batcher, nothing_is_due_while_empty) {
  isr_change_batcher q(0);
  EXPECT_TRUE(q.take_due(1'000'000).empty());
  EXPECT_TRUE(q.take_all(1'000'000).empty());
}

TEST(isr_change_batcher, waits_for_five_quiet_seconds) {
  isr_change_batcher q(0);
  q.add(a, 1000);
  EXPECT_TRUE(q.take_due(2500).empty());
  EXPECT_TRUE(q.take_due(6000).empty()) << "exactly 5 s quiet is not more than 5 s";
  q.add(b, 5000);  // a second change restarts the quiet period
  EXPECT_TRUE(q.take_due(7500).empty());
  EXPECT_TRUE(q.take_due(10'000).empty());
  auto due = q.take_due(10'001);
  EXPECT_EQ(due, (std::vector<topic_partition>{a, b}));
  EXPECT_EQ(q.size(), 0u);
  EXPECT_TRUE(q.take_due(20'000).empty()) << "handed out once";
}

TEST(isr_change_batcher, a_partition_is_listed_once) {
  isr_change_batcher q(0);
  for (int i = 0; i < 100; ++i) q.add(a, 100 + i);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.take_due(10'000), std::vector<topic_partition>{a});
}

TEST(isr_change_batcher, a_steady_trickle_goes_out_after_sixty_seconds) {
  isr_change_batcher q(0);
  int64_t now = 0;
  bool out = false;
  // A change every 2.5 s never leaves 5 s of quiet; the 60 s bound still hands the set out.
  for (; now <= 70'000 && !out; now += 2500) {
    q.add(a, now);
    out = !q.take_due(now).empty();
  }
  EXPECT_TRUE(out);
  EXPECT_GT(now - 2500, 60'000);
  EXPECT_LE(now - 2500, 62'500);
}

TEST(isr_change_batcher, restored_partitions_are_due_at_the_next_check) {
  isr_change_batcher q(0);
  q.add(a, 0);
  auto due = q.take_due(5001);
  ASSERT_EQ(due.size(), 1u);
  q.restore(due);  // the znode write failed
  EXPECT_EQ(q.take_due(7501), std::vector<topic_partition>{a});
}

TEST(isr_change_batcher, take_all_ignores_the_rule) {
  isr_change_batcher q(0);
  q.add(a, 100);
  q.add(b, 100);
  EXPECT_TRUE(q.take_due(200).empty());
  EXPECT_EQ(q.take_all(200), (std::vector<topic_partition>{a, b}));
  EXPECT_EQ(q.size(), 0u);
}

zk::partition_state state(int32_t leader, std::vector<int32_t> isr) {
  zk::partition_state s;
  s.controller_epoch = 4;
  s.leader = leader;
  s.leader_epoch = 9;
  s.isr = std::move(isr);
  return s;
}

TEST(unclean_shutdown_rule, a_follower_leaves_the_isr) {
  auto next = state_without_unclean_replica(state(1, {1, 2, 3}), 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->leader, 1);
  EXPECT_EQ(next->isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(next->leader_epoch, 9) << "not a new leadership: the controller bumps the epoch when it elects";
  EXPECT_EQ(next->controller_epoch, 4);
}

TEST(unclean_shutdown_rule, the_leader_leaves_and_clears_the_leader) {
  auto next = state_without_unclean_replica(state(2, {2, 3}), 2);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->leader, -1);
  EXPECT_EQ(next->isr, std::vector<int32_t>{3});
}

TEST(unclean_shutdown_rule, alone_or_absent_nothing_changes) {
  EXPECT_FALSE(state_without_unclean_replica(state(2, {2}), 2)) << "nobody has more history";
  EXPECT_FALSE(state_without_unclean_replica(state(-1, {2}), 2));
  EXPECT_FALSE(state_without_unclean_replica(state(1, {1, 3}), 2)) << "already out";
}

} // namespace
} // namespace gregor::app
