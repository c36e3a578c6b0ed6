// ElectLeaders (key 43, v0-2): preferred (v0: always) or unclean leader elections, for the named
// partitions or for all of them (null topic_partitions; partitions that needed no election are
// then left out of the answer, as Kafka does). Only the active controller elects; elsewhere every
// named partition gets NOT_CONTROLLER, and v1+ also carries it as the top-level error.
//
// As Kafka's DelayedElectLeader, the answer waits (up to timeout_ms) until this broker's metadata
// shows the elected leaders; partitions still waiting then get REQUEST_TIMED_OUT.

#include <functional>
#include <set>

#include "gregor/controller/controller.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/elect_leaders.h"
#include "controller_replies.h"
#include "handler.h"
#include "topic_admin.h"

namespace gregor::server {
namespace {

using protocol::error_code;

// A partition's election shows in the metadata: a leader epoch above the one seen before the
// election, with the preferred replica leading (preferred) or some replica leading (unclean). The
// epoch alone is not enough: an update from before the election (a reassignment's) may still be on
// its way.
bool elected(const metadata::cluster_snapshot& s, const topic_partition& tp, int32_t epoch_before,
             controller::election_type type) {
  const auto* p = s.find_partition(tp.topic, tp.partition);
  if (p == nullptr || p->leader < 0 || p->leader_epoch <= epoch_before) return false;
  if (type == controller::election_type::unclean) return true;
  return !p->replicas.empty() && p->leader == p->replicas.front();
}

struct elect_leaders_handler {
  using request = protocol::elect_leaders_request;
  using response = protocol::elect_leaders_response;
  static constexpr int16_t api_key = 43;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 2;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto resp = co_await elect(ctx, req);
    co_return for_version(std::move(resp), ctx.version());
  }

  // v0 has no top-level error_code: the per-partition errors carry it.
  static response for_version(response resp, int16_t version) {
    if (version < 1) resp.error_code = 0;
    return resp;
  }

  static asio::awaitable<response> elect(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto partitions = requested_partitions(req);
    auto type = requested_election_type(req, ctx.version());
    if (!type) co_return elect_leaders_failure(partitions, error_code::invalid_request);
    if (!svc.controller->is_active()) co_return elect_leaders_failure(partitions, error_code::not_controller);
    bool all = !partitions.has_value();
    auto before = svc.metadata->snapshot();
    auto reply = co_await svc.controller->elect_leaders(*type, partitions);
    if (reply.error != error_code::none) co_return elect_leaders_failure(partitions, reply.error);

    std::vector<std::pair<topic_partition, int32_t>> pending;  // elected, with the epoch seen before
    for (const auto& [tp, outcome] : reply.partitions) {
      if (outcome.error != error_code::none) continue;
      const auto* p = before->find_partition(tp.topic, tp.partition);
      pending.emplace_back(tp, p == nullptr ? -1 : p->leader_epoch);
    }
    controller::election_type kind = *type;
    if (!pending.empty() && req.timeout_ms > 0) {
      std::function<bool(const metadata::cluster_snapshot&)> ready = [&pending, kind](const metadata::cluster_snapshot& s) {
        for (const auto& [tp, epoch] : pending) {
          if (!elected(s, tp, epoch, kind)) return false;
        }
        return true;
      };
      auto timeout = std::chrono::milliseconds(req.timeout_ms);
      co_await wait_for_metadata(svc, timeout, ready);
    }
    auto snap = svc.metadata->snapshot();
    for (const auto& [tp, epoch] : pending) {
      if (elected(*snap, tp, epoch, kind)) continue;
      auto& outcome = reply.partitions[tp];
      outcome.error = error_code::request_timed_out;
      outcome.message = std::nullopt;
    }
    co_return to_response(reply, all);
  }

  static response error_response(const request& req, int16_t version, error_code e) {
    return for_version(elect_leaders_failure(requested_partitions(req), e), version);
  }
};

} // namespace

void register_elect_leaders(handler_table& t) { register_handler<elect_leaders_handler>(t); }

} // namespace gregor::server
