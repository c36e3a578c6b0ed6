// ListTransactions (key 66, v0-1): the transactional ids this broker coordinates, filtered by
// state names, producer ids and (v1) a minimum running time (kafka-transactions.sh list asks every
// broker). COORDINATOR_LOAD_IN_PROGRESS while one of its __transaction_state partitions loads.

#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/protocol/messages/list_transactions.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct list_transactions_handler {
  using request = protocol::list_transactions_request;
  using response = protocol::list_transactions_response;
  static constexpr int16_t api_key = 66;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 1;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    if (ctx.services.txns == nullptr) co_return error_response(req, ctx.version(), error_code::coordinator_not_available);
    const int64_t duration = ctx.version() >= 1 ? req.duration_filter : -1;
    auto listed = co_await ctx.services.txns->list_transactions(req.state_filters, req.producer_id_filters, duration);
    response resp;
    resp.error_code = code(listed.error);
    resp.unknown_state_filters = std::move(listed.unknown_state_filters);
    for (auto& t : listed.transactions) {
      auto& s = resp.transaction_states.emplace_back();
      s.transactional_id = std::move(t.transactional_id);
      s.producer_id = t.producer_id;
      s.transaction_state = std::move(t.state);
    }
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_list_transactions(handler_table& t) { register_handler<list_transactions_handler>(t); }

} // namespace gregor::server
