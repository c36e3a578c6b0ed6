// DescribeConfigs (key 32): topic configs (overrides from /config/topics/<t> over the broker's
// defaults) and this broker's own configs, each with its source as Kafka reports it.

#include <set>

#include "gregor/config/broker_config.h"
#include "gregor/config/topic_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/describe_configs.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;
using result_entry = protocol::describe_configs_response::describe_configs_result;
using config_entry = result_entry::describe_configs_resource_result;

// Kafka's ConfigSource ids.
constexpr int8_t source_dynamic_topic = 1;
constexpr int8_t source_static_broker = 4;
constexpr int8_t source_default = 5;

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;

int8_t source_id(const std::string& s) { return s == "STATIC_BROKER_CONFIG" ? source_static_broker : source_default; }

struct describe_configs_handler {
  using request = protocol::describe_configs_request;
  using response = protocol::describe_configs_response;
  static constexpr int16_t api_key = 32;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
    if (!keys) return true;
    return std::find(keys->begin(), keys->end(), name) != keys->end();
  }

  static asio::awaitable<void> describe_topic(request_context& ctx, const request& req,
                                              const request::describe_configs_resource& r, result_entry& out) {
    auto& svc = ctx.services;
    if (svc.metadata->snapshot()->find_topic(r.resource_name) == nullptr) {
      out.error_code = code(error_code::unknown_topic_or_partition);
      out.error_message = "Topic " + r.resource_name + " does not exist.";
      co_return;
    }
    auto overrides = co_await svc.zk->get_entity_config("topics", r.resource_name);
    if (!overrides) {
      out.error_code = code(error_code::unknown_server_error);
      out.error_message = overrides.error().message();
      co_return;
    }
    for (const auto& d : config::describe_topic_defaults(*svc.config)) {
      if (!wanted(r.configuration_keys, d.name)) continue;
      auto& c = out.configs.emplace_back();
      c.name = d.name;
      auto o = overrides->find(d.name);
      bool overridden = o != overrides->end();
      c.value = d.sensitive ? std::nullopt : std::optional<std::string>(overridden ? o->second : d.value);
      c.read_only = false;
      c.config_source = overridden ? source_dynamic_topic : source_id(d.source);
      if (ctx.version() == 0) c.is_default = !overridden && d.source != "STATIC_BROKER_CONFIG";
      c.is_sensitive = d.sensitive;
      if (req.include_synonyms) {
        if (overridden) c.synonyms.push_back({d.name, o->second, source_dynamic_topic});
        if (!d.synonym.empty() && d.source == "STATIC_BROKER_CONFIG") {
          c.synonyms.push_back({d.synonym, d.value, source_static_broker});
        }
      }
    }
  }

  static void describe_broker(request_context& ctx, const request& req, const request::describe_configs_resource& r,
                              result_entry& out) {
    auto& svc = ctx.services;
    if (!r.resource_name.empty() && r.resource_name != std::to_string(svc.broker_id)) {
      out.error_code = code(error_code::invalid_request);
      out.error_message = "Unexpected broker id, expected " + std::to_string(svc.broker_id) +
                          " or empty string, but received " + r.resource_name;
      return;
    }
    for (const auto& e : svc.config->describe()) {
      if (!wanted(r.configuration_keys, e.name)) continue;
      auto& c = out.configs.emplace_back();
      c.name = e.name;
      c.value = e.sensitive ? std::nullopt : e.value;
      c.read_only = e.read_only;
      c.config_source = source_id(e.source);
      if (ctx.version() == 0) c.is_default = e.is_default;
      c.is_sensitive = e.sensitive;
      if (req.include_synonyms && !e.is_default) c.synonyms.push_back({e.name, c.value, c.config_source});
    }
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    for (const auto& r : req.resources) {
      auto& out = resp.results.emplace_back();
      out.resource_type = r.resource_type;
      out.resource_name = r.resource_name;
      out.error_code = 0;
      if (r.resource_type == resource_topic) {
        co_await describe_topic(ctx, req, r, out);
      } else if (r.resource_type == resource_broker) {
        describe_broker(ctx, req, r, out);
      } else {
        out.error_code = code(error_code::invalid_request);
        out.error_message = "Unsupported resource type " + std::to_string(r.resource_type);
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& r : req.resources) {
      auto& out = resp.results.emplace_back();
      out.resource_type = r.resource_type;
      out.resource_name = r.resource_name;
      out.error_code = code(e);
    }
    return resp;
  }
};

} // namespace

void register_describe_configs(handler_table& t) { register_handler<describe_configs_handler>(t); }

} // namespace gregor::server
