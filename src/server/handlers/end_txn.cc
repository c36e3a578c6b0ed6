// EndTxn (key 26, v0-4): commit or abort the producer's transaction. Answered once the decision
// (PrepareCommit/PrepareAbort) is in __transaction_state; the coordinator writes the markers
// after that (read_committed consumers see the outcome once they are written).

#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/protocol/messages/end_txn.h"
#include "handler.h"
#include "txn_errors.h"

namespace gregor::server {
namespace {

using protocol::error_code;

constexpr int16_t end_txn_fenced_from = 2;

struct end_txn_handler {
  using request = protocol::end_txn_request;
  using response = protocol::end_txn_response;
  static constexpr int16_t api_key = 26;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    if (ctx.services.txns == nullptr) co_return error_response(req, ctx.version(), error_code::coordinator_not_available);
    error_code e = co_await ctx.services.txns->end_transaction(req.transactional_id, req.producer_id,
                                                               req.producer_epoch, req.committed);
    co_return error_response(req, ctx.version(), fenced_for_version(e, ctx.version(), end_txn_fenced_from));
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_end_txn(handler_table& t) { register_handler<end_txn_handler>(t); }

} // namespace gregor::server
