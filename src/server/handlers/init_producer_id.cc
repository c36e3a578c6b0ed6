// InitProducerId (key 22, v0-5). For an idempotent producer (no transactional id) it hands out a
// new producer id with epoch 0 from the producer_id_manager, as Kafka's transaction coordinator
// does for a null transactional id (also when a v3+ client sends its current id and epoch: Kafka
// ignores them then). A transactional id goes to the transaction coordinator, which bumps the
// epoch (fencing older producers of that id) or aborts the id's open transaction first.
// The minimum version must stay 0: librdkafka enables idempotence only if the broker advertises
// InitProducerId from v0 on.

#include "gregor/coordinator/producer_id_manager.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/protocol/messages/init_producer_id.h"
#include "handler.h"
#include "txn_errors.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int16_t first_version_knowing_producer_fenced = 4;

struct init_producer_id_handler {
  using request = protocol::init_producer_id_request;
  using response = protocol::init_producer_id_response;
  static constexpr int16_t api_key = 22;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    // v3+: the producer's current id and epoch, both -1 or neither.
    std::optional<std::pair<int64_t, int16_t>> expected;
    if (req.producer_id != -1 || req.producer_epoch != -1) {
      if (req.producer_id == -1 || req.producer_epoch == -1) co_return error_response(req, v, error_code::invalid_request);
      expected = std::make_pair(req.producer_id, req.producer_epoch);
    }
    if (req.transactional_id) {
      if (req.transactional_id->empty()) co_return error_response(req, v, error_code::invalid_request);
      if (ctx.services.txns == nullptr) co_return error_response(req, v, error_code::coordinator_not_available);
      txn::init_producer_id_request tr;
      tr.transactional_id = *req.transactional_id;
      tr.timeout_ms = req.transaction_timeout_ms;
      tr.expected = expected;
      auto out = co_await ctx.services.txns->init_producer_id(std::move(tr));
      if (out.error != error_code::none) {
        co_return error_response(req, v, fenced_for_version(out.error, v, first_version_knowing_producer_fenced));
      }
      response resp;
      resp.producer_id = out.producer_id;
      resp.producer_epoch = out.producer_epoch;
      co_return resp;
    }
    auto id = co_await ctx.services.producer_ids->next();
    if (!id) co_return error_response(req, v, error_code::coordinator_not_available);
    response resp;
    resp.producer_id = *id;
    resp.producer_epoch = 0;
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    resp.producer_id = -1;
    resp.producer_epoch = -1;
    return resp;
  }
};

} // namespace

void register_init_producer_id(handler_table& t) { register_handler<init_producer_id_handler>(t); }

} // namespace gregor::server
