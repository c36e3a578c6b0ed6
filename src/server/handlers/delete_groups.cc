// DeleteGroups (key 42, v0-2): removes Empty groups and their committed offsets (NON_EMPTY_GROUP
// while members remain, GROUP_ID_NOT_FOUND for unknown groups, NOT_COORDINATOR for groups another
// broker owns). A group named twice is deleted and answered once, as Kafka does.

#include <set>

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/delete_groups.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

std::vector<std::string> distinct(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& n : names) {
    if (seen.insert(n).second) out.push_back(n);
  }
  return out;
}

struct delete_groups_handler {
  using request = protocol::delete_groups_request;
  using response = protocol::delete_groups_response;
  static constexpr int16_t api_key = 42;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 2;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    if (ctx.services.groups == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);
    auto ids = distinct(req.groups_names);
    auto results = co_await ctx.services.groups->delete_groups(std::move(ids));
    response resp;
    resp.results.reserve(results.size());
    for (auto& [group_id, error] : results) {
      auto& out = resp.results.emplace_back();
      out.group_id = std::move(group_id);
      out.error_code = code(error);
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (auto& id : distinct(req.groups_names)) {
      auto& out = resp.results.emplace_back();
      out.group_id = std::move(id);
      out.error_code = code(e);
    }
    return resp;
  }
};

} // namespace

void register_delete_groups(handler_table& t) { register_handler<delete_groups_handler>(t); }

} // namespace gregor::server
