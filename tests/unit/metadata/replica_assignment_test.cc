#include "gregor/metadata/replica_assignment.h"

#include <gtest/gtest.h>
#include <set>

using namespace gregor::metadata;

namespace {
std::vector<broker_rack> brokers(std::initializer_list<int32_t> ids) {
  std::vector<broker_rack> out;
  for (auto id : ids) out.push_back({id, std::nullopt});
  return out;
}
} // namespace

TEST(replica_assignment, matches_kafka_with_fixed_start) {
  // Kafka's AdminUtils with startIndex 0, nextReplicaShift 0 over brokers 0..4, 10 partitions, RF 3.
  std::mt19937 rng(1);
  assignment_request req{.partitions = 10, .replication_factor = 3, .fixed_start_index = 0};
  auto r = assign_replicas(brokers({0, 1, 2, 3, 4}), req, rng);
  ASSERT_TRUE(r);
  std::map<int32_t, std::vector<int32_t>> expected{
      {0, {0, 1, 2}}, {1, {1, 2, 3}}, {2, {2, 3, 4}}, {3, {3, 4, 0}}, {4, {4, 0, 1}},
      {5, {0, 2, 3}}, {6, {1, 3, 4}}, {7, {2, 4, 0}}, {8, {3, 0, 1}}, {9, {4, 1, 2}}};
  EXPECT_EQ(*r, expected);
}

TEST(replica_assignment, leaders_round_robin_and_replicas_distinct) {
  std::mt19937 rng(42);
  assignment_request req{.partitions = 12, .replication_factor = 3};
  auto r = assign_replicas(brokers({3, 1, 2}), req, rng);
  ASSERT_TRUE(r);
  std::map<int32_t, int> leaders;
  for (const auto& [p, replicas] : *r) {
    ASSERT_EQ(replicas.size(), 3u);
    EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u);
    ++leaders[replicas[0]];
  }
  for (auto& [b, count] : leaders) EXPECT_EQ(count, 4) << b;
}

TEST(replica_assignment, rejects_bad_requests) {
  std::mt19937 rng(1);
  EXPECT_FALSE(assign_replicas(brokers({1}), {.partitions = 1, .replication_factor = 2}, rng));
  EXPECT_FALSE(assign_replicas(brokers({1}), {.partitions = 0, .replication_factor = 1}, rng));
  std::vector<broker_rack> mixed{{1, "a"}, {2, std::nullopt}};
  auto r = assign_replicas(mixed, {.partitions = 1, .replication_factor = 1}, rng);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), assignment_errc::mixed_racks);
}

TEST(replica_assignment, rack_aware_spreads_racks) {
  std::mt19937 rng(3);
  std::vector<broker_rack> b{{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "c"}, {6, "c"}};
  auto r = assign_replicas(b, {.partitions = 6, .replication_factor = 3}, rng);
  ASSERT_TRUE(r);
  std::map<int32_t, std::string> rack{{1, "a"}, {2, "a"}, {3, "b"}, {4, "b"}, {5, "c"}, {6, "c"}};
  for (const auto& [p, replicas] : *r) {
    std::set<std::string> racks;
    for (auto id : replicas) racks.insert(rack[id]);
    EXPECT_EQ(racks.size(), 3u) << "partition " << p;
  }
}

TEST(replica_assignment, manual_assignment_validation) {
  EXPECT_EQ(manual_assignment_error({{0, {1, 2}}, {1, {2, 3}}}), "");
  EXPECT_NE(manual_assignment_error({{0, {1, 2}}, {1, {2}}}), "");
  EXPECT_NE(manual_assignment_error({{0, {1, 1}}}), "");
  EXPECT_NE(manual_assignment_error({{1, {1}}}), "");
}
