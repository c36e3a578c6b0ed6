// OffsetForLeaderEpoch (key 23): for each partition, the largest leader epoch <= the one asked for
// and the offset where it ended (Kafka's lastOffsetForLeaderEpoch), answered by the partition's
// leader only. Followers use it to find where their log diverged after a leader change; clients
// (librdkafka, the Java consumer when our max version is >= 3) to validate their position.
// Per partition: not in the metadata -> UNKNOWN_TOPIC_OR_PARTITION; known but not led here ->
// NOT_LEADER_OR_FOLLOWER; current_leader_epoch (v2+) older/newer than ours -> FENCED_/
// UNKNOWN_LEADER_EPOCH; an epoch below every one we know -> epoch -1, offset -1. v0 answers the end
// offset only (the codec drops leader_epoch); replica_id (v3+) changes nothing here.

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/offset_for_leader_epoch.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct offset_for_leader_epoch_handler {
  using request = protocol::offset_for_leader_epoch_request;
  using response = protocol::offset_for_leader_epoch_response;
  using partition_result = response::offset_for_leader_topic_result::epoch_end_offset;
  static constexpr int16_t api_key = 23;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    response resp;
    auto snap = svc.metadata->snapshot();
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.topic = t.topic;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition = p.partition;
        topic_partition tp{t.topic, p.partition};
        bool known = snap->find_partition(t.topic, p.partition) != nullptr;
        if (!svc.replicas->get(tp)) {
          pr.error_code = code(known ? error_code::not_leader_or_follower : error_code::unknown_topic_or_partition);
          continue;
        }
        int32_t current_leader_epoch = p.current_leader_epoch;  // -1 below v2: not checked
        int32_t leader_epoch = p.leader_epoch;
        replication::offset_for_epoch found =
            co_await svc.replicas->offset_for_leader_epoch(tp, current_leader_epoch, leader_epoch);
        error_code e = found.error;
        // Removed between the lookup and the call (StopReplica): answer as if it never was here.
        if (e == error_code::unknown_topic_or_partition && known) e = error_code::not_leader_or_follower;
        pr.error_code = code(e);
        if (e == error_code::none) {
          pr.leader_epoch = found.leader_epoch;
          pr.end_offset = found.end_offset;
        }
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.topic = t.topic;
      for (const auto& p : t.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition = p.partition;
        pr.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_offset_for_leader_epoch(handler_table& t) { register_handler<offset_for_leader_epoch_handler>(t); }

} // namespace gregor::server
