// Request building and response reading for the controller's admin APIs and
// IncrementalAlterConfigs (controller_requests.h): grouping by topic, null lists, version rules and
// the whole-call vs per-partition errors.

#include <gtest/gtest.h>

#include "gregor/client/controller_requests.h"
#include "gregor/client/errc.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::client {
namespace {

using protocol::error_code;

template <class Msg>
Msg round_trip(const Msg& m, int16_t version) {
  iobuf buf;
  protocol::writer w(buf);
  m.encode(w, version);
  protocol::reader r(shared_bytes(buf.linearize()));
  Msg out;
  EXPECT_TRUE(out.decode(r, version)) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  return out;
}

int16_t code(error_code e) { return static_cast<int16_t>(e); }

TEST(ControllerRequestsTest, ElectLeadersGroupsPartitionsByTopic) {
  std::optional<std::vector<topic_partition>> parts(std::in_place, std::vector<topic_partition>{{"a", 1}, {"b", 0}, {"a", 0}});
  auto req = build_elect_leaders_request(2, election_type::unclean, parts, 5000);
  ASSERT_TRUE(req);
  auto back = round_trip(*req, 2);
  EXPECT_EQ(back.election_type, 1);
  EXPECT_EQ(back.timeout_ms, 5000);
  ASSERT_TRUE(back.topic_partitions.has_value());
  ASSERT_EQ(back.topic_partitions->size(), 2u);
  EXPECT_EQ((*back.topic_partitions)[0].topic, "a");
  EXPECT_EQ((*back.topic_partitions)[0].partitions, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ((*back.topic_partitions)[1].topic, "b");
}

TEST(ControllerRequestsTest, ElectLeadersAllPartitionsIsNullAndV0IsPreferredOnly) {
  auto all = build_elect_leaders_request(0, election_type::preferred, std::nullopt, 1000);
  ASSERT_TRUE(all);
  EXPECT_FALSE(round_trip(*all, 0).topic_partitions.has_value());
  auto unclean = build_elect_leaders_request(0, election_type::unclean, std::nullopt, 1000);
  ASSERT_FALSE(unclean);
  EXPECT_EQ(unclean.error(), client_errc::unsupported_version);
}

TEST(ControllerRequestsTest, ElectLeadersResponseOutcomes) {
  protocol::elect_leaders_response r;
  auto& t = r.replica_election_results.emplace_back();
  t.topic = "orders";
  t.partition_result.push_back({0, 0, std::nullopt});
  t.partition_result.push_back({1, code(error_code::election_not_needed), std::string("")});
  t.partition_result.push_back({2, code(error_code::preferred_leader_not_available), std::string("broker 3 is down")});
  auto out = read_elect_leaders_response(round_trip(r, 1));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->size(), 3u);
  EXPECT_FALSE(out->at({"orders", 0}).error);
  EXPECT_EQ(out->at({"orders", 1}).error, kafka_error(error_code::election_not_needed));
  EXPECT_EQ(out->at({"orders", 2}).message, "broker 3 is down");

  r.error_code = code(error_code::cluster_authorization_failed);
  auto failed = read_elect_leaders_response(r);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error(), kafka_error(error_code::cluster_authorization_failed));
}

TEST(ControllerRequestsTest, ElectLeadersV0NotControllerEverywhereFailsTheCall) {
  protocol::elect_leaders_response r;
  auto& t = r.replica_election_results.emplace_back();
  t.topic = "orders";
  t.partition_result.push_back({0, code(error_code::not_controller), std::nullopt});
  t.partition_result.push_back({1, code(error_code::not_controller), std::nullopt});
  auto out = read_elect_leaders_response(round_trip(r, 0));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), kafka_error(error_code::not_controller));
}

TEST(ControllerRequestsTest, AlterReassignmentsCarriesTargetsAndCancels) {
  std::map<topic_partition, std::optional<std::vector<int32_t>>> targets{
    {{"a", 0}, std::vector<int32_t>{3, 1}}, {{"a", 1}, std::nullopt}, {{"b", 2}, std::vector<int32_t>{2}}};
  auto back = round_trip(build_alter_partition_reassignments_request(targets, 2500), 0);
  EXPECT_EQ(back.timeout_ms, 2500);
  ASSERT_EQ(back.topics.size(), 2u);
  ASSERT_EQ(back.topics[0].partitions.size(), 2u);
  EXPECT_EQ(back.topics[0].partitions[0].replicas, (std::vector<int32_t>{3, 1}));
  EXPECT_FALSE(back.topics[0].partitions[1].replicas.has_value());  // cancel
  EXPECT_EQ(back.topics[1].name, "b");

  protocol::alter_partition_reassignments_response r;
  auto& t = r.responses.emplace_back();
  t.name = "a";
  t.partitions.push_back({0, 0, std::nullopt});
  t.partitions.push_back({1, code(error_code::no_reassignment_in_progress), std::nullopt});
  auto out = read_alter_partition_reassignments_response(round_trip(r, 0));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->at({"a", 0}).error);
  EXPECT_EQ(out->at({"a", 1}).error, kafka_error(error_code::no_reassignment_in_progress));
  r.error_code = code(error_code::not_controller);
  auto moved = read_alter_partition_reassignments_response(r);
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error(), kafka_error(error_code::not_controller));
}

TEST(ControllerRequestsTest, ListReassignments) {
  EXPECT_FALSE(round_trip(build_list_partition_reassignments_request(std::nullopt, 100), 0).topics.has_value());
  std::optional<std::vector<topic_partition>> some(std::in_place, std::vector<topic_partition>{{"a", 0}, {"a", 2}});
  auto req = round_trip(build_list_partition_reassignments_request(some, 100), 0);
  ASSERT_TRUE(req.topics.has_value());
  ASSERT_EQ(req.topics->size(), 1u);
  EXPECT_EQ((*req.topics)[0].partition_indexes, (std::vector<int32_t>{0, 2}));

  protocol::list_partition_reassignments_response r;
  auto& t = r.topics.emplace_back();
  t.name = "a";
  t.partitions.push_back({0, {1, 2, 3}, {3}, {1}});
  auto out = read_list_partition_reassignments_response(round_trip(r, 0));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->at({"a", 0}), (ongoing_reassignment{{1, 2, 3}, {3}, {1}}));
}

TEST(ControllerRequestsTest, IncrementalAlterConfigs) {
  std::vector<config_resource_change> changes{
    {config_resource_type::topic, "a", {{"leader.replication.throttled.replicas", config_op_type::set, "0:1"}}},
    {config_resource_type::broker, "2", {{"leader.replication.throttled.rate", config_op_type::remove, std::nullopt}}}};
  auto back = round_trip(build_incremental_alter_configs_request(changes, true), 1);
  EXPECT_TRUE(back.validate_only);
  ASSERT_EQ(back.resources.size(), 2u);
  EXPECT_EQ(back.resources[0].resource_type, 2);
  EXPECT_EQ(back.resources[1].resource_type, 4);
  EXPECT_EQ(back.resources[1].configs[0].config_operation, 1);
  EXPECT_FALSE(back.resources[1].configs[0].value.has_value());

  protocol::incremental_alter_configs_response r;
  r.responses.push_back({code(error_code::invalid_config), std::string("bad"), 2, "a"});
  auto out = read_incremental_alter_configs_response(round_trip(r, 0));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, config_resource_type::topic);
  EXPECT_EQ(out[0].error, kafka_error(error_code::invalid_config));
  EXPECT_EQ(out[0].message, "bad");
}

} // namespace
} // namespace gregor::client
