// WriteTxnMarkers (key 27, v0-1): a transaction coordinator asks the leaders of a transaction's
// partitions to append its COMMIT or ABORT marker (Kafka's KafkaApis.handleWriteTxnMarkersRequest).
// Each marker is a control batch appended with the coordinator's checks (producer epoch, and
// TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch) and, as Kafka writes it with
// acks=-1, answered once it is replicated to the ISR or after request.timeout.ms. A partition this
// broker does not lead gets NOT_LEADER_OR_FOLLOWER; one the cluster does not know,
// UNKNOWN_TOPIC_OR_PARTITION. Markers written to __consumer_offsets complete the producer's
// transactional offset commits in the group coordinator.

#include <chrono>

#include "gregor/config/broker_config.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/write_txn_markers.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"
#include "known_partitions.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct write_txn_markers_handler {
  using request = protocol::write_txn_markers_request;
  using response = protocol::write_txn_markers_response;
  static constexpr int16_t api_key = 27;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 1;

  // Where a marker's answer goes in the response.
  struct response_slot {
    size_t marker_index;
    size_t topic_index;
    size_t partition_index;
  };

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    // The answer mirrors the request; each partition's error is filled in below.
    response resp = error_response(req, 0, error_code::none);
    std::vector<replication::replication_wait> pending;
    std::vector<response_slot> slots;
    for (size_t mi = 0; mi < req.markers.size(); ++mi) {
      const auto& m = req.markers[mi];
      const replication::txn_marker_request marker{.producer_id = m.producer_id,
                                                   .producer_epoch = m.producer_epoch,
                                                   .commit = m.transaction_result,
                                                   .coordinator_epoch = m.coordinator_epoch};
      auto& mr = resp.markers[mi];
      for (size_t ti = 0; ti < mr.topics.size(); ++ti) {
        auto& tr = mr.topics[ti];
        for (size_t pi = 0; pi < tr.partitions.size(); ++pi) {
          auto& pr = tr.partitions[pi];
          if (snap->find_partition(tr.name, pr.partition_index) == nullptr) {
            pr.error_code = code(error_code::unknown_topic_or_partition);
            continue;
          }
          topic_partition tp{tr.name, pr.partition_index};
          auto written = co_await svc.replicas->write_txn_marker(tp, marker);
          // Known to the cluster but not hosted here: not its leader.
          if (written.error == error_code::unknown_topic_or_partition) written.error = error_code::not_leader_or_follower;
          pr.error_code = code(written.error);
          if (written.error == error_code::none) {
            pending.push_back({tp, written.last_offset + 1, written.leadership_term});
            slots.push_back({mi, ti, pi});
          }
        }
      }
    }
    if (!pending.empty()) {
      const auto timeout = std::chrono::milliseconds(std::max(0, svc.config->request_timeout_ms()));
      // Named first: GCC 12 mishandles temporaries with destructors inside a co_await expression.
      auto replicated = svc.replicas->await_replication(std::move(pending), timeout);
      auto outcomes = co_await std::move(replicated);
      for (size_t i = 0; i < slots.size(); ++i) {
        const auto& s = slots[i];
        resp.markers[s.marker_index].topics[s.topic_index].partitions[s.partition_index].error_code = code(outcomes[i]);
      }
    }
    if (svc.groups != nullptr) complete_group_offsets(*svc.groups, req, resp);
    co_return resp;
  }

  // The groups' pending transactional offsets in the __consumer_offsets partitions that have their
  // marker now are committed or dropped (Kafka: once the markers are appended and replicated).
  static void complete_group_offsets(group::group_coordinator& groups, const request& req, const response& resp) {
    for (size_t m = 0; m < req.markers.size(); ++m) {
      std::vector<int32_t> partitions;
      for (const auto& t : resp.markers[m].topics) {
        if (t.name != group::offsets_topic) continue;
        for (const auto& p : t.partitions) {
          if (p.error_code == code(error_code::none)) partitions.push_back(p.partition_index);
        }
      }
      if (!partitions.empty()) {
        groups.on_transaction_completed(req.markers[m].producer_id, std::move(partitions),
                                        req.markers[m].transaction_result);
      }
    }
  }

  // Every partition of every marker with `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& m : req.markers) {
      auto& mr = resp.markers.emplace_back();
      mr.producer_id = m.producer_id;
      mirror_partitions(mr.topics, m.topics, e);
    }
    return resp;
  }
};

} // namespace

void register_write_txn_markers(handler_table& t) { register_handler<write_txn_markers_handler>(t); }

} // namespace gregor::server
