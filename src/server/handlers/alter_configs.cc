// AlterConfigs (key 33, v0-2): replaces a resource's whole dynamic config set — a topic's
// /config/topics/<t> (any broker may do it, as in Kafka's ZooKeeper mode) or this broker's
// /config/brokers/<id> / the cluster default /config/brokers/<default> — after Kafka's checks, then
// writes a /config/changes notification so that every broker applies it. validate_only checks and
// writes nothing. Each resource gets its own error.

#include "config_resources.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/protocol/messages/alter_configs.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct alter_configs_handler {
  using request = protocol::alter_configs_request;
  using response = protocol::alter_configs_response;
  using resource_response = response::alter_configs_resource_response;
  static constexpr int16_t api_key = 33;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 2;

  static void fail(resource_response& out, const config::alter_error& e) {
    out.error_code = alter_error_code(e);
    out.error_message = e.message;
  }

  static asio::awaitable<void> alter_one(request_context& ctx, const request::alter_configs_resource& r,
                                         bool validate_only, resource_response& out) {
    std::vector<std::pair<std::string, std::optional<std::string>>> entries;
    for (const auto& c : r.configs) entries.emplace_back(c.name, c.value);
    if (auto err = config::check_no_nulls(entries)) {
      fail(out, *err);
      co_return;
    }
    std::map<std::string, std::string> values;
    for (const auto& c : r.configs) values[c.name] = *c.value;

    config_entity entity;
    if (auto err = resolve_config_resource(ctx.services, r.resource_type, r.resource_name, entity)) {
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

void register_alter_configs(handler_table& t) { register_handler<alter_configs_handler>(t); }

} // namespace gregor::server
