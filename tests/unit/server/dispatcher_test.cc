// The dispatcher and the handlers that need no storage: ApiVersions (including the fallback for
// versions above ours), Metadata from the cache, and the connection-closing cases.

#include "gregor/server/dispatcher.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/common/endian.h"
#include "gregor/config/broker_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/metadata.h"

using namespace gregor;
namespace asio = boost::asio;
using action = network::handler_result::action;

namespace {

class dispatcher_test : public ::testing::Test {
protected:
  dispatcher_test()
    : cfg(config::broker_config::from_map({{"zookeeper.connect", "127.0.0.1:1"}, {"broker.id", "1"},
                                           {"auto.create.topics.enable", "false"}})) {
    services.broker_id = 1;
    services.cluster_id = "test-cluster";
    services.config = &cfg;
    services.metadata = &cache;
    disp = std::make_unique<server::dispatcher>(services);
    conn.id = 1;
    conn.listener_name = "PLAINTEXT";
    conn.peer_host = "127.0.0.1";
  }

  network::handler_result call(bytes frame_without_size) {
    auto fut = asio::co_spawn(io, disp->handle(conn, shared_bytes(std::move(frame_without_size))), asio::use_future);
    io.restart();
    io.run();
    return fut.get();
  }

  template <typename Msg>
  network::handler_result call(int16_t key, int16_t version, const Msg& body) {
    protocol::request_header h{key, version, 42, std::string("test-client")};
    bytes flat = protocol::encode_request_frame(h, body).linearize();
    return call(bytes(flat.begin() + 4, flat.end()));
  }

  // Decodes a response frame (size prefix included) at `version`.
  template <typename Msg>
  Msg decode(const network::handler_result& r, int16_t key, int16_t version) {
    EXPECT_EQ(r.what, action::respond);
    bytes flat = r.response.linearize();
    EXPECT_EQ(load_be<int32_t>(flat.data()), static_cast<int32_t>(flat.size() - 4));
    protocol::reader rd(shared_bytes(bytes(flat.begin() + 4, flat.end())));
    int32_t correlation = 0;
    EXPECT_TRUE(protocol::decode_response_header(rd, key, version, correlation));
    EXPECT_EQ(correlation, 42);
    Msg m;
    EXPECT_TRUE(m.decode(rd, version));
    return m;
  }

  config::broker_config cfg;
  metadata::metadata_cache cache;
  server::broker_services services;
  std::unique_ptr<server::dispatcher> disp;
  network::connection_info conn;
  asio::io_context io;
};

} // namespace

TEST_F(dispatcher_test, api_versions_lists_the_handler_table_at_every_version) {
  for (int16_t v = 0; v <= 4; ++v) {
    protocol::api_versions_request req;
    req.client_software_name = "gregor-test";
    req.client_software_version = "1.0";
    auto resp = decode<protocol::api_versions_response>(call(18, v, req), 18, v);
    EXPECT_EQ(resp.error_code, 0) << v;
    bool produce = false, api_versions = false, init_producer_id = false;
    for (const auto& k : resp.api_keys) {
      if (k.api_key == 0) produce = true;
      if (k.api_key == 18) {
        api_versions = true;
        EXPECT_EQ(k.min_version_, 0);
        EXPECT_EQ(k.max_version_, 4);
      }
      if (k.api_key == 22) {
        init_producer_id = true;
        // librdkafka turns idempotence on only when InitProducerId is advertised from v0.
        EXPECT_EQ(k.min_version_, 0);
        EXPECT_EQ(k.max_version_, 5);
      }
    }
    EXPECT_TRUE(produce);
    EXPECT_TRUE(api_versions);
    EXPECT_TRUE(init_producer_id);
  }
}

TEST_F(dispatcher_test, api_versions_above_max_gets_v0_unsupported_version) {
  // WIRE-PROTOCOL-NOTES §4 worked example: header v2 ApiVersions v5 from client "a".
  bytes frame{0x00, 0x12, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a', 0x00, 0x00};
  auto r = call(frame);
  ASSERT_EQ(r.what, action::respond);
  bytes flat = r.response.linearize();
  bytes expected{0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x23, 0x00, 0x00,
                 0x00, 0x01, 0x00, 0x12, 0x00, 0x00, 0x00, 0x04};
  EXPECT_EQ(flat, expected);
}

TEST_F(dispatcher_test, invalid_client_software_name_is_invalid_request) {
  protocol::api_versions_request req;
  req.client_software_name = "-bad name";
  req.client_software_version = "1";
  auto resp = decode<protocol::api_versions_response>(call(18, 3, req), 18, 3);
  EXPECT_EQ(resp.error_code, 42);
}

TEST_F(dispatcher_test, unknown_key_unsupported_version_and_garbage_close_the_connection) {
  protocol::api_versions_request req;
  EXPECT_EQ(call(999, 0, req).what, action::close);
  bytes metadata_v99{0x00, 0x03, 0x00, 0x63, 0, 0, 0, 1, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(call(metadata_v99).what, action::close);
  EXPECT_EQ(call(bytes{0x00}).what, action::close);                    // truncated header
  EXPECT_EQ(call(bytes{0x00, 0x03, 0x00, 0x01, 0, 0, 0, 1, 0x7f, 0x7f}).what, action::close);  // bad client id
  // A Metadata v1 body whose topic array claims 2^31-1 entries: closed, nothing allocated.
  bytes huge{0x00, 0x03, 0x00, 0x01, 0, 0, 0, 1, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff};
  EXPECT_EQ(call(huge).what, action::close);
}

TEST_F(dispatcher_test, metadata_reports_brokers_controller_and_topics) {
  cache.update([](metadata::cluster_snapshot& s) {
    s.controller_id = 1;
    s.brokers[1] = {1, {{"PLAINTEXT", "h1", 9092, "PLAINTEXT"}}, std::nullopt};
    auto& t = s.topics["orders"];
    t.name = "orders";
    t.topic_id = uuid::from_parts(5, 6);
    t.partitions[0] = {0, 1, 2, 1, 0, {1}, {1}, {}};
    t.partitions[1] = {1, -1, 2, 1, 0, {1}, {1}, {}};
  });
  protocol::metadata_request req;  // v1+: null topics = all
  req.topics = std::nullopt;
  auto resp = decode<protocol::metadata_response>(call(3, 12, req), 3, 12);
  ASSERT_EQ(resp.brokers.size(), 1u);
  EXPECT_EQ(resp.brokers[0].host, "h1");
  EXPECT_EQ(resp.controller_id, 1);
  EXPECT_EQ(resp.cluster_id, "test-cluster");
  ASSERT_EQ(resp.topics.size(), 1u);
  EXPECT_EQ(resp.topics[0].topic_id, uuid::from_parts(5, 6));
  ASSERT_EQ(resp.topics[0].partitions.size(), 2u);
  EXPECT_EQ(resp.topics[0].partitions[0].leader_id, 1);
  EXPECT_EQ(resp.topics[0].partitions[0].leader_epoch, 2);
  EXPECT_EQ(resp.topics[0].partitions[1].error_code, 5);  // LEADER_NOT_AVAILABLE

  protocol::metadata_request one;
  one.topics.emplace();
  one.topics->emplace_back().name = "missing";
  auto r1 = decode<protocol::metadata_response>(call(3, 1, one), 3, 1);
  ASSERT_EQ(r1.topics.size(), 1u);
  EXPECT_EQ(r1.topics[0].error_code, 3);  // UNKNOWN_TOPIC_OR_PARTITION (auto-create off)

  protocol::metadata_request none;  // v1: empty list = no topics
  none.topics.emplace();
  EXPECT_TRUE(decode<protocol::metadata_response>(call(3, 1, none), 3, 1).topics.empty());
  protocol::metadata_request all_v0;  // v0: empty list = all topics
  all_v0.topics.emplace();
  EXPECT_EQ(decode<protocol::metadata_response>(call(3, 0, all_v0), 3, 0).topics.size(), 1u);
}
