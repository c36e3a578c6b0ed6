#include "request_batch.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::controller;

namespace {
partition_update update(const std::string& topic, int32_t p, int32_t leader, int32_t epoch, bool is_new = false) {
  partition_update u;
  u.tp = {topic, p};
  u.state.leader = leader;
  u.state.leader_epoch = epoch;
  u.is_new = is_new;
  return u;
}
} // namespace

TEST(request_batch, one_request_per_kind_per_broker) {
  request_batch b;
  EXPECT_TRUE(b.empty());
  b.add_leader_and_isr(1, update("t", 0, 1, 0, true));
  b.add_leader_and_isr(1, update("t", 1, 2, 0));
  b.add_leader_and_isr(2, update("t", 1, 2, 0));
  b.add_update_metadata({0, 1, 2}, {{"t", 0}});
  b.add_update_metadata({0, 1, 2}, {{"t", 1}});
  b.add_stop_replica(2, {"u", 0}, false, 5);
  EXPECT_FALSE(b.empty());
  auto out = b.take();
  EXPECT_TRUE(b.empty());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].leader_and_isr.size(), 0u);
  EXPECT_TRUE(out[0].update_metadata);
  EXPECT_EQ(out[0].metadata_partitions, (std::set<topic_partition>{{"t", 0}, {"t", 1}}));
  EXPECT_EQ(out[1].leader_and_isr.size(), 2u);
  EXPECT_TRUE(out[1].stop_replica.empty());
  ASSERT_EQ(out[2].stop_replica.size(), 1u);
  EXPECT_EQ(out[2].stop_replica[0].leader_epoch, 5);
  EXPECT_FALSE(out[2].stop_replica[0].delete_partition);
}

TEST(request_batch, later_state_replaces_earlier_and_is_new_sticks) {
  request_batch b;
  b.add_leader_and_isr(1, update("t", 0, 1, 0, true));
  b.add_leader_and_isr(1, update("t", 0, 2, 1));
  auto out = b.take();
  ASSERT_EQ(out[1].leader_and_isr.size(), 1u);
  EXPECT_EQ(out[1].leader_and_isr[0].state.leader, 2);
  EXPECT_EQ(out[1].leader_and_isr[0].state.leader_epoch, 1);
  EXPECT_TRUE(out[1].leader_and_isr[0].is_new);
}

TEST(request_batch, deletion_sticks_with_epoch_minus_two) {
  request_batch b;
  b.add_stop_replica(1, {"t", 0}, false, 3);
  b.add_stop_replica(1, {"t", 0}, true, 3);
  b.add_stop_replica(1, {"t", 0}, false, 4);
  auto out = b.take();
  ASSERT_EQ(out[1].stop_replica.size(), 1u);
  EXPECT_TRUE(out[1].stop_replica[0].delete_partition);
  EXPECT_EQ(out[1].stop_replica[0].leader_epoch, -2);
}

TEST(request_batch, broker_list_only_update_metadata_and_negative_ids) {
  request_batch b;
  b.add_update_metadata({3}, {});
  b.add_leader_and_isr(-1, update("t", 0, 1, 0));
  b.add_stop_replica(-1, {"t", 0}, false, 0);
  auto out = b.take();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[3].update_metadata);
  EXPECT_TRUE(out[3].metadata_partitions.empty());
}
