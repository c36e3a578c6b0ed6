// The client against scripted fake brokers: version negotiation with the ApiVersions fallback,
// and the metadata-refresh-and-retry paths (NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER, deadlines).

#include <atomic>

#include <gtest/gtest.h>

#include "fake_broker.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "gregor/record/batch_builder.h"

namespace gregor::client::test {
namespace {

using namespace std::chrono_literals;

protocol::metadata_response cluster(const fake_broker& b1, const fake_broker& b2, int32_t controller, int32_t leader) {
  protocol::metadata_response r;
  r.brokers.push_back({1, "127.0.0.1", b1.port(), std::nullopt});
  r.brokers.push_back({2, "127.0.0.1", b2.port(), std::nullopt});
  r.controller_id = controller;
  auto& t = r.topics.emplace_back();
  t.name = "t";
  auto& p = t.partitions.emplace_back();
  p.partition_index = 0;
  p.leader_id = leader;
  p.replica_nodes = {1, 2};
  p.isr_nodes = {1, 2};
  return r;
}

client_options options_for(const fake_broker& b) {
  client_options o;
  o.bootstrap_servers = {{"127.0.0.1", b.port()}};
  o.connect_timeout = 2s;
  o.request_timeout = 2s;
  o.retry_backoff = 10ms;
  return o;
}

TEST(ClientRoutingTest, ApiVersionsFallsBackToTheAdvertisedMax) {
  fake_broker b1, b2;
  b1.api_versions_max = 2;
  b1.advertised = {{3, 0, 7}};
  b1.on_metadata = [&] { return cluster(b1, b2, 1, 1); };
  sync_client c(options_for(b1));
  auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
  ASSERT_TRUE(md) << md.error().message();
  EXPECT_EQ(md->controller_id, 1);
  auto seen = b1.seen();
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::pair<int16_t, int16_t>{18, 4}));  // our highest
  EXPECT_EQ(seen[1], (std::pair<int16_t, int16_t>{18, 2}));  // the broker's max from the error reply
  EXPECT_EQ(seen[2], (std::pair<int16_t, int16_t>{3, 7}));   // min(our 12, its 7)
}

TEST(ClientRoutingTest, BrokerWithoutCommonVersionIsReported) {
  fake_broker b1, b2;
  b1.advertised = {{3, 0, 0}};  // Metadata v0 only; we need v1+
  sync_client c(options_for(b1));
  auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
  ASSERT_FALSE(md);
  EXPECT_EQ(md.error(), client_errc::unsupported_version);
}

TEST(ClientRoutingTest, CreateTopicsFollowsTheControllerAfterNotController) {
  fake_broker b1, b2;
  std::atomic<int> metadata_calls{0};
  auto md = [&] { return cluster(b1, b2, metadata_calls++ == 0 ? 1 : 2, 1); };
  b1.on_metadata = md;
  b2.on_metadata = md;
  b1.on_create_topics = [](const protocol::create_topics_request& req) {
    protocol::create_topics_response r;
    for (const auto& t : req.topics) r.topics.push_back({t.name, {}, 41, std::string("not the controller")});
    return r;
  };
  b2.on_create_topics = [](const protocol::create_topics_request& req) {
    protocol::create_topics_response r;
    for (const auto& t : req.topics) {
      auto& out = r.topics.emplace_back();
      out.name = t.name;
      out.error_message = std::nullopt;
    }
    return r;
  };
  sync_client c(options_for(b1));
  new_topic t;
  t.name = "fresh";
  auto results = c.run(c.async().create_topics({t}, 5s));
  ASSERT_TRUE(results) << results.error().message();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_FALSE((*results)[0].error) << (*results)[0].error.message();
  EXPECT_EQ(b1.count(19), 1);
  EXPECT_EQ(b2.count(19), 1);
  EXPECT_GE(metadata_calls.load(), 2);
}

TEST(ClientRoutingTest, AdminGivesUpAtTheDeadlineWithoutController) {
  fake_broker b1, b2;
  b1.on_metadata = [&] { return cluster(b1, b2, -1, 1); };
  sync_client c(options_for(b1));
  new_topic t;
  t.name = "x";
  auto start = std::chrono::steady_clock::now();
  auto results = c.run(c.async().create_topics({t}, 300ms));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(results);
  EXPECT_EQ(results.error(), client_errc::no_controller);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
}

TEST(ClientRoutingTest, ProduceMovesToTheNewLeader) {
  fake_broker b1, b2;
  std::atomic<int> metadata_calls{0};
  // The leader moves from 1 to 2 after the first look.
  auto md = [&] { return cluster(b1, b2, 1, metadata_calls++ == 0 ? 1 : 2); };
  b1.on_metadata = md;
  b2.on_metadata = md;
  auto answer = [](const protocol::produce_request& req, int16_t code, int64_t offset) {
    protocol::produce_response r;
    for (const auto& t : req.topic_data) {
      auto& tr = r.responses.emplace_back();
      tr.name = t.name;
      for (const auto& p : t.partition_data) {
        auto& pr = tr.partition_responses.emplace_back();
        pr.index = p.index;
        pr.error_code = code;
        pr.base_offset = offset;
      }
    }
    return r;
  };
  b1.on_produce = [&](const protocol::produce_request& req) { return answer(req, 6, -1); };  // NOT_LEADER_OR_FOLLOWER
  std::atomic<int> records_seen{0};
  b2.on_produce = [&](const protocol::produce_request& req) {
    if (req.acks == -1 && !req.topic_data.empty()) records_seen++;
    return answer(req, 0, 42);
  };
  sync_client c(options_for(b1));
  record::batch_builder b;
  b.add(1, as_bytes("k"), as_bytes("v"));
  produce_batch batch{"t", 0, b.build(), 1};
  auto results = c.run(c.async().produce({batch}, -1, 5s));
  ASSERT_TRUE(results) << results.error().message();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_FALSE((*results)[0].error) << (*results)[0].error.message();
  EXPECT_EQ((*results)[0].base_offset, 42);
  EXPECT_EQ(b1.count(0), 1);
  EXPECT_EQ(records_seen.load(), 1);
}

TEST(ClientRoutingTest, NonRetriableProduceErrorIsReturnedAtOnce) {
  fake_broker b1, b2;
  b1.on_metadata = [&] { return cluster(b1, b2, 1, 1); };
  b1.on_produce = [](const protocol::produce_request& req) {
    protocol::produce_response r;
    auto& tr = r.responses.emplace_back();
    tr.name = req.topic_data[0].name;
    auto& pr = tr.partition_responses.emplace_back();
    pr.index = 0;
    pr.error_code = 10;  // MESSAGE_TOO_LARGE
    pr.error_message = "too big";
    return r;
  };
  sync_client c(options_for(b1));
  record::batch_builder b;
  b.add(1, std::nullopt, as_bytes("v"));
  produce_batch batch{"t", 0, b.build(), 1};
  auto results = c.run(c.async().produce({batch}, 1, 5s));
  ASSERT_TRUE(results);
  EXPECT_EQ((*results)[0].error, kafka_error(protocol::error_code::message_too_large));
  EXPECT_EQ((*results)[0].message, "too big");
  EXPECT_EQ(b1.count(0), 1);
}

} // namespace
} // namespace gregor::client::test
