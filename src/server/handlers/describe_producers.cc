// DescribeProducers (key 61, v0): the active producers of partitions this broker hosts, leader or
// follower (Kafka's ReplicaManager.activeProducerState): id, epoch, last sequence and timestamp,
// coordinator epoch and the first offset of the open transaction (-1 if none).
// kafka-transactions.sh describe-producers and abort use it. Partitions the cluster does not know
// get UNKNOWN_TOPIC_OR_PARTITION; known ones not hosted here NOT_LEADER_OR_FOLLOWER.

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/describe_producers.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"
#include "known_partitions.h"

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
    // The answer mirrors the request; each partition's error is filled in below.
    response resp = error_response(req, 0, error_code::none);
    for (auto& tr : resp.topics) {
      for (auto& pr : tr.partitions) {
        if (snap->find_partition(tr.name, pr.partition_index) == nullptr) {
          pr.error_code = code(error_code::unknown_topic_or_partition);
          continue;
        }
        const topic_partition tp{tr.name, pr.partition_index};  // named: GCC 12 and temporaries in co_await
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

  // Every partition of the request with `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    mirror_partitions(resp.topics, req.topics, e);
    return resp;
  }
};

} // namespace

void register_describe_producers(handler_table& t) { register_handler<describe_producers_handler>(t); }

} // namespace gregor::server
