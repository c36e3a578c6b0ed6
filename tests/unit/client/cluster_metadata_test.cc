#include <gtest/gtest.h>

#include "gregor/client/cluster_metadata.h"
#include "gregor/client/errc.h"

namespace gregor::client {
namespace {

protocol::metadata_response response() {
  protocol::metadata_response r;
  r.brokers.push_back({1, "h1", 9092, std::nullopt});
  r.brokers.push_back({2, "h2", 9093, std::string("r1")});
  r.controller_id = 2;
  r.cluster_id = "c";
  auto& t = r.topics.emplace_back();
  t.name = "orders";
  t.topic_id = uuid::from_parts(1, 2);
  auto& p0 = t.partitions.emplace_back();
  p0.partition_index = 0;
  p0.leader_id = 1;
  p0.replica_nodes = {1, 2};
  p0.isr_nodes = {1};
  auto& p1 = t.partitions.emplace_back();
  p1.partition_index = 1;
  p1.leader_id = -1;
  p1.error_code = static_cast<int16_t>(protocol::error_code::leader_not_available);
  auto& gone = r.topics.emplace_back();
  gone.name = "gone";
  gone.error_code = static_cast<int16_t>(protocol::error_code::unknown_topic_or_partition);
  return r;
}

TEST(ClusterMetadataTest, DecodesBrokersTopicsAndLeaders) {
  auto md = to_cluster_metadata(response());
  EXPECT_EQ(md.controller_id, 2);
  ASSERT_NE(md.find_broker(2), nullptr);
  EXPECT_EQ(md.find_broker(2)->rack, "r1");
  EXPECT_EQ(md.leader_of("orders", 0), 1);
  EXPECT_EQ(md.leader_of("orders", 1), -1);
  EXPECT_EQ(md.leader_of("orders", 9), -1);
  EXPECT_EQ(md.find_partition("orders", 1)->error, kafka_error(protocol::error_code::leader_not_available));
  EXPECT_EQ(md.find_topic("orders")->topic_id, uuid::from_parts(1, 2));
  EXPECT_EQ(md.find_partition("orders", 0)->isr, (std::vector<int32_t>{1}));
}

TEST(ClusterMetadataTest, MergeForgetsTopicsTheBrokerNoLongerKnows) {
  cluster_metadata cache;
  cache.topics["gone"].name = "gone";
  cache.topics["other"].name = "other";
  cache.merge(to_cluster_metadata(response()));
  EXPECT_EQ(cache.find_topic("gone"), nullptr);
  EXPECT_NE(cache.find_topic("other"), nullptr);  // not in the response: kept
  EXPECT_NE(cache.find_topic("orders"), nullptr);
  EXPECT_EQ(cache.controller_id, 2);
}

TEST(ClusterMetadataTest, KafkaErrorsAreRetriableWhereKafkaSaysSo) {
  EXPECT_TRUE(is_retriable(kafka_error(protocol::error_code::not_controller)));
  EXPECT_TRUE(is_retriable(kafka_error(protocol::error_code::not_leader_or_follower)));
  EXPECT_FALSE(is_retriable(kafka_error(protocol::error_code::topic_already_exists)));
  EXPECT_FALSE(is_retriable(std::error_code{}));
  EXPECT_FALSE(kafka_error(protocol::error_code::none));
  EXPECT_EQ(kafka_error(protocol::error_code::not_controller).message(), "NOT_CONTROLLER");
}

} // namespace
} // namespace gregor::client
