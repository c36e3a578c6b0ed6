// AlterPartitionReassignments (key 45, v0): starts or cancels (null replicas) reassignments.
// Only the active controller answers (others: a top-level NOT_CONTROLLER, as Kafka's ZooKeeper
// mode); the answer comes once the controller has recorded the new targets, not when the
// reassignments finish (ListPartitionReassignments follows them).

#include "gregor/controller/controller.h"
#include "gregor/protocol/messages/alter_partition_reassignments.h"
#include "controller_replies.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct alter_partition_reassignments_handler {
  using request = protocol::alter_partition_reassignments_request;
  using response = protocol::alter_partition_reassignments_response;
  static constexpr int16_t api_key = 45;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 0;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    if (!svc.controller->is_active()) co_return error_response(req, ctx.version(), error_code::not_controller);
    auto targets = reassignment_targets(req);
    auto reply = co_await svc.controller->alter_partition_reassignments(std::move(targets));
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

void register_alter_partition_reassignments(handler_table& t) {
  register_handler<alter_partition_reassignments_handler>(t);
}

} // namespace gregor::server
