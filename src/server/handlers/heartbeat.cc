// Heartbeat (key 12, v0-4): a member's liveness signal; the answer tells it whether a rebalance
// started (REBALANCE_IN_PROGRESS) or it is no longer in the group. v3+ carries group.instance.id.

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/heartbeat.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct heartbeat_handler {
  using request = protocol::heartbeat_request;
  using response = protocol::heartbeat_response;
  static constexpr int16_t api_key = 12;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (req.group_id.empty()) co_return error_response(req, v, error_code::invalid_group_id);
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);

    group::heartbeat_request in;
    in.group_id = std::move(req.group_id);
    in.generation_id = req.generation_id;
    in.member_id = std::move(req.member_id);
    in.group_instance_id = std::move(req.group_instance_id);
    const error_code result = co_await ctx.services.groups->heartbeat(std::move(in));
    response resp;
    resp.error_code = code(result);
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_heartbeat(handler_table& t) { register_handler<heartbeat_handler>(t); }

} // namespace gregor::server
