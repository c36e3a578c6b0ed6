// AddPartitionsToTxn (key 24, v0-3): a transactional producer names the partitions it is about to
// write, so that the coordinator sends them markers when the transaction ends. Partitions that do
// not exist get UNKNOWN_TOPIC_OR_PARTITION and the others OPERATION_NOT_ATTEMPTED (Kafka's
// handling); otherwise every partition gets the coordinator's answer. v4+ (KIP-890's broker-side
// verification batches) are not served.

#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/add_partitions_to_txn.h"
#include "handler.h"
#include "txn_errors.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int16_t first_version_knowing_producer_fenced = 2;

struct add_partitions_to_txn_handler {
  using request = protocol::add_partitions_to_txn_request;
  using response = protocol::add_partitions_to_txn_response;
  static constexpr int16_t api_key = 24;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 3;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    auto snap = svc.metadata->snapshot();
    std::vector<topic_partition> partitions;
    bool any_unknown = false;
    for (const auto& t : req.v3_and_below_topics) {
      for (int32_t p : t.partitions) {
        partitions.push_back(topic_partition{t.name, p});
        any_unknown = any_unknown || snap->find_partition(t.name, p) == nullptr;
      }
    }
    if (any_unknown) {
      response resp;
      for (const auto& t : req.v3_and_below_topics) {
        auto& out = resp.results_by_topic_v3_and_below.emplace_back();
        out.name = t.name;
        for (int32_t p : t.partitions) {
          const bool unknown = snap->find_partition(t.name, p) == nullptr;
          auto& r = out.results_by_partition.emplace_back();
          r.partition_index = p;
          r.partition_error_code =
              code(unknown ? error_code::unknown_topic_or_partition : error_code::operation_not_attempted);
        }
      }
      co_return resp;
    }
    error_code e = error_code::coordinator_not_available;
    if (svc.txns != nullptr) {
      e = co_await svc.txns->add_partitions(req.v3_and_below_transactional_id, req.v3_and_below_producer_id,
                                           req.v3_and_below_producer_epoch, std::move(partitions));
    }
    co_return error_response(req, ctx.version(), fenced_for_version(e, ctx.version(), first_version_knowing_producer_fenced));
  }

  // Every partition of the request gets `e`.
  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& t : req.v3_and_below_topics) {
      auto& out = resp.results_by_topic_v3_and_below.emplace_back();
      out.name = t.name;
      for (int32_t p : t.partitions) {
        auto& r = out.results_by_partition.emplace_back();
        r.partition_index = p;
        r.partition_error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_add_partitions_to_txn(handler_table& t) { register_handler<add_partitions_to_txn_handler>(t); }

} // namespace gregor::server
