// IncrementalAlterConfigs (key 44, v0-1): SET / DELETE / APPEND / SUBTRACT on a resource's stored
// dynamic config (a topic's /config/topics/<t>, this broker's /config/brokers/<id>, or the cluster
// default /config/brokers/<default>), checked as Kafka checks the resulting whole set, then written
// with a /config/changes notification. validate_only writes nothing. Errors are per resource.

#include "gregor/config/broker_config.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;

int16_t error_of(const config::alter_error& e) {
  switch (e.code) {
    case config::alter_error::kind::invalid_config: return code(error_code::invalid_config);
    case config::alter_error::kind::unknown_topic: return code(error_code::unknown_topic_or_partition);
    case config::alter_error::kind::invalid_request: break;
  }
  return code(error_code::invalid_request);
}

const char* resource_type_name(int8_t t) {
  switch (t) {
    case 2: return "TOPIC";
    case 4: return "BROKER";
    case 8: return "BROKER_LOGGER";
    case 16: return "CLIENT_METRICS";
    case 32: return "GROUP";
  }
  return "UNKNOWN";
}

struct incremental_alter_configs_handler {
  using request = protocol::incremental_alter_configs_request;
  using response = protocol::incremental_alter_configs_response;
  using resource_response = response::alter_configs_resource_response;
  static constexpr int16_t api_key = 44;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 1;

  static void fail(resource_response& out, const config::alter_error& e) {
    out.error_code = error_of(e);
    out.error_message = e.message;
  }

  static asio::awaitable<void> alter_one(request_context& ctx, const request::alter_configs_resource& r,
                                         bool validate_only, resource_response& out) {
    auto& svc = ctx.services;
    std::vector<config::config_op> ops;
    for (const auto& c : r.configs) ops.push_back({c.name, c.config_operation, c.value});

    std::string type;
    std::string name;
    bool topic = r.resource_type == resource_topic;
    std::optional<int32_t> broker;
    if (topic) {
      if (svc.metadata->snapshot()->find_topic(r.resource_name) == nullptr) {
        fail(out, {config::alter_error::kind::unknown_topic, "The topic '" + r.resource_name + "' does not exist."});
        co_return;
      }
      type = "topics";
      name = r.resource_name;
    } else if (r.resource_type == resource_broker) {
      config::broker_target target;
      if (auto err = config::parse_broker_resource(r.resource_name, svc.broker_id, target)) {
        fail(out, *err);
        co_return;
      }
      broker = target.id;
      type = "brokers";
      name = target.id ? std::to_string(*target.id) : std::string("<default>");
    } else {
      fail(out, {config::alter_error::kind::invalid_request,
                 std::string("AlterConfigs is only supported for topics and brokers, but resource type is ") +
                     resource_type_name(r.resource_type)});
      co_return;
    }

    std::string read_type = type;
    std::string read_name = name;
    auto stored = co_await svc.zk->get_entity_config(std::move(read_type), std::move(read_name));
    if (!stored) {
      out.error_code = code(error_code::unknown_server_error);
      out.error_message = "Cannot read /config/" + type + "/" + name + ": " + stored.error().message();
      co_return;
    }
    std::map<std::string, std::string> values = std::move(*stored);
    if (auto err = config::apply_incremental(values, ops, topic)) {
      fail(out, *err);
      co_return;
    }
    auto err = topic ? config::validate_topic_overrides(r.resource_name, values)
                     : config::validate_broker_dynamic(r.resource_name, values, broker.has_value());
    if (err) {
      fail(out, *err);
      co_return;
    }
    if (validate_only) co_return;
    std::string path = type + "/" + name;
    size_t keys = values.size();
    auto written = co_await svc.zk->set_entity_config(std::move(type), std::move(name), std::move(values));
    if (!written) {
      out.error_code = code(error_code::unknown_server_error);
      out.error_message = "Cannot write /config/" + path + ": " + written.error().message();
      co_return;
    }
    get_logger("server")->info("updated the dynamic config of {} ({} keys)", path, keys);
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    for (const auto& r : req.resources) {
      auto& out = resp.responses.emplace_back();
      out.resource_type = r.resource_type;
      out.resource_name = r.resource_name;
      out.error_code = 0;
      out.error_message = std::nullopt;
      co_await alter_one(ctx, r, req.validate_only, out);
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& r : req.resources) {
      auto& out = resp.responses.emplace_back();
      out.resource_type = r.resource_type;
      out.resource_name = r.resource_name;
      out.error_code = code(e);
      out.error_message = std::nullopt;
    }
    return resp;
  }
};

} // namespace

void register_incremental_alter_configs(handler_table& t) { register_handler<incremental_alter_configs_handler>(t); }

} // namespace gregor::server
