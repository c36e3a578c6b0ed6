// ListPartitionReassignments (key 46, v0): the reassignments in progress, among the named
// partitions or all of them (null topics). Only the active controller answers (others: a
// top-level NOT_CONTROLLER).

#include "gregor/controller/controller.h"
#include "gregor/protocol/messages/list_partition_reassignments.h"
#include "controller_replies.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct list_partition_reassignments_handler {
  using request = protocol::list_partition_reassignments_request;
  using response = protocol::list_partition_reassignments_response;
  static constexpr int16_t api_key = 46;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 0;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    if (!svc.controller->is_active()) co_return error_response(req, ctx.version(), error_code::not_controller);
    auto partitions = requested_partitions(req);
    auto reply = co_await svc.controller->list_partition_reassignments(std::move(partitions));
    co_return to_response(reply);
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    resp.error_message = std::nullopt;
    return resp;
  }
};

} // namespace

void register_list_partition_reassignments(handler_table& t) {
  register_handler<list_partition_reassignments_handler>(t);
}

} // namespace gregor::server
