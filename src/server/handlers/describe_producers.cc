// DescribeProducers (key 61, v0): the active producers of partitions this broker hosts, leader or
// follower (Kafka's ReplicaManager.activeProducerState): id, epoch, last sequence and timestamp,
// coordinator epoch and the first offset of the open transaction (-1 if none).
// kafka-transactions.sh describe-producers and abort use it. Partitions the cluster does not know
// get UNKNOWN_TOPIC_OR_PARTITION; known ones not hosted here NOT_LEADER_OR_FOLLOWER.

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/describe_producers.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct describe_producers_handler {
  using request = protocol::describe_producers_request;
  using response = protocol::describe_producers_response;
  static constexpr int16_t api_key = 61;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 0;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (int32_t index : t.partition_indexes) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = index;
        if (snap->find_partition(t.name, index) == nullptr) {
          pr.error_code = code(error_code::unknown_topic_or_partition);
          continue;
        }
        const topic_partition tp{t.name, index};  // named: GCC 12 and temporaries in co_await
        auto out = co_await svc.replicas->describe_producers(tp);
        if (out.error == error_code::unknown_topic_or_partition) out.error = error_code::not_leader_or_follower;
        pr.error_code = code(out.error);
        for (const auto& p : out.producers) {
          auto& ps = pr.active_producers.emplace_back();
          ps.producer_id = p.producer_id;
          ps.producer_epoch = p.producer_epoch;
          ps.last_sequence = p.last_sequence;
          ps.last_timestamp = p.last_timestamp;
          ps.coordinator_epoch = p.coordinator_epoch;
          ps.current_txn_start_offset = p.current_txn_start_offset;
        }
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.topics) {
      auto& tr = resp.topics.emplace_back();
      tr.name = t.name;
      for (int32_t index : t.partition_indexes) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = index;
        pr.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_describe_producers(handler_table& t) { register_handler<describe_producers_handler>(t); }

} // namespace gregor::server
