// CreatePartitions planning: Kafka's checks in order with their codes and texts, the manual
// assignment rules, and the default placement continued from the existing partitions
// (ZOOKEEPER-LAYOUT §9).

#include <gtest/gtest.h>

#include <limits>

#include "partition_growth.h"

using namespace gregor;
using server::plan_partition_growth;
using protocol::error_code;

namespace {

using assignment = std::map<int32_t, std::vector<int32_t>>;

std::vector<metadata::broker_rack> brokers(std::vector<int32_t> ids) {
  std::vector<metadata::broker_rack> out;
  for (int32_t id : ids) out.push_back({id, std::nullopt});
  return out;
}

TEST(partition_growth, unknown_topic) {
  auto g = plan_partition_growth("t", {}, 3, std::nullopt, brokers({0}));
  EXPECT_EQ(g.error, error_code::unknown_topic_or_partition);
  EXPECT_EQ(g.message, "The topic 't' does not exist.");
}

TEST(partition_growth, count_must_grow) {
  assignment existing{{0, {0}}, {1, {0}}, {2, {0}}};
  auto lower = plan_partition_growth("t", existing, 2, std::nullopt, brokers({0}));
  EXPECT_EQ(lower.error, error_code::invalid_partitions);
  EXPECT_EQ(lower.message, "Topic currently has 3 partitions, which is higher than the requested 2.");
  auto same = plan_partition_growth("t", existing, 3, std::nullopt, brokers({0}));
  EXPECT_EQ(same.error, error_code::invalid_partitions);
  EXPECT_EQ(same.message, "Topic already has 3 partitions.");
  auto negative = plan_partition_growth("t", existing, -1, std::nullopt, brokers({0}));
  EXPECT_EQ(negative.error, error_code::invalid_partitions);
}

TEST(partition_growth, huge_increase_is_refused_before_placement) {
  auto g = plan_partition_growth("t", {{0, {0}}}, std::numeric_limits<int32_t>::max(), std::nullopt, brokers({0}));
  EXPECT_EQ(g.error, error_code::invalid_partitions);
  EXPECT_TRUE(g.added.empty());
}

TEST(partition_growth, default_placement_continues_from_partition_zero_leader) {
  // Three brokers, partition 0 led by broker 1: start index 1 (first sorted id >= 1), and the
  // new partitions continue the round robin from partition 2.
  assignment existing{{0, {1, 2}}, {1, {2, 0}}};
  auto g = plan_partition_growth("t", existing, 5, std::nullopt, brokers({2, 0, 1}));
  ASSERT_EQ(g.error, error_code::none) << g.message;
  // n=3, start=shift=1: p2 first=(2+1)%3=0 -> [0, (0+1+(1+0)%2)%3=2]; p3: 3%3==0 -> shift 2,
  // first=1 -> [1, (1+1+0)%3=2]; p4 first=2 -> [2, (2+1+0)%3=0].
  assignment expected{{2, {0, 2}}, {3, {1, 2}}, {4, {2, 0}}};
  EXPECT_EQ(g.added, expected);
}

TEST(partition_growth, start_index_when_partition_zero_leader_is_gone) {
  // Partition 0's leader (5) is above every live broker: Kafka's indexWhere gives -1, max(0, -1) = 0.
  assignment existing{{0, {5}}};
  auto g = plan_partition_growth("t", existing, 3, std::nullopt, brokers({0, 1}));
  ASSERT_EQ(g.error, error_code::none) << g.message;
  assignment expected{{1, {1}}, {2, {0}}};
  EXPECT_EQ(g.added, expected);
}

TEST(partition_growth, default_placement_needs_enough_brokers) {
  assignment existing{{0, {0, 1, 2}}};
  auto g = plan_partition_growth("t", existing, 2, std::nullopt, brokers({0, 1}));
  EXPECT_EQ(g.error, error_code::invalid_replication_factor);
  EXPECT_EQ(g.message, "Replication factor: 3 larger than available brokers: 2.");
}

TEST(partition_growth, rack_aware_placement_spreads_racks) {
  std::vector<metadata::broker_rack> racked{{0, "a"}, {1, "a"}, {2, "b"}, {3, "b"}};
  auto g = plan_partition_growth("t", {{0, {0, 2}}}, 9, std::nullopt, racked);
  ASSERT_EQ(g.error, error_code::none) << g.message;
  ASSERT_EQ(g.added.size(), 8u);
  std::map<int32_t, std::string> rack{{0, "a"}, {1, "a"}, {2, "b"}, {3, "b"}};
  for (const auto& [p, replicas] : g.added) {
    ASSERT_EQ(replicas.size(), 2u);
    EXPECT_NE(rack[replicas[0]], rack[replicas[1]]) << "partition " << p;
  }
}

TEST(partition_growth, manual_assignment_is_used_as_given) {
  assignment existing{{0, {0, 1}}, {1, {1, 0}}};
  std::vector<std::vector<int32_t>> manual{{1, 0}, {0, 1}};
  auto g = plan_partition_growth("t", existing, 4, manual, brokers({0, 1}));
  ASSERT_EQ(g.error, error_code::none) << g.message;
  assignment expected{{2, {1, 0}}, {3, {0, 1}}};
  EXPECT_EQ(g.added, expected);
}

TEST(partition_growth, manual_assignment_errors) {
  assignment existing{{0, {0, 1}}};
  auto unknown = plan_partition_growth("t", existing, 2, std::vector<std::vector<int32_t>>{{0, 7}}, brokers({0, 1}));
  EXPECT_EQ(unknown.error, error_code::invalid_replica_assignment);
  EXPECT_EQ(unknown.message, "Unknown broker(s) in replica assignment: 7.");

  auto too_few = plan_partition_growth("t", existing, 3, std::vector<std::vector<int32_t>>{{0, 1}}, brokers({0, 1}));
  EXPECT_EQ(too_few.error, error_code::invalid_replica_assignment);
  EXPECT_EQ(too_few.message, "Increasing the number of partitions by 2 but 1 assignments provided.");

  auto duplicate = plan_partition_growth("t", existing, 2, std::vector<std::vector<int32_t>>{{1, 1}}, brokers({0, 1}));
  EXPECT_EQ(duplicate.error, error_code::invalid_replica_assignment);
  EXPECT_EQ(duplicate.message, "Duplicate brokers not allowed in replica assignment: 1, 1 for partition id 1.");

  auto empty = plan_partition_growth("t", existing, 2, std::vector<std::vector<int32_t>>{{}}, brokers({0, 1}));
  EXPECT_EQ(empty.error, error_code::invalid_replica_assignment);
  EXPECT_EQ(empty.message, "Cannot have replication factor of 0 for partition id 1.");

  auto other_rf =
      plan_partition_growth("t", existing, 4, std::vector<std::vector<int32_t>>{{0, 1}, {1}, {0}}, brokers({0, 1}));
  EXPECT_EQ(other_rf.error, error_code::invalid_replica_assignment);
  EXPECT_EQ(other_rf.message,
            "Inconsistent replication factor between partitions, partition 0 has 2 while partitions [2, 3] have "
            "replication factors [1, 1], respectively.");
}

} // namespace
