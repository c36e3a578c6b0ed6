// IncrementalAlterConfigs (key 44, v0-1): SET / DELETE / APPEND / SUBTRACT on a resource's stored
// dynamic config (a topic's /config/topics/<t>, this broker's /config/brokers/<id>, or the cluster
// default /config/brokers/<default>), checked as Kafka checks the resulting whole set, then written
// with a /config/changes notification. validate_only writes nothing. Errors are per resource.

#include "config_resources.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"
#include "gregor/zk/kafka_zk.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct incremental_alter_configs_handler {
  using request = protocol::incremental_alter_configs_request;
  using response = protocol::incremental_alter_configs_response;
  using resource_response = response::alter_configs_resource_response;
  static constexpr int16_t api_key = 44;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 1;

  static void fail(resource_response& out, const config::alter_error& e) {
    out.error_code = alter_error_code(e);
    out.error_message = e.message;
  }

  static asio::awaitable<void> alter_one(request_context& ctx, const request::alter_configs_resource& r,
                                         bool validate_only, resource_response& out) {
    std::vector<config::config_op> ops;
    for (const auto& c : r.configs) ops.push_back({c.name, c.config_operation, c.value});

    config_entity entity;
    if (auto err = resolve_config_resource(ctx.services, r.resource_type, r.resource_name, entity)) {
      fail(out, *err);
      co_return;
    }
    std::string read_type = entity.type;
    std::string read_name = entity.name;
    auto stored = co_await ctx.services.zk->get_entity_config(std::move(read_type), std::move(read_name));
    if (!stored) {
      out.error_code = code(error_code::unknown_server_error);
      out.error_message = "Cannot read /config/" + entity.type + "/" + entity.name + ": " + stored.error().message();
      co_return;
    }
    std::map<std::string, std::string> values = std::move(*stored);
    if (auto err = config::apply_incremental(values, ops, entity.topic)) {
      fail(out, *err);
      co_return;
    }
    auto failure = co_await validate_and_store(ctx.services, std::move(entity), std::move(values), validate_only);
    if (failure) {
      out.error_code = failure->error_code;
      out.error_message = std::move(failure->message);
    }
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp = error_for_each_resource<response>(req, code(error_code::none));
    for (size_t i = 0; i < req.resources.size(); ++i) {
      co_await alter_one(ctx, req.resources[i], req.validate_only, resp.responses[i]);
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    return error_for_each_resource<response>(req, code(e));
  }
};

} // namespace

void register_incremental_alter_configs(handler_table& t) { register_handler<incremental_alter_configs_handler>(t); }

} // namespace gregor::server
