// CreateTopics (key 19): only the controller serves it (others answer NOT_CONTROLLER). Topics are
// validated and written to ZooKeeper; the answer waits (up to timeout_ms) until every partition
// has a leader in this broker's metadata.

#include <map>
#include <set>

#include "gregor/config/broker_config.h"
#include "gregor/config/topic_config.h"
#include "gregor/controller/controller.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/create_topics.h"
#include "handler.h"
#include "topic_admin.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct create_topics_handler {
  using request = protocol::create_topics_request;
  using response = protocol::create_topics_response;
  static constexpr int16_t api_key = 19;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 7;

  static void fill_configs(broker_services& svc, const std::map<std::string, std::string>& overrides,
                           response::creatable_topic_result& out) {
    out.configs.emplace();
    for (const auto& d : config::describe_topic_defaults(*svc.config)) {
      auto& c = out.configs->emplace_back();
      c.name = d.name;
      auto o = overrides.find(d.name);
      c.value = d.sensitive ? std::nullopt : std::optional<std::string>(o != overrides.end() ? o->second : d.value);
      c.read_only = false;
      c.is_sensitive = d.sensitive;
      c.config_source = o != overrides.end() ? 1 : (d.source == "STATIC_BROKER_CONFIG" ? 4 : 5);
    }
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    int16_t v = ctx.version();
    response resp;
    std::map<std::string, int> counts;
    for (const auto& t : req.topics) ++counts[t.name];
    bool controller = svc.controller->is_active();
    std::vector<std::pair<size_t, std::map<std::string, std::string>>> created;
    for (const auto& t : req.topics) {
      auto& out = resp.topics.emplace_back();
      out.name = t.name;
      if (!controller) {
        out.error_code = code(error_code::not_controller);
        continue;
      }
      if (counts[t.name] > 1) {
        out.error_code = code(error_code::invalid_request);
        out.error_message = "Create topics request from client contains a duplicate topic: " + t.name;
        continue;
      }
      new_topic nt;
      nt.name = t.name;
      nt.partitions = t.num_partitions;
      nt.replication_factor = t.replication_factor;
      for (const auto& a : t.assignments) nt.assignment[a.partition_index] = a.broker_ids;
      bool bad_config = false;
      for (const auto& c : t.configs) {
        if (!c.value) {
          bad_config = true;
          break;
        }
        nt.configs[c.name] = *c.value;
      }
      if (bad_config) {
        out.error_code = code(error_code::invalid_config);
        out.error_message = "Null value not supported for topic configs";
        continue;
      }
      auto overrides = nt.configs;
      auto r = co_await create_topic(svc, std::move(nt), req.validate_only);
      out.error_code = code(r.error);
      if (r.error != error_code::none) {
        if (v >= 1) out.error_message = r.message;
        continue;
      }
      if (v >= 5) {
        out.num_partitions = static_cast<int32_t>(r.assignment.size());
        out.replication_factor = static_cast<int16_t>(r.assignment.begin()->second.size());
        fill_configs(svc, overrides, out);
      }
      if (!req.validate_only) created.emplace_back(resp.topics.size() - 1, std::move(overrides));
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.timeout_ms));
    for (const auto& [index, overrides] : created) {
      auto& out = resp.topics[index];
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto wait = std::max(left, std::chrono::milliseconds(0));
      std::string name = out.name;
      bool online = co_await wait_for_topic_online(svc, name, wait);
      if (!online) {
        out.error_code = code(error_code::request_timed_out);
        if (v >= 1) out.error_message = "Topic " + out.name + " was created but its partitions have no leader yet.";
        continue;
      }
      if (const auto* t = svc.metadata->snapshot()->find_topic(out.name)) out.topic_id = t->topic_id;
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.topics) {
      auto& out = resp.topics.emplace_back();
      out.name = t.name;
      out.error_code = code(e);
    }
    return resp;
  }
};

} // namespace

void register_create_topics(handler_table& t) { register_handler<create_topics_handler>(t); }

} // namespace gregor::server
