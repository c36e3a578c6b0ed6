#include "reassignment_plan.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::controller;

namespace {
replica_assignment settled(std::vector<int32_t> replicas) {
  replica_assignment a;
  a.replicas = std::move(replicas);
  return a;
}
using ids = std::vector<int32_t>;
} // namespace

TEST(reassignment_plan, move_adds_target_then_original) {
  auto next = settled({1, 2, 3}).reassign_to({4, 2, 5});
  EXPECT_EQ(next.replicas, (ids{4, 2, 5, 1, 3}));  // RS = TRS + ORS
  EXPECT_EQ(next.adding, (ids{4, 5}));             // AR = TRS - ORS
  EXPECT_EQ(next.removing, (ids{1, 3}));           // RR = ORS - TRS
  EXPECT_TRUE(next.being_reassigned());
  EXPECT_EQ(next.target(), (ids{4, 2, 5}));
  EXPECT_EQ(next.origin(), (ids{2, 1, 3}));
}

TEST(reassignment_plan, reorder_and_shrink) {
  auto reorder = settled({1, 2, 3}).reassign_to({3, 1, 2});
  EXPECT_EQ(reorder.replicas, (ids{3, 1, 2}));
  EXPECT_FALSE(reorder.being_reassigned());
  auto shrink = settled({1, 2, 3}).reassign_to({1, 2});
  EXPECT_EQ(shrink.replicas, (ids{1, 2, 3}));
  EXPECT_TRUE(shrink.adding.empty());
  EXPECT_EQ(shrink.removing, (ids{3}));
  EXPECT_EQ(shrink.target(), (ids{1, 2}));
}

TEST(reassignment_plan, cancel_returns_to_the_origin) {
  auto moving = settled({1, 2}).reassign_to({2, 3});
  EXPECT_EQ(moving.replicas, (ids{2, 3, 1}));
  auto cancelled = moving.reassign_to(moving.origin());
  EXPECT_EQ(cancelled.replicas, (ids{2, 1}));
  EXPECT_FALSE(cancelled.being_reassigned());
}

TEST(reassignment_plan, new_target_during_a_move_starts_from_the_origin) {
  auto moving = settled({1, 2}).reassign_to({3, 4});  // RS [3,4,1,2], AR [3,4]
  auto again = moving.reassign_to({5, 2});
  EXPECT_EQ(again.replicas, (ids{5, 2, 1}));
  EXPECT_EQ(again.adding, (ids{5}));
  EXPECT_EQ(again.removing, (ids{1}));
}

TEST(reassignment_plan, completion_needs_every_target_in_isr) {
  auto moving = settled({1, 2}).reassign_to({2, 3});
  EXPECT_FALSE(reassignment_complete(moving, {1, 2}));
  EXPECT_TRUE(reassignment_complete(moving, {1, 2, 3}));
  EXPECT_TRUE(reassignment_complete(settled({1, 2}).reassign_to({1}), {1, 2}));
}

TEST(reassignment_plan, validation) {
  auto current = settled({1, 2});
  std::set<int32_t> live{1, 2, 3};
  EXPECT_FALSE(invalid_target(current, {3, 1}, live));
  EXPECT_TRUE(invalid_target(current, {}, live));
  EXPECT_TRUE(invalid_target(current, {1, 1}, live));
  EXPECT_TRUE(invalid_target(current, {-1, 2}, live));
  EXPECT_TRUE(invalid_target(current, {4, 1}, live));  // 4 is not registered
  // A replica already assigned may be on a broker that is down: only new ones must be live.
  EXPECT_FALSE(invalid_target(settled({1, 9}), {9, 1}, live));
}

TEST(reassignment_plan, topic_znode_round_trip) {
  zk::topic_assignment topic;
  topic.partitions = {{0, {1, 2}}, {1, {2, 1}}};
  auto moving = assignment_of(topic, 0).reassign_to({3, 2});
  set_assignment(topic, 0, moving);
  EXPECT_EQ(topic.partitions[0], (ids{3, 2, 1}));
  EXPECT_EQ(topic.adding_replicas.at(0), (ids{3}));
  EXPECT_EQ(topic.removing_replicas.at(0), (ids{1}));
  EXPECT_EQ(topic.adding_replicas.count(1), 0u);
  EXPECT_EQ(assignment_of(topic, 0), moving);
  replica_assignment done;
  done.replicas = {3, 2};
  set_assignment(topic, 0, done);
  EXPECT_TRUE(topic.adding_replicas.empty());
  EXPECT_TRUE(topic.removing_replicas.empty());
  EXPECT_TRUE(assignment_of(topic, 7).replicas.empty());
}
