// SyncGroup (key 14, v0-5): the leader hands in the assignment, every member receives its own.
// The coordinator holds a follower's request until the leader's assignment arrives.
// v3+ carries group.instance.id; v5+ must name the protocol type and name, which the coordinator
// checks against the group's (INCONSISTENT_GROUP_PROTOCOL).

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/sync_group.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct sync_group_handler {
  using request = protocol::sync_group_request;
  using response = protocol::sync_group_response;
  static constexpr int16_t api_key = 14;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    // Kafka's SyncGroupRequest.areMandatoryProtocolTypeAndNamePresent.
    if (v >= 5 && (!req.protocol_type || !req.protocol_name)) {
      co_return error_response(req, v, error_code::inconsistent_group_protocol);
    }
    if (req.group_id.empty()) co_return error_response(req, v, error_code::invalid_group_id);
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);

    group::sync_group_request in;
    in.group_id = std::move(req.group_id);
    in.generation_id = req.generation_id;
    in.member_id = std::move(req.member_id);
    in.group_instance_id = std::move(req.group_instance_id);
    in.protocol_type = std::move(req.protocol_type);
    in.protocol_name = std::move(req.protocol_name);
    in.assignments.reserve(req.assignments.size());
    for (auto& a : req.assignments) in.assignments.emplace_back(std::move(a.member_id), std::move(a.assignment));

    auto result = co_await ctx.services.groups->sync_group(std::move(in));

    response resp;
    resp.error_code = code(result.error);
    resp.protocol_type = std::move(result.protocol_type);
    resp.protocol_name = std::move(result.protocol_name);
    resp.assignment = std::move(result.assignment);
    co_return resp;
  }

  // Kafka's SyncGroupRequest.getErrorResponse: the error and an empty assignment.
  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_sync_group(handler_table& t) { register_handler<sync_group_handler>(t); }

} // namespace gregor::server
