// ListGroups (key 16, v0-5): the groups this broker coordinates (each broker answers for its own
// __consumer_offsets partitions; tools ask every broker). v4+ filters by state (case-insensitive,
// done by the coordinator), v5+ by group type: every group here is a classic group, so a type
// filter without "classic" lists nothing.

#include <algorithm>
#include <cctype>

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/list_groups.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr const char* classic_group_type = "classic";

bool equals_ignoring_case(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

struct list_groups_handler {
  using request = protocol::list_groups_request;
  using response = protocol::list_groups_response;
  static constexpr int16_t api_key = 16;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);
    std::vector<std::string> states;
    if (v >= 4) states = std::move(req.states_filter);
    auto listed = co_await ctx.services.groups->list_groups(std::move(states));

    response resp;
    resp.error_code = code(listed.error);
    if (v >= 5 && !req.types_filter.empty()) {
      const bool wants_classic = std::any_of(req.types_filter.begin(), req.types_filter.end(), [](const std::string& t) {
        return equals_ignoring_case(t, classic_group_type);
      });
      if (!wants_classic) co_return resp;
    }
    resp.groups.reserve(listed.groups.size());
    for (auto& g : listed.groups) {
      auto& out = resp.groups.emplace_back();
      out.group_id = std::move(g.group_id);
      out.protocol_type = std::move(g.protocol_type);
      out.group_state = std::move(g.state);
      out.group_type = classic_group_type;
    }
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_list_groups(handler_table& t) { register_handler<list_groups_handler>(t); }

} // namespace gregor::server
