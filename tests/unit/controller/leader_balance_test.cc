#include "leader_balance.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::controller;

namespace {
partition_leadership p(std::vector<int32_t> replicas, int32_t leader) { return {std::move(replicas), leader}; }
} // namespace

TEST(leader_balance, ratio_per_preferred_broker) {
  std::map<topic_partition, partition_leadership> parts = {
      {{"t", 0}, p({0, 1}, 0)}, {{"t", 1}, p({1, 0}, 0)}, {{"t", 2}, p({0, 1}, 0)}, {{"t", 3}, p({1, 0}, 1)},
      {{"t", 4}, p({1, 0}, 0)}, {{"t", 5}, p({1, 0}, -1)},
  };
  auto ratios = imbalance_ratios(parts);
  EXPECT_DOUBLE_EQ(ratios[0], 0.0);
  EXPECT_DOUBLE_EQ(ratios[1], 0.75);  // 3 of the 4 partitions broker 1 should lead
  auto moves = imbalanced_partitions(parts, 10);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[1], (std::vector<topic_partition>{{"t", 1}, {"t", 4}, {"t", 5}}));
}

TEST(leader_balance, threshold_is_strictly_exceeded) {
  std::map<topic_partition, partition_leadership> parts;
  for (int i = 0; i < 10; ++i) parts[{"t", i}] = p({0, 1}, i == 0 ? 1 : 0);  // 10% off
  EXPECT_TRUE(imbalanced_partitions(parts, 10).empty());
  EXPECT_EQ(imbalanced_partitions(parts, 9).at(0), (std::vector<topic_partition>{{"t", 0}}));
  EXPECT_TRUE(imbalanced_partitions({}, 0).empty());
}
