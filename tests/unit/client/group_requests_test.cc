#include <gtest/gtest.h>

#include "gregor/client/errc.h"
#include "gregor/client/group_requests.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::client {
namespace {

using protocol::error_code;

// Encodes at `version` and decodes again: the request must survive the wire at that version.
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

TEST(GroupRequestsTest, FindCoordinatorBatchesKeysFromV4) {
  auto v3 = round_trip(build_find_coordinator_request(3, {"g1", "g2"}), 3);
  EXPECT_EQ(v3.key, "g1");
  EXPECT_EQ(v3.key_type, 0);
  auto v4 = round_trip(build_find_coordinator_request(4, {"g1", "g2"}), 4);
  EXPECT_EQ(v4.coordinator_keys, (std::vector<std::string>{"g1", "g2"}));

  protocol::find_coordinator_response old;
  old.node_id = 2;
  old.host = "h";
  old.port = 9092;
  auto one = read_find_coordinator_response(3, old, "g1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].key, "g1");
  EXPECT_FALSE(one[0].error);
  EXPECT_EQ(one[0].node.id, 2);

  protocol::find_coordinator_response batched;
  auto& c = batched.coordinators.emplace_back();
  c.key = "g2";
  c.error_code = static_cast<int16_t>(error_code::coordinator_not_available);
  auto many = read_find_coordinator_response(4, batched, "ignored");
  ASSERT_EQ(many.size(), 1u);
  EXPECT_EQ(many[0].key, "g2");
  EXPECT_EQ(many[0].error, kafka_error(error_code::coordinator_not_available));
}

TEST(GroupRequestsTest, JoinGroupStaticMembershipNeedsV5) {
  join_group_params p;
  p.group_id = "g";
  p.group_instance_id = "i-1";
  p.protocols.emplace_back("range", bytes{1, 2});
  p.reason = "because";
  EXPECT_EQ(build_join_group_request(4, p).error(), client_errc::invalid_argument);
  auto v5 = build_join_group_request(5, p);
  ASSERT_TRUE(v5);
  auto back = round_trip(*v5, 5);
  EXPECT_EQ(back.group_instance_id, std::optional<std::string>("i-1"));
  ASSERT_EQ(back.protocols.size(), 1u);
  EXPECT_EQ(back.protocols[0].name, "range");
  EXPECT_FALSE(v5->reason);  // v8+ only
  EXPECT_EQ(build_join_group_request(8, p)->reason, std::optional<std::string>("because"));
  p.group_instance_id.reset();
  auto v0 = round_trip(*build_join_group_request(0, p), 0);
  EXPECT_EQ(v0.session_timeout_ms, p.session_timeout_ms);
}

TEST(GroupRequestsTest, LeaveGroupSingleMemberBeforeV3) {
  std::vector<leaving_member> one{{"m1", std::nullopt, std::nullopt}};
  auto v2 = build_leave_group_request(2, "g", one);
  ASSERT_TRUE(v2);
  EXPECT_EQ(round_trip(*v2, 2).member_id, "m1");
  std::vector<leaving_member> two{{"m1", std::nullopt, std::nullopt}, {"m2", std::string("s"), std::nullopt}};
  EXPECT_EQ(build_leave_group_request(2, "g", two).error(), client_errc::invalid_argument);
  auto v3 = round_trip(*build_leave_group_request(3, "g", two), 3);
  ASSERT_EQ(v3.members.size(), 2u);
  EXPECT_EQ(v3.members[1].group_instance_id, std::optional<std::string>("s"));

  protocol::leave_group_response r;
  r.error_code = static_cast<int16_t>(error_code::unknown_member_id);
  auto old = read_leave_group_response(2, r, one);
  ASSERT_EQ(old.members.size(), 1u);
  EXPECT_EQ(old.members[0].second, kafka_error(error_code::unknown_member_id));
}

TEST(GroupRequestsTest, OffsetCommitFieldsPerVersion) {
  offset_commit_params p;
  p.group_id = "g";
  p.generation_id = 3;
  p.member_id = "m";
  p.offsets[{"a", 1}] = 10;
  p.offsets[{"a", 0}] = 5;
  p.offsets[{"b", 0}] = 7;
  auto v1 = round_trip(*build_offset_commit_request(1, p), 1);
  ASSERT_EQ(v1.topics.size(), 2u);  // grouped by topic
  EXPECT_EQ(v1.topics[0].name, "a");
  ASSERT_EQ(v1.topics[0].partitions.size(), 2u);
  EXPECT_EQ(v1.topics[0].partitions[0].committed_offset, 5);
  EXPECT_EQ(v1.topics[0].partitions[0].commit_timestamp, -1);
  EXPECT_EQ(v1.generation_id_or_member_epoch, 3);
  auto v2 = round_trip(*build_offset_commit_request(2, p), 2);
  EXPECT_EQ(v2.retention_time_ms, -1);
  auto v0 = round_trip(*build_offset_commit_request(0, p), 0);
  EXPECT_EQ(v0.member_id, "");  // not on the wire before v1
  p.group_instance_id = "s";
  EXPECT_EQ(build_offset_commit_request(6, p).error(), client_errc::invalid_argument);
  EXPECT_TRUE(build_offset_commit_request(7, p));

  protocol::offset_commit_response r;
  auto& t = r.topics.emplace_back();
  t.name = "a";
  auto& part = t.partitions.emplace_back();
  part.partition_index = 1;
  part.error_code = static_cast<int16_t>(error_code::illegal_generation);
  auto errors = read_offset_commit_response(r);
  EXPECT_EQ(errors.at(topic_partition{"a", 1}), kafka_error(error_code::illegal_generation));
}

TEST(GroupRequestsTest, OffsetFetchAllPartitionsAndBatchedGroups) {
  EXPECT_EQ(build_offset_fetch_request(1, "g", std::nullopt).error(), client_errc::invalid_argument);
  auto v2 = round_trip(*build_offset_fetch_request(2, "g", std::nullopt), 2);
  EXPECT_FALSE(v2.topics.has_value());
  std::vector<topic_partition> some{{"a", 0}, {"a", 2}, {"b", 1}};
  auto v8 = round_trip(*build_offset_fetch_request(8, "g", some), 8);
  ASSERT_EQ(v8.groups.size(), 1u);
  EXPECT_EQ(v8.groups[0].group_id, "g");
  ASSERT_TRUE(v8.groups[0].topics);
  ASSERT_EQ(v8.groups[0].topics->size(), 2u);
  EXPECT_EQ((*v8.groups[0].topics)[0].partition_indexes, (std::vector<int32_t>{0, 2}));
  auto v8all = round_trip(*build_offset_fetch_request(8, "g", std::nullopt), 8);
  EXPECT_FALSE(v8all.groups[0].topics.has_value());

  protocol::offset_fetch_response r8;
  auto& g = r8.groups.emplace_back();
  g.group_id = "g";
  auto& t = g.topics.emplace_back();
  t.name = "a";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.committed_offset = 42;
  auto read = read_offset_fetch_response(8, r8, "g");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->at(topic_partition{"a", 0}).offset, 42);
  g.error_code = static_cast<int16_t>(error_code::coordinator_load_in_progress);
  EXPECT_EQ(read_offset_fetch_response(8, r8, "g").error(), kafka_error(error_code::coordinator_load_in_progress));
  EXPECT_EQ(read_offset_fetch_response(8, r8, "other").error(), client_errc::malformed_response);

  protocol::offset_fetch_response r1;
  r1.error_code = static_cast<int16_t>(error_code::not_coordinator);  // not on the wire in v1
  EXPECT_TRUE(read_offset_fetch_response(1, r1, "g"));
  EXPECT_FALSE(read_offset_fetch_response(2, r1, "g"));
}

TEST(GroupRequestsTest, ListGroupsStatesNeedV4) {
  EXPECT_EQ(build_list_groups_request(3, {"Stable"}).error(), client_errc::invalid_argument);
  EXPECT_TRUE(build_list_groups_request(3, {}));
  auto v4 = round_trip(*build_list_groups_request(4, {"Stable", "Empty"}), 4);
  EXPECT_EQ(v4.states_filter, (std::vector<std::string>{"Stable", "Empty"}));
  protocol::list_groups_response r;
  auto& g = r.groups.emplace_back();
  g.group_id = "g";
  g.protocol_type = "consumer";
  g.group_state = "Empty";
  auto listed = read_list_groups_response(r);
  ASSERT_TRUE(listed);
  EXPECT_EQ((*listed)[0].state, "Empty");
  r.error_code = static_cast<int16_t>(error_code::coordinator_load_in_progress);
  EXPECT_FALSE(read_list_groups_response(r));
}

TEST(GroupRequestsTest, AdminResponsesAreRead) {
  protocol::describe_groups_response d;
  auto& g = d.groups.emplace_back();
  g.group_id = "g";
  g.group_state = "Stable";
  g.protocol_type = "consumer";
  g.protocol_data = "range";
  auto& m = g.members.emplace_back();
  m.member_id = "m";
  m.client_host = "/127.0.0.1";
  auto described = read_describe_groups_response(d);
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0].protocol, "range");
  EXPECT_EQ(described[0].members[0].client_host, "/127.0.0.1");

  auto del = round_trip(build_delete_groups_request({"a", "b"}), 2);
  EXPECT_EQ(del.groups_names, (std::vector<std::string>{"a", "b"}));

  auto od = round_trip(build_offset_delete_request("g", {{"t", 1}, {"u", 0}, {"t", 0}}), 0);
  ASSERT_EQ(od.topics.size(), 2u);
  EXPECT_EQ(od.topics[0].partitions.size(), 2u);
  protocol::offset_delete_response odr;
  odr.error_code = static_cast<int16_t>(error_code::group_subscribed_to_topic);
  auto& t = odr.topics.emplace_back();
  t.name = "t";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 1;
  p.error_code = static_cast<int16_t>(error_code::group_subscribed_to_topic);
  auto outcome = read_offset_delete_response(odr);
  EXPECT_EQ(outcome.error, kafka_error(error_code::group_subscribed_to_topic));
  EXPECT_EQ(outcome.partitions.at(topic_partition{"t", 1}), kafka_error(error_code::group_subscribed_to_topic));
}

} // namespace
} // namespace gregor::client
