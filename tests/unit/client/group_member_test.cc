// group_member against a scripted coordinator (fake_broker): the MEMBER_ID_REQUIRED round, the
// leader's range assignment, rejoining after a heartbeat error, commits with the generation, and
// LeaveGroup for dynamic (not static) members.

#include <atomic>
#include <mutex>

#include <gtest/gtest.h>

#include "fake_broker.h"
#include "gregor/client/errc.h"
#include "gregor/client/group_member.h"
#include "gregor/client/sync_client.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "gregor/protocol/messages/heartbeat.h"
#include "gregor/protocol/messages/join_group.h"
#include "gregor/protocol/messages/leave_group.h"
#include "gregor/protocol/messages/offset_commit.h"
#include "gregor/protocol/messages/sync_group.h"

namespace gregor::client::test {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;

// A one-member group coordinator. Runs on the fake broker's thread; the test reads its record
// after the client calls returned.
struct scripted_coordinator {
  std::mutex mutex;
  int32_t generation = 0;
  std::vector<std::string> join_member_ids;  // member id of every JoinGroup received
  std::optional<std::string> join_instance_id;
  bytes leader_assignment;                   // what the leader sent for itself in SyncGroup
  std::vector<int16_t> heartbeat_errors;     // answers to the next heartbeats (then NONE)
  std::map<topic_partition, int64_t> committed;
  int32_t commit_generation = -2;
  std::vector<std::string> left;

  std::optional<iobuf> answer(const fake_broker& b, const protocol::request_header& h, protocol::reader& r) {
    std::lock_guard lock(mutex);
    switch (h.api_key) {
    case 10: {
      protocol::find_coordinator_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      protocol::find_coordinator_response resp;
      if (h.api_version < 4) {
        resp.node_id = 1;
        resp.host = "127.0.0.1";
        resp.port = b.port();
      }
      for (const auto& key : req.coordinator_keys) resp.coordinators.push_back({key, 1, "127.0.0.1", b.port(), 0, std::nullopt});
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    case 11: {
      protocol::join_group_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      join_member_ids.push_back(req.member_id);
      join_instance_id = req.group_instance_id;
      protocol::join_group_response resp;
      if (req.member_id.empty() && !req.group_instance_id) {
        resp.error_code = static_cast<int16_t>(error_code::member_id_required);
        resp.member_id = "m-" + std::to_string(join_member_ids.size());
        return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
      }
      std::string id = req.member_id.empty() ? "static-m" : req.member_id;
      resp.generation_id = ++generation;
      resp.protocol_type = "consumer";
      resp.protocol_name = req.protocols.at(0).name;
      resp.leader = id;
      resp.member_id = id;
      resp.members.push_back({id, req.group_instance_id, req.protocols.at(0).metadata});
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    case 14: {
      protocol::sync_group_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      protocol::sync_group_response resp;
      for (const auto& a : req.assignments) {
        if (a.member_id == req.member_id) leader_assignment = a.assignment;
      }
      resp.assignment = leader_assignment;
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    case 12: {
      protocol::heartbeat_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      protocol::heartbeat_response resp;
      if (!heartbeat_errors.empty()) {
        resp.error_code = heartbeat_errors.front();
        heartbeat_errors.erase(heartbeat_errors.begin());
      }
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    case 8: {
      protocol::offset_commit_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      commit_generation = req.generation_id_or_member_epoch;
      protocol::offset_commit_response resp;
      for (const auto& t : req.topics) {
        auto& rt = resp.topics.emplace_back();
        rt.name = t.name;
        for (const auto& p : t.partitions) {
          committed[{t.name, p.partition_index}] = p.committed_offset;
          rt.partitions.push_back({p.partition_index, 0});
        }
      }
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    case 13: {
      protocol::leave_group_request req;
      if (!req.decode(r, h.api_version)) return std::nullopt;
      protocol::leave_group_response resp;
      for (const auto& m : req.members) {
        left.push_back(m.member_id);
        resp.members.push_back({m.member_id, m.group_instance_id, 0});
      }
      return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
    }
    default: return std::nullopt;
    }
  }
};

protocol::metadata_response one_topic(const fake_broker& b, int partitions) {
  protocol::metadata_response r;
  r.brokers.push_back({1, "127.0.0.1", b.port(), std::nullopt});
  r.controller_id = 1;
  auto& t = r.topics.emplace_back();
  t.name = "t";
  for (int i = 0; i < partitions; ++i) {
    auto& p = t.partitions.emplace_back();
    p.partition_index = i;
    p.leader_id = 1;
    p.replica_nodes = {1};
    p.isr_nodes = {1};
  }
  return r;
}

struct group_fixture {
  fake_broker broker;
  scripted_coordinator coordinator;

  group_fixture() {
    broker.advertised = {{3, 0, 12}, {8, 0, 8}, {10, 0, 4}, {11, 0, 9}, {12, 0, 4}, {13, 0, 5}, {14, 0, 5}};
    broker.on_metadata = [this] { return one_topic(broker, 3); };
    broker.on_other = [this](const protocol::request_header& h, protocol::reader& r) { return coordinator.answer(broker, h, r); };
  }

  client_options options() const {
    client_options o;
    o.bootstrap_servers = {{"127.0.0.1", broker.port()}};
    o.connect_timeout = 2s;
    o.request_timeout = 2s;
    o.retry_backoff = 10ms;
    return o;
  }
};

group_member_options member_options() {
  group_member_options o;
  o.group_id = "g";
  o.topics = {"t"};
  o.heartbeat_interval = 30ms;
  o.rebalance_timeout = 2s;
  o.session_timeout = 2s;
  o.retry_backoff = 10ms;
  return o;
}

TEST(GroupMemberTest, JoinsAsLeaderAssignsRangesAndRejoinsAfterARebalance) {
  group_fixture f;
  sync_client c(f.options());
  group_member m(c.async(), member_options());
  auto joined = c.run(m.ensure_active(group_member::clock_type::now() + 5s));
  ASSERT_TRUE(joined) << joined.error().message();
  EXPECT_EQ(m.member_id(), "m-1");
  EXPECT_EQ(m.generation_id(), 1);
  EXPECT_TRUE(m.is_leader());
  EXPECT_FALSE(m.needs_rejoin());
  EXPECT_EQ(m.assignment(), (partition_map{{"t", {0, 1, 2}}}));
  {
    std::lock_guard lock(f.coordinator.mutex);
    // First without an id (MEMBER_ID_REQUIRED), then with the one handed out.
    EXPECT_EQ(f.coordinator.join_member_ids, (std::vector<std::string>{"", "m-1"}));
    auto sent = decode_assignment(f.coordinator.leader_assignment);
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->partitions, (partition_map{{"t", {0, 1, 2}}}));
    f.coordinator.heartbeat_errors = {static_cast<int16_t>(error_code::rebalance_in_progress)};
  }

  // Not due yet: nothing is sent.
  ASSERT_TRUE(c.run(m.poll_heartbeat()));
  EXPECT_EQ(f.broker.count(12), 0);
  std::this_thread::sleep_for(40ms);
  EXPECT_EQ(m.time_to_next_heartbeat(), 0ms);
  ASSERT_TRUE(c.run(m.poll_heartbeat()));
  EXPECT_EQ(f.broker.count(12), 1);
  EXPECT_TRUE(m.needs_rejoin());

  // Still a member of generation 1: commit what was consumed before rejoining.
  auto committed = c.run(m.commit({{topic_partition{"t", 0}, 5}, {topic_partition{"t", 2}, 9}}));
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_FALSE(committed->at(topic_partition{"t", 0}));
  {
    std::lock_guard lock(f.coordinator.mutex);
    EXPECT_EQ(f.coordinator.commit_generation, 1);
    EXPECT_EQ(f.coordinator.committed.at(topic_partition{"t", 2}), 9);
  }

  ASSERT_TRUE(c.run(m.ensure_active(group_member::clock_type::now() + 5s)));
  EXPECT_EQ(m.generation_id(), 2);
  EXPECT_EQ(m.member_id(), "m-1");  // kept across a rebalance

  c.run(m.leave());
  std::lock_guard lock(f.coordinator.mutex);
  EXPECT_EQ(f.coordinator.left, (std::vector<std::string>{"m-1"}));
}

TEST(GroupMemberTest, UnknownMemberIdStartsOverAsANewMember) {
  group_fixture f;
  sync_client c(f.options());
  group_member m(c.async(), member_options());
  ASSERT_TRUE(c.run(m.ensure_active(group_member::clock_type::now() + 5s)));
  {
    std::lock_guard lock(f.coordinator.mutex);
    f.coordinator.heartbeat_errors = {static_cast<int16_t>(error_code::unknown_member_id)};
  }
  std::this_thread::sleep_for(40ms);
  ASSERT_TRUE(c.run(m.poll_heartbeat()));
  EXPECT_TRUE(m.needs_rejoin());
  EXPECT_EQ(m.member_id(), "");
  auto stale = c.run(m.commit({{topic_partition{"t", 0}, 1}}));
  ASSERT_FALSE(stale);  // no generation to commit with
  ASSERT_TRUE(c.run(m.ensure_active(group_member::clock_type::now() + 5s)));
  EXPECT_EQ(m.member_id(), "m-3");  // a fresh id from a new MEMBER_ID_REQUIRED round
}

TEST(GroupMemberTest, StaticMemberJoinsWithItsInstanceIdAndDoesNotLeave) {
  group_fixture f;
  sync_client c(f.options());
  auto o = member_options();
  o.group_instance_id = "instance-1";
  group_member m(c.async(), o);
  ASSERT_TRUE(c.run(m.ensure_active(group_member::clock_type::now() + 5s)));
  EXPECT_EQ(m.member_id(), "static-m");
  {
    std::lock_guard lock(f.coordinator.mutex);
    f.coordinator.heartbeat_errors = {static_cast<int16_t>(error_code::fenced_instance_id)};
    EXPECT_EQ(f.coordinator.join_instance_id, std::optional<std::string>("instance-1"));
  }
  std::this_thread::sleep_for(40ms);
  auto fenced = c.run(m.poll_heartbeat());
  ASSERT_FALSE(fenced);
  EXPECT_EQ(fenced.error(), kafka_error(error_code::fenced_instance_id));
  c.run(m.leave());
  EXPECT_EQ(f.broker.count(13), 0);
}

TEST(GroupMemberTest, GivesUpAtTheDeadlineWhileTheCoordinatorIsUnavailable) {
  group_fixture f;
  f.broker.on_other = [&](const protocol::request_header& h, protocol::reader& r) -> std::optional<iobuf> {
    if (h.api_key != 10) return std::nullopt;
    protocol::find_coordinator_request req;
    if (!req.decode(r, h.api_version)) return std::nullopt;
    protocol::find_coordinator_response resp;
    for (const auto& key : req.coordinator_keys) {
      resp.coordinators.push_back({key, -1, "", 0, static_cast<int16_t>(error_code::coordinator_not_available), std::nullopt});
    }
    return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
  };
  auto o = f.options();
  o.request_timeout = 300ms;
  sync_client c(o);
  group_member m(c.async(), member_options());
  auto started = group_member::clock_type::now();
  auto joined = c.run(m.ensure_active(started + 1s));
  ASSERT_FALSE(joined);
  EXPECT_LT(group_member::clock_type::now() - started, 5s);
  EXPECT_GT(f.broker.count(10), 1);  // retried
}

} // namespace
} // namespace gregor::client::test
