// LeaveGroup (key 13, v0-5): members leave a group, which then rebalances.
// v0-2 name one member (member_id) and the answer is a single error: the group-level error if
// there is one, else that member's (Kafka's LeaveGroupResponse for old versions). v3+ batch
// members (with group.instance.id; v5+ a reason) and get one result per member, the top-level
// error carrying only group-level failures (NOT_COORDINATOR, ...).

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/leave_group.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct leave_group_handler {
  using request = protocol::leave_group_request;
  using response = protocol::leave_group_response;
  static constexpr int16_t api_key = 13;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (req.group_id.empty()) co_return error_response(req, v, error_code::invalid_group_id);
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);

    // Kafka's LeaveGroupRequest.normalizedData: the old single member becomes a batch of one.
    std::vector<group::leave_member> members;
    if (v < 3) {
      auto& m = members.emplace_back();
      m.member_id = std::move(req.member_id);
    } else {
      members.reserve(req.members.size());
      for (auto& in : req.members) {
        auto& m = members.emplace_back();
        m.member_id = std::move(in.member_id);
        m.group_instance_id = std::move(in.group_instance_id);
        m.reason = std::move(in.reason);
      }
    }
    std::string group_id = std::move(req.group_id);
    auto result = co_await ctx.services.groups->leave_group(std::move(group_id), std::move(members));

    response resp;
    if (v < 3) {
      resp.error_code = code(result.error);
      if (result.error == error_code::none && !result.members.empty()) resp.error_code = code(result.members[0].error);
      co_return resp;
    }
    resp.error_code = code(result.error);
    if (result.error != error_code::none) co_return resp;  // a group-level failure names no member
    resp.members.reserve(result.members.size());
    for (auto& m : result.members) {
      auto& out = resp.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.group_instance_id);
      out.error_code = code(m.error);
    }
    co_return resp;
  }

  // Kafka's LeaveGroupRequest.getErrorResponse: the top-level error, no members.
  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_leave_group(handler_table& t) { register_handler<leave_group_handler>(t); }

} // namespace gregor::server
