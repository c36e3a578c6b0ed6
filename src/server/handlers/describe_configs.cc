// DescribeConfigs (key 32): a topic's configs (its /config/topics/<t> overrides over the broker's
// effective defaults) and the broker resource (our id: every key; "": the cluster-wide dynamic
// defaults), each entry with Kafka's source, synonyms, read-only and sensitive flags, and (v3+)
// type. The dynamic broker layers are read from ZooKeeper on each request, so any broker answers
// with what is stored, even while its own change listener is catching up.

#include <algorithm>

#include "gregor/config/broker_config.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/describe_configs.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;
using result_entry = protocol::describe_configs_response::describe_configs_result;
using config_entry = result_entry::describe_configs_resource_result;

constexpr int8_t describe_resource_topic = 2;
constexpr int8_t describe_resource_broker = 4;

// Reads both dynamic broker layers; nullopt (and `out` filled with the error) on failure.
asio::awaitable<std::optional<config::dynamic_layers>> read_layers(zk::kafka_zk& zk, int32_t broker_id,
                                                                   result_entry& out) {
  std::string type = "brokers";
  std::string default_name = "<default>";
  std::string own_name = std::to_string(broker_id);
  auto cluster = co_await zk.get_entity_config(type, default_name);
  auto own = co_await zk.get_entity_config(type, own_name);
  if (!cluster || !own) {
    out.error_code = code(error_code::unknown_server_error);
    out.error_message = (!cluster ? cluster.error() : own.error()).message();
    co_return std::nullopt;
  }
  config::dynamic_layers layers;
  layers.cluster_default = std::move(*cluster);
  layers.per_broker = std::move(*own);
  co_return layers;
}

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

  static void emit(request_context& ctx, const request& req, const request::describe_configs_resource& r,
                   const std::vector<config::described_config>& described, result_entry& out) {
    for (const auto& d : described) {
      if (!wanted(r.configuration_keys, d.name)) continue;
      auto& c = out.configs.emplace_back();
      c.name = d.name;
      c.value = d.value;
      c.read_only = d.read_only;
      c.config_source = static_cast<int8_t>(d.source);
      if (ctx.version() == 0) c.is_default = d.source == config::config_source::default_config;
      c.is_sensitive = d.sensitive;
      if (req.include_synonyms) {
        for (const auto& s : d.synonyms) c.synonyms.push_back({s.name, s.value, static_cast<int8_t>(s.source)});
      }
      c.config_type = config::config_type_id(d.type);
      c.documentation = std::nullopt;
    }
  }

  static asio::awaitable<void> describe_topic(request_context& ctx, const request& req,
                                              const request::describe_configs_resource& r, result_entry& out) {
    auto& svc = ctx.services;
    if (svc.metadata->snapshot()->find_topic(r.resource_name) == nullptr) {
      out.error_code = code(error_code::unknown_topic_or_partition);
      out.error_message = "The topic '" + r.resource_name + "' does not exist.";
      co_return;
    }
    std::string type = "topics";
    std::string topic = r.resource_name;
    auto overrides = co_await svc.zk->get_entity_config(type, topic);
    if (!overrides) {
      out.error_code = code(error_code::unknown_server_error);
      out.error_message = overrides.error().message();
      co_return;
    }
    auto layers = co_await read_layers(*svc.zk, svc.broker_id, out);
    if (!layers) co_return;
    emit(ctx, req, r, config::describe_topic(*svc.config, *layers, *overrides), out);
  }

  static asio::awaitable<void> describe_broker(request_context& ctx, const request& req,
                                               const request::describe_configs_resource& r, result_entry& out) {
    auto& svc = ctx.services;
    config::broker_target target;
    if (auto err = config::parse_broker_resource(r.resource_name, svc.broker_id, target)) {
      out.error_code = code(error_code::invalid_request);
      out.error_message = "Unexpected broker id, expected " + std::to_string(svc.broker_id) +
                          " or empty string, but received " + r.resource_name;
      if (err->message.rfind("Broker id must be", 0) == 0) out.error_message = err->message;
      co_return;
    }
    auto layers = co_await read_layers(*svc.zk, svc.broker_id, out);
    if (!layers) co_return;
    emit(ctx, req, r, config::describe_broker(*svc.config, *layers, target.id.has_value()), out);
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    for (const auto& r : req.resources) {
      auto& out = resp.results.emplace_back();
      out.resource_type = r.resource_type;
      out.resource_name = r.resource_name;
      out.error_code = 0;
      out.error_message = std::nullopt;
      if (r.resource_type == describe_resource_topic) {
        co_await describe_topic(ctx, req, r, out);
      } else if (r.resource_type == describe_resource_broker) {
        co_await describe_broker(ctx, req, r, out);
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
