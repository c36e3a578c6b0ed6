// DeleteRecords (key 21, v0-2): moves each partition's log start offset up (Kafka's
// ReplicaManager.deleteRecords). Offset -1 means the high watermark; an offset above it is
// OFFSET_OUT_OF_RANGE. With replication factor 1 the answer is final at once: the low watermark is
// the leader's new log start offset. (With followers, issue 6, Kafka waits until every replica's
// log start offset reached it, up to timeout_ms.) Segments below the new start are deleted by the
// next retention round.

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/delete_records.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct delete_records_handler {
  using request = protocol::delete_records_request;
  using response = protocol::delete_records_response;
  static constexpr int16_t api_key = 21;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 2;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.low_watermark = -1;
        if (snap->find_partition(t.name, p.partition_index) == nullptr) {
          pr.error_code = code(error_code::unknown_topic_or_partition);
          continue;
        }
        topic_partition tp{t.name, p.partition_index};
        auto done = co_await svc.replicas->delete_records(tp, p.offset);
        // Known to the cluster but not hosted here: this broker is not its leader.
        if (done.error == error_code::unknown_topic_or_partition) done.error = error_code::not_leader_or_follower;
        pr.error_code = code(done.error);
        if (done.error == error_code::none) pr.low_watermark = done.low_watermark;
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = p.partition_index;
        pr.low_watermark = -1;
        pr.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_delete_records(handler_table& t) { register_handler<delete_records_handler>(t); }

} // namespace gregor::server
