// AlterConfigs (key 33, v0-2): replaces a resource's whole dynamic config set — a topic's
// /config/topics/<t> (any broker may do it, as in Kafka's ZooKeeper mode) or this broker's
// /config/brokers/<id> / the cluster default /config/brokers/<default> — after Kafka's checks, then
// writes a /config/changes notification so that every broker applies it. validate_only checks and
// writes nothing. Each resource gets its own error.

#include "gregor/config/broker_config.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/alter_configs.h"
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

// Java's ConfigResource.Type names, for Kafka's "resource type is X" message.
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

struct alter_configs_handler {
  using request = protocol::alter_configs_request;
  using response = protocol::alter_configs_response;
  using resource_response = response::alter_configs_resource_response;
  static constexpr int16_t api_key = 33;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 2;

  static void fail(resource_response& out, const config::alter_error& e) {
    out.error_code = error_of(e);
    out.error_message = e.message;
  }

  static asio::awaitable<void> alter_one(request_context& ctx, const request::alter_configs_resource& r,
                                         bool validate_only, resource_response& out) {
    auto& svc = ctx.services;
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
    for (const auto& c : r.configs) entries.emplace_back(c.name, c.value);
    if (auto err = config::check_no_nulls(entries)) {
      fail(out, *err);
      co_return;
    }
    std::map<std::string, std::string> values;
    for (const auto& c : r.configs) values[c.name] = *c.value;

    std::string type;
    std::string name;
    if (r.resource_type == resource_topic) {
      if (svc.metadata->snapshot()->find_topic(r.resource_name) == nullptr) {
        fail(out, {config::alter_error::kind::unknown_topic, "The topic '" + r.resource_name + "' does not exist."});
        co_return;
      }
      if (auto err = config::validate_topic_overrides(r.resource_name, values)) {
        fail(out, *err);
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
      if (auto err = config::validate_broker_dynamic(r.resource_name, values, target.id.has_value())) {
        fail(out, *err);
        co_return;
      }
      type = "brokers";
      name = target.id ? std::to_string(*target.id) : std::string("<default>");
    } else {
      fail(out, {config::alter_error::kind::invalid_request,
                 std::string("AlterConfigs is only supported for topics and brokers, but resource type is ") +
                     resource_type_name(r.resource_type)});
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

void register_alter_configs(handler_table& t) { register_handler<alter_configs_handler>(t); }

} // namespace gregor::server
