#include "requests.h"

#include <gtest/gtest.h>

#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/leader_and_isr.h"
#include "gregor/protocol/messages/stop_replica.h"
#include "gregor/protocol/messages/update_metadata.h"

using namespace gregor;
using namespace gregor::controller;

namespace {

// Decodes a frame built by the controller the way a broker does.
template <typename Msg>
Msg decode(iobuf frame, protocol::request_header& h) {
  bytes flat = frame.linearize();
  shared_bytes body(bytes(flat.begin() + 4, flat.end()));
  protocol::reader r(body);
  EXPECT_TRUE(protocol::decode_request_header(r, h));
  Msg m;
  EXPECT_TRUE(m.decode(r, h.api_version));
  EXPECT_EQ(r.remaining(), 0u);
  return m;
}

std::map<int32_t, zk::registered_broker> brokers() {
  zk::registered_broker b;
  b.registration.id = 1;
  b.registration.endpoints.push_back({"PLAINTEXT", "h1", 9092, "PLAINTEXT"});
  b.registration.endpoints.push_back({"INTERNAL", "i1", 9093, "SSL"});
  b.broker_epoch = 77;
  return {{1, b}};
}

partition_update update() {
  partition_update u;
  u.tp = {"orders", 2};
  u.topic_id = uuid::from_parts(1, 2);
  u.state.leader = 1;
  u.state.leader_epoch = 4;
  u.state.isr = {1};
  u.state.controller_epoch = 3;
  u.zk_version = 6;
  u.replicas = {1};
  u.is_new = true;
  return u;
}

} // namespace

TEST(controller_requests, leader_and_isr_carries_state_and_leader_endpoint) {
  request_envelope env{.controller_id = 1, .claim = {3, 2}, .broker_epoch = 77, .correlation_id = 5};
  protocol::request_header h;
  auto req = decode<protocol::leader_and_isr_request>(build_leader_and_isr(env, {update()}, brokers(), "INTERNAL"), h);
  EXPECT_EQ(h.api_key, 4);
  EXPECT_EQ(h.api_version, leader_and_isr_version);
  EXPECT_EQ(h.correlation_id, 5);
  EXPECT_EQ(req.controller_epoch, 3);
  EXPECT_EQ(req.broker_epoch, 77);
  ASSERT_EQ(req.topic_states.size(), 1u);
  EXPECT_EQ(req.topic_states[0].topic_name, "orders");
  EXPECT_EQ(req.topic_states[0].topic_id, uuid::from_parts(1, 2));
  const auto& ps = req.topic_states[0].partition_states.at(0);
  EXPECT_EQ(ps.partition_index, 2);
  EXPECT_EQ(ps.leader_epoch, 4);
  EXPECT_EQ(ps.partition_epoch, 6);
  EXPECT_TRUE(ps.is_new);
  ASSERT_EQ(req.live_leaders.size(), 1u);
  EXPECT_EQ(req.live_leaders[0].host_name, "i1");
  EXPECT_EQ(req.live_leaders[0].port, 9093);
}

TEST(controller_requests, update_metadata_lists_every_endpoint) {
  request_envelope env{.controller_id = 1, .claim = {3, 2}, .broker_epoch = 77, .correlation_id = 6};
  protocol::request_header h;
  auto req = decode<protocol::update_metadata_request>(build_update_metadata(env, {update()}, brokers()), h);
  EXPECT_EQ(h.api_version, update_metadata_version);
  ASSERT_EQ(req.live_brokers.size(), 1u);
  ASSERT_EQ(req.live_brokers[0].endpoints.size(), 2u);
  EXPECT_EQ(req.live_brokers[0].endpoints[1].listener, "INTERNAL");
  EXPECT_EQ(req.live_brokers[0].endpoints[1].security_protocol, 1);
  EXPECT_EQ(req.topic_states.at(0).partition_states.at(0).zk_version, 6);
}

TEST(controller_requests, stop_replica_groups_by_topic) {
  request_envelope env{.controller_id = 1, .claim = {3, 2}, .broker_epoch = 77, .correlation_id = 7};
  protocol::request_header h;
  std::vector<stop_replica_entry> entries{{{"a", 0}, -2, true}, {{"a", 1}, -2, true}, {{"b", 0}, -2, true}};
  auto req = decode<protocol::stop_replica_request>(build_stop_replica(env, entries), h);
  ASSERT_EQ(req.topic_states.size(), 2u);
  EXPECT_EQ(req.topic_states[0].partition_states.size(), 2u);
  EXPECT_TRUE(req.topic_states[1].partition_states[0].delete_partition);
  EXPECT_EQ(req.topic_states[1].partition_states[0].leader_epoch, -2);
}

TEST(controller_requests, leader_and_isr_carries_a_reassignment) {
  request_envelope env{.controller_id = 1, .claim = {3, 2}, .broker_epoch = 77, .correlation_id = 8};
  auto u = update();
  u.replicas = {4, 1};
  u.adding_replicas = {4};
  u.removing_replicas = {1};
  protocol::request_header h;
  auto req = decode<protocol::leader_and_isr_request>(build_leader_and_isr(env, {u}, brokers(), "PLAINTEXT"), h);
  const auto& ps = req.topic_states.at(0).partition_states.at(0);
  EXPECT_EQ(ps.replicas, (std::vector<int32_t>{4, 1}));
  EXPECT_EQ(ps.adding_replicas, (std::vector<int32_t>{4}));
  EXPECT_EQ(ps.removing_replicas, (std::vector<int32_t>{1}));
}
