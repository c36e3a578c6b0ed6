// CreatePartitions (key 37, v0-3): only the controller serves it, as in Kafka's ZooKeeper mode
// (others answer NOT_CONTROLLER and the client goes to the controller). Each topic's new
// partitions are planned from its znode (partition_growth.h) and written back to
// /brokers/topics/<t> with a compare-and-set on the version read, as Kafka's AdminZkClient does
// (unfenced: any broker may write it); the controller's partition-modification watch does the
// rest. The answer waits (up to timeout_ms) until the new partitions have leaders in this broker's
// metadata.

#include <map>
#include <set>

#include "gregor/controller/controller.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/create_partitions.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"
#include "partition_growth.h"
#include "topic_admin.h"

namespace gregor::server {
namespace {

using protocol::error_code;

// A concurrent writer (the controller adding a topic id, another CreatePartitions) moves the
// znode's version; the plan is redone on the new content this many times before giving up.
constexpr int max_write_attempts = 5;

struct growth_outcome {
  error_code error = error_code::none;
  std::optional<std::string> message;
  int32_t first_new = 0;  // partitions [first_new, count) were added
  int32_t count = 0;
};

growth_outcome failed(error_code e, std::string message) {
  growth_outcome o;
  o.error = e;
  o.message = std::move(message);
  return o;
}

// Plans and (unless validate_only) writes one topic's new partitions.
asio::awaitable<growth_outcome> grow_topic(broker_services& svc, std::string topic, int32_t count,
                                           std::optional<std::vector<std::vector<int32_t>>> manual,
                                           bool validate_only) {
  std::string marker = zk::paths::delete_topic(topic);
  auto deletion = co_await svc.zk->zk().exists(marker);
  if (deletion && deletion->has_value()) co_return failed(error_code::invalid_topic_exception, "The topic is queued for deletion.");

  for (int attempt = 0; attempt < max_write_attempts; ++attempt) {
    auto read = co_await svc.zk->get_topic_assignment(topic);
    if (!read) co_return failed(error_code::unknown_server_error, "cannot read the topic from ZooKeeper: " + read.error().message());
    std::map<int32_t, std::vector<int32_t>> existing;
    if (read->has_value()) existing = (*read)->value.partitions;

    std::vector<metadata::broker_rack> brokers;
    for (const auto& [id, b] : svc.metadata->snapshot()->brokers) brokers.push_back({id, b.rack});
    auto plan = plan_partition_growth(topic, existing, count, manual, brokers);
    if (plan.error != error_code::none) co_return failed(plan.error, plan.message);

    growth_outcome ok;
    ok.first_new = static_cast<int32_t>(existing.size());
    ok.count = count;
    if (validate_only) co_return ok;

    zk::topic_assignment updated = (*read)->value;
    for (auto& [p, replicas] : plan.added) updated.partitions[p] = std::move(replicas);
    int32_t version = (*read)->zk_version;
    auto written = co_await svc.zk->set_topic_assignment(topic, updated, std::nullopt, version);
    if (written) {
      get_logger("server")->info("topic {}: partitions {}..{} added (CreatePartitions)", topic, ok.first_new, count - 1);
      co_return ok;
    }
    if (written.error() == zk::zk_errc::no_node) {
      co_return failed(error_code::unknown_topic_or_partition, "The topic '" + topic + "' does not exist.");
    }
    if (written.error() != zk::zk_errc::bad_version) {
      co_return failed(error_code::unknown_server_error, "cannot write the topic to ZooKeeper: " + written.error().message());
    }
  }
  co_return failed(error_code::unknown_server_error,
                   "The topic '" + topic + "' kept changing while its partitions were being added; try again.");
}

struct create_partitions_handler {
  using request = protocol::create_partitions_request;
  using response = protocol::create_partitions_response;
  static constexpr int16_t api_key = 37;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 3;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    response resp;
    std::map<std::string, int> counts;
    for (const auto& t : req.topics) ++counts[t.name];
    bool controller = svc.controller->is_active();
    std::set<std::string> answered;
    std::vector<std::pair<size_t, growth_outcome>> added;  // result index, what was added
    for (const auto& t : req.topics) {
      if (!answered.insert(t.name).second) continue;  // one result per topic, as Kafka's map
      auto& out = resp.results.emplace_back();
      out.name = t.name;
      if (!controller) {
        out.error_code = code(error_code::not_controller);
        continue;
      }
      if (counts[t.name] > 1) {
        out.error_code = code(error_code::invalid_request);
        out.error_message = "Duplicate topic in request.";
        continue;
      }
      std::optional<std::vector<std::vector<int32_t>>> manual;
      if (t.assignments) {
        manual.emplace();
        for (const auto& a : *t.assignments) manual->push_back(a.broker_ids);
      }
      std::string name = t.name;
      auto outcome = co_await grow_topic(svc, name, t.count, std::move(manual), req.validate_only);
      out.error_code = code(outcome.error);
      out.error_message = outcome.message;
      if (outcome.error == error_code::none && !req.validate_only) added.emplace_back(resp.results.size() - 1, outcome);
    }
    if (req.timeout_ms <= 0) co_return resp;  // Kafka answers at once without a timeout
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(req.timeout_ms);
    for (const auto& [index, outcome] : added) {
      auto& out = resp.results[index];
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto wait = std::max(left, std::chrono::milliseconds(0));
      std::string name = out.name;
      bool online = co_await wait_for_partitions_online(svc, name, outcome.first_new, outcome.count, wait);
      if (!online) {
        out.error_code = code(error_code::request_timed_out);
        out.error_message = "The new partitions of " + name + " were created but have no leader yet.";
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    std::set<std::string> answered;
    for (const auto& t : req.topics) {
      if (!answered.insert(t.name).second) continue;
      auto& out = resp.results.emplace_back();
      out.name = t.name;
      out.error_code = code(e);
    }
    return resp;
  }
};

} // namespace

void register_create_partitions(handler_table& t) { register_handler<create_partitions_handler>(t); }

} // namespace gregor::server
