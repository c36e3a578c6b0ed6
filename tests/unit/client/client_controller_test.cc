// The controller calls against scripted fake brokers: ElectLeaders follows the controller after
// NOT_CONTROLLER, gives up at its deadline, and IncrementalAlterConfigs sends a broker's resources
// to that broker.

#include <atomic>

#include <gtest/gtest.h>

#include "fake_broker.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "gregor/protocol/messages/elect_leaders.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"

namespace gregor::client::test {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;

protocol::metadata_response two_brokers(const fake_broker& b1, const fake_broker& b2, int32_t controller) {
  protocol::metadata_response r;
  r.brokers.push_back({1, "127.0.0.1", b1.port(), std::nullopt});
  r.brokers.push_back({2, "127.0.0.1", b2.port(), std::nullopt});
  r.controller_id = controller;
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

void advertise_admin_apis(fake_broker& b) { b.advertised = {{3, 0, 12}, {43, 0, 2}, {44, 0, 1}}; }

// Answers ElectLeaders: the whole request fails with `top_level`, or every partition succeeds.
std::optional<iobuf> answer_elect(const protocol::request_header& h, protocol::reader& r, error_code top_level) {
  if (h.api_key != 43) return std::nullopt;
  protocol::elect_leaders_request req;
  if (!req.decode(r, h.api_version)) return std::nullopt;
  protocol::elect_leaders_response resp;
  resp.error_code = static_cast<int16_t>(top_level);
  if (top_level == error_code::none && req.topic_partitions) {
    for (const auto& t : *req.topic_partitions) {
      auto& out = resp.replica_election_results.emplace_back();
      out.topic = t.topic;
      for (int32_t p : t.partitions) out.partition_result.push_back({p, 0, std::nullopt});
    }
  }
  return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
}

std::optional<iobuf> answer_configs(const protocol::request_header& h, protocol::reader& r, std::vector<std::string>& names) {
  if (h.api_key != 44) return std::nullopt;
  protocol::incremental_alter_configs_request req;
  if (!req.decode(r, h.api_version)) return std::nullopt;
  protocol::incremental_alter_configs_response resp;
  for (const auto& res : req.resources) {
    names.push_back(res.resource_name);
    resp.responses.push_back({0, std::nullopt, res.resource_type, res.resource_name});
  }
  return protocol::encode_response_frame(h.correlation_id, h.api_key, h.api_version, resp);
}

TEST(ClientControllerTest, ElectLeadersFollowsTheControllerAfterNotController) {
  fake_broker b1, b2;
  advertise_admin_apis(b1);
  advertise_admin_apis(b2);
  std::atomic<int> metadata_calls{0};
  auto md = [&] { return two_brokers(b1, b2, metadata_calls++ == 0 ? 1 : 2); };
  b1.on_metadata = md;
  b2.on_metadata = md;
  b1.on_other = [](const protocol::request_header& h, protocol::reader& r) {
    return answer_elect(h, r, error_code::not_controller);
  };
  b2.on_other = [](const protocol::request_header& h, protocol::reader& r) { return answer_elect(h, r, error_code::none); };
  sync_client c(options_for(b1));
  std::optional<std::vector<topic_partition>> parts(std::in_place, std::vector<topic_partition>{{"orders", 0}, {"orders", 1}});
  auto out = c.run(c.async().elect_leaders(election_type::preferred, parts, 5s));
  ASSERT_TRUE(out) << out.error().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_FALSE(out->at({"orders", 1}).error);
  EXPECT_EQ(b1.count(43), 1);
  EXPECT_EQ(b2.count(43), 1);
  EXPECT_GE(metadata_calls.load(), 2);
}

TEST(ClientControllerTest, ElectLeadersGivesUpAtTheDeadline) {
  fake_broker b1, b2;
  advertise_admin_apis(b1);
  b1.on_metadata = [&] { return two_brokers(b1, b2, 1); };
  b1.on_other = [](const protocol::request_header& h, protocol::reader& r) {
    return answer_elect(h, r, error_code::not_controller);
  };
  sync_client c(options_for(b1));
  auto start = std::chrono::steady_clock::now();
  auto out = c.run(c.async().elect_leaders(election_type::preferred, std::nullopt, 300ms));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), client_errc::no_controller);
  EXPECT_GT(b1.count(43), 1);  // retried
  EXPECT_LT(took, 5s);
}

TEST(ClientControllerTest, UncleanElectionNeedsV1) {
  fake_broker b1, b2;
  b1.advertised = {{3, 0, 12}, {43, 0, 0}};
  b1.on_metadata = [&] { return two_brokers(b1, b2, 1); };
  sync_client c(options_for(b1));
  auto out = c.run(c.async().elect_leaders(election_type::unclean, std::nullopt, 1s));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), client_errc::unsupported_version);
  EXPECT_EQ(b1.count(43), 0);
}

TEST(ClientControllerTest, IncrementalAlterConfigsRoutesBrokerResources) {
  fake_broker b1, b2;
  advertise_admin_apis(b1);
  advertise_admin_apis(b2);
  b1.on_metadata = [&] { return two_brokers(b1, b2, 1); };
  b2.on_metadata = b1.on_metadata;
  std::vector<std::string> at_b1, at_b2;  // written on the fake brokers' threads, read after run() returns
  b1.on_other = [&](const protocol::request_header& h, protocol::reader& r) { return answer_configs(h, r, at_b1); };
  b2.on_other = [&](const protocol::request_header& h, protocol::reader& r) { return answer_configs(h, r, at_b2); };
  sync_client c(options_for(b1));
  std::vector<config_resource_change> changes{
    {config_resource_type::broker, "2", {{"leader.replication.throttled.rate", config_op_type::set, "10"}}},
    {config_resource_type::topic, "orders", {{"leader.replication.throttled.replicas", config_op_type::set, "0:1"}}}};
  auto out = c.run(c.async().incremental_alter_configs(changes));
  ASSERT_TRUE(out) << out.error().message();
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].name, "2");  // the caller's order
  EXPECT_FALSE((*out)[0].error);
  EXPECT_EQ((*out)[1].name, "orders");
  EXPECT_EQ(at_b2, (std::vector<std::string>{"2"}));
  EXPECT_EQ(at_b1, (std::vector<std::string>{"orders"}));
}

} // namespace
} // namespace gregor::client::test
