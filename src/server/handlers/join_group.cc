// JoinGroup (key 11, v0-9): a member joins (or rejoins) a classic group. The handler translates
// the version into group::join_group_request (Kafka's GroupCoordinatorAdapter.joinGroup) and the
// coordinator holds the request until the rebalance completes (long poll).
//
// Per version: v0 has no rebalance timeout (the session timeout stands in for it); v4+ members
// without group.instance.id must first get a member id (MEMBER_ID_REQUIRED); v5+ carries
// group.instance.id; v7+ answers a missing protocol name as null instead of ""; v9+ clients may be
// told to skip the assignment.

#include <arpa/inet.h>

#include <cstdio>

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/protocol/messages/join_group.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

// The peer address as Java's InetAddress.toString() prints it for an unresolved address: "/" and
// the numeric address, IPv6 in full (eight hex groups without compression, as
// Inet6Address.getHostAddress writes them). Kafka stores this string as the member's client host.
std::string java_client_host(const std::string& peer_host) {
  in6_addr a6{};
  if (peer_host.find(':') == std::string::npos || inet_pton(AF_INET6, peer_host.c_str(), &a6) != 1) {
    return "/" + peer_host;
  }
  std::string out = "/";
  for (int i = 0; i < 8; ++i) {
    char group[8];
    unsigned value = (static_cast<unsigned>(a6.s6_addr[2 * i]) << 8) | a6.s6_addr[2 * i + 1];
    std::snprintf(group, sizeof(group), i == 0 ? "%x" : ":%x", value);
    out += group;
  }
  return out;
}

struct join_group_handler {
  using request = protocol::join_group_request;
  using response = protocol::join_group_response;
  static constexpr int16_t api_key = 11;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 9;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    // Checked before the coordinator, as Kafka's validateGroupStatus does first; that answer
    // echoes the member id.
    if (req.group_id.empty() || ctx.services.groups == nullptr) {
      auto refused = error_response(req, v, req.group_id.empty() ? error_code::invalid_group_id
                                                                 : error_code::coordinator_not_available);
      refused.member_id = req.member_id;
      co_return refused;
    }

    group::join_group_request in;
    in.group_id = std::move(req.group_id);
    in.member_id = std::move(req.member_id);
    in.group_instance_id = std::move(req.group_instance_id);
    in.client_id = ctx.header.client_id.value_or("");
    in.client_host = java_client_host(ctx.connection.peer_host);
    in.session_timeout_ms = req.session_timeout_ms;
    in.rebalance_timeout_ms = v == 0 ? req.session_timeout_ms : req.rebalance_timeout_ms;
    in.protocol_type = std::move(req.protocol_type);
    in.protocols.reserve(req.protocols.size());
    for (auto& p : req.protocols) in.protocols.emplace_back(std::move(p.name), std::move(p.metadata));
    // Static members (group.instance.id) are never asked for a member id first.
    in.require_known_member_id = v >= 4 && !in.group_instance_id.has_value();
    in.supports_skip_assignment = v >= 9;
    in.reason = std::move(req.reason);

    auto result = co_await ctx.services.groups->join_group(std::move(in));

    response resp;
    resp.error_code = code(result.error);
    resp.generation_id = result.generation_id;
    resp.protocol_type = std::move(result.protocol_type);
    // Kafka's JoinGroupResponse: "" before v7 when no protocol was chosen, null from v7 on (and an
    // empty name becomes null too).
    if (v < 7) {
      resp.protocol_name = result.protocol_name.value_or("");
    } else if (result.protocol_name && !result.protocol_name->empty()) {
      resp.protocol_name = std::move(result.protocol_name);
    } else {
      resp.protocol_name = std::nullopt;
    }
    resp.leader = std::move(result.leader_id);
    resp.skip_assignment = v >= 9 && result.skip_assignment;
    resp.member_id = std::move(result.member_id);
    resp.members.reserve(result.members.size());
    for (auto& m : result.members) {
      auto& out = resp.members.emplace_back();
      out.member_id = std::move(m.member_id);
      out.group_instance_id = std::move(m.group_instance_id);
      out.metadata = std::move(m.metadata);
    }
    co_return resp;
  }

  // Kafka's JoinGroupRequest.getErrorResponse: generation -1, no member, leader or members.
  static response error_response(const request&, int16_t version, error_code e) {
    response resp;
    resp.error_code = code(e);
    resp.generation_id = -1;
    if (version >= 7) {
      resp.protocol_name = std::nullopt;
    } else {
      resp.protocol_name = "";
    }
    return resp;
  }
};

} // namespace

void register_join_group(handler_table& t) { register_handler<join_group_handler>(t); }

} // namespace gregor::server
