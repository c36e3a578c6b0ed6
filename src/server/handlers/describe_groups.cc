// DescribeGroups (key 15, v0-5): state, protocol and members of each named group, answered by the
// coordinator of each (NOT_COORDINATOR for groups another broker owns; an unknown group is
// described as "Dead" without error, as Kafka does). v3+ may ask for the authorized operations,
// v4+ members carry group.instance.id.

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/describe_groups.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

// What Kafka answers without an authorizer: every operation a group supports (AclOperation codes
// READ 3, DELETE 6, DESCRIBE 8 as bits of an int32).
constexpr int32_t group_operations_without_authorizer = (1 << 3) | (1 << 6) | (1 << 8);

struct describe_groups_handler {
  using request = protocol::describe_groups_request;
  using response = protocol::describe_groups_response;
  static constexpr int16_t api_key = 15;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);
    const bool with_operations = v >= 3 && req.include_authorized_operations;
    std::vector<std::string> ids = req.groups;
    auto described = co_await ctx.services.groups->describe_groups(std::move(ids));

    response resp;
    resp.groups.reserve(described.size());
    for (auto& g : described) {
      auto& out = resp.groups.emplace_back();
      out.error_code = code(g.error);
      out.group_id = std::move(g.group_id);
      out.group_state = std::move(g.state);
      out.protocol_type = std::move(g.protocol_type);
      out.protocol_data = std::move(g.protocol);
      out.members.reserve(g.members.size());
      for (auto& m : g.members) {
        auto& mo = out.members.emplace_back();
        mo.member_id = std::move(m.member_id);
        mo.group_instance_id = std::move(m.group_instance_id);
        mo.client_id = std::move(m.client_id);
        mo.client_host = std::move(m.client_host);
        mo.member_metadata = std::move(m.metadata);
        mo.member_assignment = std::move(m.assignment);
      }
      if (with_operations && g.error == error_code::none) out.authorized_operations = group_operations_without_authorizer;
    }
    co_return resp;
  }

  // Kafka's DescribeGroupsRequest.getErrorResponse: every group with the error and nothing else.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& id : req.groups) {
      auto& out = resp.groups.emplace_back();
      out.error_code = code(e);
      out.group_id = id;
    }
    return resp;
  }
};

} // namespace

void register_describe_groups(handler_table& t) { register_handler<describe_groups_handler>(t); }

} // namespace gregor::server
