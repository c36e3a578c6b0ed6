// AddOffsetsToTxn (key 25, v0-4): a transactional producer is about to commit a group's offsets
// in its transaction (sendOffsetsToTransaction). The coordinator adds the group's
// __consumer_offsets partition to the transaction, so that it gets the transaction's marker.

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/protocol/messages/add_offsets_to_txn.h"
#include "handler.h"
#include "txn_errors.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int16_t add_offsets_fenced_from = 2;

struct add_offsets_to_txn_handler {
  using request = protocol::add_offsets_to_txn_request;
  using response = protocol::add_offsets_to_txn_response;
  static constexpr int16_t api_key = 25;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    if (svc.txns == nullptr || svc.groups == nullptr) {
      co_return error_response(req, ctx.version(), error_code::coordinator_not_available);
    }
    std::vector<topic_partition> offsets{topic_partition{group::offsets_topic, svc.groups->partition_for(req.group_id)}};
    error_code e = co_await svc.txns->add_partitions(req.transactional_id, req.producer_id, req.producer_epoch,
                                                     std::move(offsets));
    co_return error_response(req, ctx.version(), fenced_for_version(e, ctx.version(), add_offsets_fenced_from));
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_add_offsets_to_txn(handler_table& t) { register_handler<add_offsets_to_txn_handler>(t); }

} // namespace gregor::server
