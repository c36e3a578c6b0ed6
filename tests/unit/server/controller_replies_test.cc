// The mapping between the controller's replies and the Kafka responses of ControlledShutdown,
// ElectLeaders and the reassignment APIs: grouping by topic, nulls where Kafka sends null, the
// filter of partitions that needed no election, and each response's wire form per version.

#include <gtest/gtest.h>

#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"
#include "controller_replies.h"

using namespace gregor;
using protocol::error_code;

namespace {

template <typename Msg>
Msg round_trip(const Msg& m, int16_t version) {
  iobuf out;
  protocol::writer w(out);
  m.encode(w, version);
  bytes flat = out.linearize();
  protocol::reader r{shared_bytes(std::move(flat))};
  Msg back;
  EXPECT_TRUE(back.decode(r, version));
  EXPECT_EQ(r.remaining(), 0u);
  return back;
}

controller::election_outcome outcome(error_code e, std::optional<std::string> message = std::nullopt) {
  controller::election_outcome o;
  o.error = e;
  o.message = std::move(message);
  return o;
}

TEST(controller_replies, controlled_shutdown_lists_remaining_partitions_in_every_version) {
  controller::controlled_shutdown_reply reply;
  reply.remaining = {{"a", 0}, {"b", 2}};
  auto resp = server::to_response(reply);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.remaining_partitions.size(), 2u);
  EXPECT_EQ(resp.remaining_partitions[1].topic_name, "b");
  EXPECT_EQ(resp.remaining_partitions[1].partition_index, 2);
  for (int16_t v = 0; v <= 3; ++v) EXPECT_EQ(round_trip(resp, v), resp) << "v" << v;

  controller::controlled_shutdown_reply stale;
  stale.error = error_code::stale_broker_epoch;
  EXPECT_EQ(server::to_response(stale).error_code, 77);
}

TEST(controller_replies, elect_leaders_request_partitions_and_type) {
  protocol::elect_leaders_request req;
  EXPECT_TRUE(req.topic_partitions.has_value());  // generated default: an empty list, not null
  req.topic_partitions->push_back({"t", {1, 0, 1}});
  req.topic_partitions->push_back({"u", {3}});
  auto named = server::requested_partitions(req);
  ASSERT_TRUE(named);
  std::vector<topic_partition> expected{{"t", 1}, {"t", 0}, {"u", 3}};
  EXPECT_EQ(*named, expected);
  req.topic_partitions.reset();
  EXPECT_FALSE(server::requested_partitions(req));

  req.election_type = 1;
  EXPECT_EQ(server::requested_election_type(req, 0), controller::election_type::preferred);  // v0 has no type
  EXPECT_EQ(server::requested_election_type(req, 1), controller::election_type::unclean);
  req.election_type = 5;
  EXPECT_FALSE(server::requested_election_type(req, 2));
}

TEST(controller_replies, elect_leaders_groups_by_topic_and_keeps_messages) {
  controller::elect_leaders_reply reply;
  reply.partitions[{"t", 1}] = outcome(error_code::none);
  reply.partitions[{"t", 0}] = outcome(error_code::election_not_needed, "Leader election not needed for topic partition.");
  reply.partitions[{"u", 0}] = outcome(error_code::preferred_leader_not_available, "not live");
  auto resp = server::to_response(reply, false);
  EXPECT_EQ(resp.error_code, 0);
  ASSERT_EQ(resp.replica_election_results.size(), 2u);
  const auto& t = resp.replica_election_results[0];
  EXPECT_EQ(t.topic, "t");
  ASSERT_EQ(t.partition_result.size(), 2u);
  EXPECT_EQ(t.partition_result[0].partition_id, 0);
  EXPECT_EQ(t.partition_result[0].error_code, 84);
  EXPECT_EQ(t.partition_result[1].error_message, std::nullopt);  // Kafka: null for NONE
  EXPECT_EQ(resp.replica_election_results[1].partition_result[0].error_message, "not live");
  for (int16_t v = 0; v <= 2; ++v) {
    auto back = round_trip(resp, v);
    if (v == 0) back.error_code = resp.error_code;  // v0 has no top-level error
    EXPECT_EQ(back, resp) << "v" << v;
  }
}

TEST(controller_replies, elect_leaders_for_all_partitions_drops_election_not_needed) {
  controller::elect_leaders_reply reply;
  reply.partitions[{"t", 0}] = outcome(error_code::election_not_needed);
  reply.partitions[{"t", 1}] = outcome(error_code::none);
  reply.partitions[{"v", 0}] = outcome(error_code::election_not_needed);
  auto resp = server::to_response(reply, true);
  ASSERT_EQ(resp.replica_election_results.size(), 1u);
  ASSERT_EQ(resp.replica_election_results[0].partition_result.size(), 1u);
  EXPECT_EQ(resp.replica_election_results[0].partition_result[0].partition_id, 1);
}

TEST(controller_replies, elect_leaders_failure_names_each_partition) {
  std::vector<topic_partition> named{{"b", 0}, {"a", 1}, {"a", 0}};
  auto resp = server::elect_leaders_failure(named, error_code::not_controller);
  EXPECT_EQ(resp.error_code, 41);
  ASSERT_EQ(resp.replica_election_results.size(), 2u);
  EXPECT_EQ(resp.replica_election_results[0].topic, "a");
  ASSERT_EQ(resp.replica_election_results[0].partition_result.size(), 2u);
  EXPECT_EQ(resp.replica_election_results[0].partition_result[1].error_code, 41);
  auto all = server::elect_leaders_failure(std::nullopt, error_code::not_controller);
  EXPECT_EQ(all.error_code, 41);
  EXPECT_TRUE(all.replica_election_results.empty());
}

TEST(controller_replies, alter_reassignments_targets_and_results) {
  protocol::alter_partition_reassignments_request req;
  auto& t = req.topics.emplace_back();
  t.name = "t";
  t.partitions.push_back({0, std::vector<int32_t>{2, 1}});
  t.partitions.push_back({1, std::nullopt});
  auto targets = server::reassignment_targets(req);
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets.at({"t", 0}), (std::vector<int32_t>{2, 1}));
  EXPECT_FALSE(targets.at({"t", 1}).has_value());

  controller::alter_reassignments_reply reply;
  reply.partitions[{"t", 0}] = outcome(error_code::none);
  reply.partitions[{"t", 1}] = outcome(error_code::no_reassignment_in_progress, "none");
  auto resp = server::to_response(reply);
  EXPECT_EQ(resp.error_code, 0);
  EXPECT_EQ(resp.error_message, std::nullopt);
  ASSERT_EQ(resp.responses.size(), 1u);
  ASSERT_EQ(resp.responses[0].partitions.size(), 2u);
  EXPECT_EQ(resp.responses[0].partitions[0].error_message, std::nullopt);
  EXPECT_EQ(resp.responses[0].partitions[1].error_code, 85);
  EXPECT_EQ(round_trip(resp, 0), resp);

  controller::alter_reassignments_reply moved;
  moved.error = error_code::not_controller;
  moved.partitions[{"t", 0}] = outcome(error_code::none);
  auto top = server::to_response(moved);
  EXPECT_EQ(top.error_code, 41);
  EXPECT_TRUE(top.responses.empty());
}

TEST(controller_replies, list_reassignments) {
  protocol::list_partition_reassignments_request req;
  EXPECT_FALSE(server::requested_partitions(req));  // null topics: every reassignment
  req.topics.emplace();
  req.topics->push_back({"t", {2, 2, 0}});
  auto named = server::requested_partitions(req);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->size(), 2u);

  controller::list_reassignments_reply reply;
  reply.partitions[{"t", 2}] = controller::ongoing_reassignment{{3, 1, 2}, {3}, {2}};
  reply.partitions[{"u", 0}] = controller::ongoing_reassignment{{0, 1}, {1}, {}};
  auto resp = server::to_response(reply);
  EXPECT_EQ(resp.error_message, std::nullopt);
  ASSERT_EQ(resp.topics.size(), 2u);
  const auto& p = resp.topics[0].partitions.at(0);
  EXPECT_EQ(p.partition_index, 2);
  EXPECT_EQ(p.replicas, (std::vector<int32_t>{3, 1, 2}));
  EXPECT_EQ(p.adding_replicas, (std::vector<int32_t>{3}));
  EXPECT_EQ(p.removing_replicas, (std::vector<int32_t>{2}));
  EXPECT_EQ(round_trip(resp, 0), resp);
}

} // namespace
