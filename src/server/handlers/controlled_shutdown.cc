// ControlledShutdown (key 7, v0-3): a broker about to stop asks the controller to move its
// leaderships away first. Only the active controller answers (others: NOT_CONTROLLER); the reply
// lists the partitions the broker still leads, and the broker asks again until none are left.
// v0 comes with request header v0 (no client id; protocol/api.cc) and v0-1 carry no broker
// epoch (-1: not checked).

#include "gregor/controller/controller.h"
#include "gregor/protocol/messages/controlled_shutdown.h"
#include "controller_replies.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct controlled_shutdown_handler {
  using request = protocol::controlled_shutdown_request;
  using response = protocol::controlled_shutdown_response;
  static constexpr int16_t api_key = 7;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 3;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    if (!svc.controller->is_active()) co_return error_response(req, ctx.version(), error_code::not_controller);
    int64_t broker_epoch = ctx.version() >= 2 ? req.broker_epoch : -1;
    get_logger("controller")->info("Shutting down broker {} (ControlledShutdown v{} from {}, broker epoch {})",
                                   req.broker_id, ctx.version(), ctx.connection.peer_host, broker_epoch);
    auto reply = co_await svc.controller->controlled_shutdown(req.broker_id, broker_epoch);
    co_return to_response(reply);
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_controlled_shutdown(handler_table& t) { register_handler<controlled_shutdown_handler>(t); }

} // namespace gregor::server
