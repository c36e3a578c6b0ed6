// AddPartitionsToTxn (key 24, v0-3): a transactional producer names the partitions it is about to
// write, so that the coordinator sends them markers when the transaction ends. Partitions of
// internal topics get TOPIC_AUTHORIZATION_FAILED, partitions that do not exist
// UNKNOWN_TOPIC_OR_PARTITION and the others then OPERATION_NOT_ATTEMPTED (Kafka's handling);
// otherwise every partition gets the coordinator's answer. v4+ (KIP-890's broker-side
// verification batches) are not served.

#include "gregor/coordinator/transaction_coordinator.h"
#include <set>

#include "gregor/metadata/metadata_cache.h"
#include "gregor/metadata/topic_name.h"
#include "gregor/protocol/messages/add_partitions_to_txn.h"
#include "handler.h"
#include "txn_errors.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int16_t add_partitions_fenced_from = 2;

struct add_partitions_to_txn_handler {
  using request = protocol::add_partitions_to_txn_request;
  using response = protocol::add_partitions_to_txn_response;
  static constexpr int16_t api_key = 24;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 3;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    // Checked per topic, collected as a set: a request repeating indexes costs no more than its size.
    std::set<topic_partition> partitions;
    bool refused = false;
    for (const auto& t : req.v3_and_below_topics) {
      if (metadata::is_internal_topic(t.name)) {
        refused = true;
        continue;
      }
      const auto* topic = snap->find_topic(t.name);
      for (int32_t p : t.partitions) {
        if (topic == nullptr || topic->partitions.count(p) == 0) {
          refused = true;
        } else if (!refused) {
          partitions.insert(topic_partition{t.name, p});
        }
      }
    }
    if (refused) co_return refusal(req, *snap);
    error_code e = error_code::coordinator_not_available;
    if (svc.txns != nullptr) {
      std::vector<topic_partition> added(partitions.begin(), partitions.end());
      e = co_await svc.txns->add_partitions(req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
                                           req.v3_and_below_producer_epoch, std::move(added));
    }
    co_return error_response(req, ctx.version(), fenced_for_version(e, ctx.version(), add_partitions_fenced_from));
  }

  // Kafka's answer when some partitions cannot be added: internal topics (only AddOffsetsToTxn may
  // add a __consumer_offsets partition) TOPIC_AUTHORIZATION_FAILED, unknown partitions
  // UNKNOWN_TOPIC_OR_PARTITION, and the rest OPERATION_NOT_ATTEMPTED.
  static response refusal(const request& req, const metadata::cluster_snapshot& snap) {
    return answer_each(req, [&](const std::string& name, int32_t p) {
      if (metadata::is_internal_topic(name)) return error_code::topic_authorization_failed;
      const auto* topic = snap.find_topic(name);
      if (topic == nullptr || topic->partitions.count(p) == 0) return error_code::unknown_topic_or_partition;
      return error_code::operation_not_attempted;
    });
  }

  // Every partition of the request gets `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    return answer_each(req, [e](const std::string&, int32_t) { return e; });
  }

  // Every partition of the request, in request order, with the error `error_of(topic, partition)`.
  template <class ErrorOf>
  static response answer_each(const request& req, ErrorOf error_of) {
    response resp;
    for (const auto& t : req.v3_and_below_topics) {
      auto& out = resp.results_by_topic_v3_and_below.emplace_back();
      out.name = t.name;
      for (int32_t p : t.partitions) {
        auto& r = out.results_by_partition.emplace_back();
        r.partition_index = p;
        r.partition_error_code = code(error_of(t.name, p));
      }
    }
    return resp;
  }
};

} // namespace

void register_add_partitions_to_txn(handler_table& t) { register_handler<add_partitions_to_txn_handler>(t); }

} // namespace gregor::server
