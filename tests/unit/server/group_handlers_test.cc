// The group API handlers' own checks and error shapes, without a coordinator (services.groups is
// null, which every handler answers as COORDINATOR_NOT_AVAILABLE): what each version refuses
// before the coordinator is asked, FindCoordinator's key types, and the Kafka getErrorResponse
// shapes per version. The coordinator paths are covered by the integration tests.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/common/endian.h"
#include "gregor/config/broker_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/delete_groups.h"
#include "gregor/protocol/messages/describe_groups.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "gregor/protocol/messages/heartbeat.h"
#include "gregor/protocol/messages/join_group.h"
#include "gregor/protocol/messages/leave_group.h"
#include "gregor/protocol/messages/list_groups.h"
#include "gregor/protocol/messages/sync_group.h"
#include "gregor/server/dispatcher.h"

using namespace gregor;
namespace asio = boost::asio;
using action = network::handler_result::action;

namespace {

constexpr int16_t coordinator_not_available = 15;
constexpr int16_t inconsistent_group_protocol = 23;
constexpr int16_t invalid_group_id = 24;
constexpr int16_t invalid_request = 42;

const char* const invalid_request_message =
    "This most likely occurs because of a request being malformed by the client library or the message was sent to "
    "an incompatible broker. See the broker logs for more details.";

class group_handlers_test : public ::testing::Test {
protected:
  group_handlers_test() : cfg(config::broker_config::from_map({{"zookeeper.connect", "127.0.0.1:1"}, {"broker.id", "1"}})) {
    services.broker_id = 1;
    services.config = &cfg;
    services.metadata = &cache;
    disp = std::make_unique<server::dispatcher>(services);
    conn.id = 1;
    conn.listener_name = "PLAINTEXT";
    conn.peer_host = "127.0.0.1";
  }

  // Sends `body` as API `key` version `version` and decodes the answer at the same version.
  template <typename Response, typename Request>
  Response call(int16_t key, int16_t version, const Request& body) {
    protocol::request_header h{key, version, 7, std::string("unit")};
    bytes flat = protocol::encode_request_frame(h, body).linearize();
    auto fut = asio::co_spawn(io, disp->handle(conn, shared_bytes(bytes(flat.begin() + 4, flat.end()))),
                              asio::use_future);
    io.restart();
    io.run();
    auto r = fut.get();
    EXPECT_EQ(r.what, action::respond);
    bytes out = r.response.linearize();
    protocol::reader rd(shared_bytes(bytes(out.begin() + 4, out.end())));
    int32_t correlation = 0;
    EXPECT_TRUE(protocol::decode_response_header(rd, key, version, correlation));
    Response resp;
    EXPECT_TRUE(resp.decode(rd, version));
    EXPECT_EQ(rd.remaining(), 0u);
    return resp;
  }

  config::broker_config cfg;
  metadata::metadata_cache cache;
  server::broker_services services;
  std::unique_ptr<server::dispatcher> disp;
  network::connection_info conn;
  asio::io_context io;
};

TEST_F(group_handlers_test, api_versions_advertises_the_group_apis_in_kafka_39_ranges) {
  protocol::api_versions_request req;
  req.client_software_name = "unit";
  req.client_software_version = "1";
  auto resp = call<protocol::api_versions_response>(18, 3, req);
  ASSERT_EQ(resp.error_code, 0);
  std::map<int16_t, std::pair<int16_t, int16_t>> ranges;
  for (const auto& k : resp.api_keys) ranges[k.api_key] = {k.min_version_, k.max_version_};
  const std::map<int16_t, std::pair<int16_t, int16_t>> expected{{10, {0, 6}}, {11, {0, 9}}, {12, {0, 4}},
                                                               {13, {0, 5}}, {14, {0, 5}}, {15, {0, 5}},
                                                               {16, {0, 5}}, {42, {0, 2}}};
  for (const auto& [key, range] : expected) {
    ASSERT_TRUE(ranges.count(key)) << key;
    EXPECT_EQ(ranges[key], range) << key;
  }
}

TEST_F(group_handlers_test, find_coordinator_unknown_key_type_fails_the_whole_request) {
  for (int16_t v = 1; v <= 3; ++v) {
    protocol::find_coordinator_request req;
    req.key = "g";
    req.key_type = 9;
    auto resp = call<protocol::find_coordinator_response>(10, v, req);
    EXPECT_EQ(resp.error_code, invalid_request) << v;
    EXPECT_EQ(resp.error_message, std::optional<std::string>(invalid_request_message)) << v;
    EXPECT_EQ(resp.node_id, -1);
    EXPECT_EQ(resp.host, "");
    EXPECT_EQ(resp.port, -1);
  }
  for (int16_t v = 4; v <= 6; ++v) {
    protocol::find_coordinator_request req;
    req.key_type = -3;
    req.coordinator_keys = {"a", "b"};
    auto resp = call<protocol::find_coordinator_response>(10, v, req);
    ASSERT_EQ(resp.coordinators.size(), 2u) << v;
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(resp.coordinators[i].key, req.coordinator_keys[i]);
      EXPECT_EQ(resp.coordinators[i].error_code, invalid_request);
      EXPECT_EQ(resp.coordinators[i].error_message, std::optional<std::string>(invalid_request_message));
      EXPECT_EQ(resp.coordinators[i].node_id, -1);
      EXPECT_EQ(resp.coordinators[i].port, -1);
    }
  }
}

TEST_F(group_handlers_test, find_coordinator_transaction_and_share_keys) {
  protocol::find_coordinator_request txn;
  txn.key = "t";
  txn.key_type = 1;
  auto old = call<protocol::find_coordinator_response>(10, 2, txn);
  EXPECT_EQ(old.error_code, coordinator_not_available);
  EXPECT_EQ(old.error_message, std::optional<std::string>("The coordinator is not available."));
  EXPECT_EQ(old.node_id, -1);

  protocol::find_coordinator_request share;
  share.key_type = 2;
  share.coordinator_keys = {"s"};
  // Share groups exist from v6 on; earlier versions do not know the type.
  EXPECT_EQ(call<protocol::find_coordinator_response>(10, 5, share).coordinators.at(0).error_code, invalid_request);
  auto v6 = call<protocol::find_coordinator_response>(10, 6, share);
  EXPECT_EQ(v6.coordinators.at(0).error_code, coordinator_not_available);
  EXPECT_EQ(v6.coordinators.at(0).error_message, std::optional<std::string>(""));  // per-key answers carry none
}

TEST_F(group_handlers_test, find_coordinator_without_a_coordinator_is_not_available) {
  protocol::find_coordinator_request req;
  req.key = "g";
  auto v0 = call<protocol::find_coordinator_response>(10, 0, req);
  EXPECT_EQ(v0.error_code, coordinator_not_available);
  EXPECT_EQ(v0.node_id, -1);
  req.key.clear();  // v4+ carries keys only in the batch
  req.coordinator_keys = {"g", ""};
  auto v4 = call<protocol::find_coordinator_response>(10, 4, req);
  ASSERT_EQ(v4.coordinators.size(), 2u);
  EXPECT_EQ(v4.coordinators[1].key, "");
  EXPECT_EQ(v4.coordinators[1].error_code, coordinator_not_available);
}

TEST_F(group_handlers_test, join_group_empty_group_id_is_invalid_and_echoes_the_member) {
  for (int16_t v = 0; v <= 9; ++v) {
    protocol::join_group_request req;
    req.member_id = "m-1";
    req.protocol_type = "consumer";
    req.session_timeout_ms = 10000;
    auto resp = call<protocol::join_group_response>(11, v, req);
    EXPECT_EQ(resp.error_code, invalid_group_id) << v;
    EXPECT_EQ(resp.member_id, "m-1") << v;
    EXPECT_EQ(resp.generation_id, -1) << v;
    EXPECT_EQ(resp.leader, "") << v;
    EXPECT_TRUE(resp.members.empty());
    // Kafka's JoinGroupResponse: "" before v7, null from v7.
    if (v < 7) {
      EXPECT_EQ(resp.protocol_name, std::optional<std::string>("")) << v;
    } else {
      EXPECT_EQ(resp.protocol_name, std::nullopt) << v;
    }
  }
  protocol::join_group_request named;
  named.group_id = "g";
  EXPECT_EQ(call<protocol::join_group_response>(11, 5, named).error_code, coordinator_not_available);
}

TEST_F(group_handlers_test, sync_group_v5_requires_protocol_type_and_name) {
  protocol::sync_group_request req;
  req.group_id = "g";
  req.member_id = "m";
  req.protocol_type = "consumer";
  EXPECT_EQ(call<protocol::sync_group_response>(14, 5, req).error_code, inconsistent_group_protocol);
  req.protocol_name = "range";
  EXPECT_EQ(call<protocol::sync_group_response>(14, 5, req).error_code, coordinator_not_available);
  protocol::sync_group_request old;  // v0-4 have no such fields
  old.group_id = "g";
  EXPECT_EQ(call<protocol::sync_group_response>(14, 4, old).error_code, coordinator_not_available);
  old.group_id = "";
  auto resp = call<protocol::sync_group_response>(14, 3, old);
  EXPECT_EQ(resp.error_code, invalid_group_id);
  EXPECT_TRUE(resp.assignment.empty());
}

TEST_F(group_handlers_test, heartbeat_and_leave_group_refuse_an_empty_group_id) {
  for (int16_t v = 0; v <= 4; ++v) {
    protocol::heartbeat_request req;
    EXPECT_EQ(call<protocol::heartbeat_response>(12, v, req).error_code, invalid_group_id) << v;
  }
  for (int16_t v = 0; v <= 5; ++v) {
    protocol::leave_group_request req;
    if (v >= 3) req.members.push_back({"m", std::nullopt, std::nullopt});
    auto resp = call<protocol::leave_group_response>(13, v, req);
    EXPECT_EQ(resp.error_code, invalid_group_id) << v;
    EXPECT_TRUE(resp.members.empty()) << v;  // a group-level error names no member
    req.group_id = "g";
    EXPECT_EQ(call<protocol::leave_group_response>(13, v, req).error_code, coordinator_not_available) << v;
  }
}

TEST_F(group_handlers_test, admin_apis_without_a_coordinator) {
  protocol::describe_groups_request describe;
  describe.groups = {"a", ""};
  describe.include_authorized_operations = true;
  auto described = call<protocol::describe_groups_response>(15, 5, describe);
  ASSERT_EQ(described.groups.size(), 2u);
  EXPECT_EQ(described.groups[1].group_id, "");
  EXPECT_EQ(described.groups[1].error_code, coordinator_not_available);
  EXPECT_EQ(described.groups[1].group_state, "");
  EXPECT_EQ(described.groups[1].authorized_operations, INT32_MIN);  // only for groups described without error

  protocol::list_groups_request list;
  auto listed = call<protocol::list_groups_response>(16, 5, list);
  EXPECT_EQ(listed.error_code, coordinator_not_available);
  EXPECT_TRUE(listed.groups.empty());

  protocol::delete_groups_request del;
  del.groups_names = {"x", "y", "x"};
  auto deleted = call<protocol::delete_groups_response>(42, 2, del);
  ASSERT_EQ(deleted.results.size(), 2u);  // a repeated name is answered once
  EXPECT_EQ(deleted.results[0].group_id, "x");
  EXPECT_EQ(deleted.results[1].group_id, "y");
  EXPECT_EQ(deleted.results[1].error_code, coordinator_not_available);
}

} // namespace
