// TxnOffsetCommit (key 28, v0-4): a transactional producer commits a consumer group's offsets in
// its transaction (sendOffsetsToTransaction), after AddOffsetsToTxn. Sent to the group's
// coordinator; the offsets become committed when the transaction does. Partitions the metadata
// does not know get UNKNOWN_TOPIC_OR_PARTITION; v2+ carry the leader epoch, v3+ the member,
// generation and instance id (checked when set, as Kafka does).

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/txn_offset_commit.h"
#include "handler.h"
#include "known_partitions.h"
#include "offset_commit_partitions.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct txn_offset_commit_handler {
  using request = protocol::txn_offset_commit_request;
  using response = protocol::txn_offset_commit_response;
  static constexpr int16_t api_key = 28;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    const int16_t v = ctx.version();
    if (req.group_id.empty()) co_return error_response(req, v, error_code::invalid_group_id);
    auto snap = svc.metadata->snapshot();
    response resp = error_response(req, v, error_code::none);
    const std::vector<partition_slot> known = known_partitions(*snap, req.topics, resp.topics);
    if (known.empty()) co_return resp;
    group::txn_offset_commit_request commit;
    commit.transactional_id = req.transactional_id;
    commit.producer_id = req.producer_id;
    commit.producer_epoch = req.producer_epoch;
    commit.group_id = req.group_id;
    if (v >= 3) {
      commit.generation_id = req.generation_id;
      commit.member_id = req.member_id;
      commit.group_instance_id = req.group_instance_id;
    }
    commit.partitions = offset_commit_partitions(req.topics, known, v >= 2);
    std::vector<error_code> errors(known.size(), error_code::coordinator_not_available);
    if (svc.groups != nullptr) errors = co_await svc.groups->commit_txn_offsets(std::move(commit));
    answer_known(resp.topics, known, errors);
    co_return resp;
  }

  // Every partition of the request with `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    mirror_partitions(resp.topics, req.topics, e);
    return resp;
  }
};

} // namespace

void register_txn_offset_commit(handler_table& t) { register_handler<txn_offset_commit_handler>(t); }

} // namespace gregor::server
