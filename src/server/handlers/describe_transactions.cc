// DescribeTransactions (key 65, v0): the state of transactional ids this broker coordinates
// (kafka-transactions.sh describe). Per id: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS,
// TRANSACTIONAL_ID_NOT_FOUND or INVALID_REQUEST (an empty id) as Kafka answers.

#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/protocol/messages/describe_transactions.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct describe_transactions_handler {
  using request = protocol::describe_transactions_request;
  using response = protocol::describe_transactions_response;
  static constexpr int16_t api_key = 65;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 0;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    if (ctx.services.txns == nullptr) co_return error_response(req, ctx.version(), error_code::coordinator_not_available);
    auto described = co_await ctx.services.txns->describe_transactions(req.transactional_ids);
    response resp;
    for (const auto& d : described) {
      auto& s = resp.transaction_states.emplace_back();
      s.error_code = code(d.error);
      s.transactional_id = d.transactional_id;
      if (d.error != error_code::none) continue;
      s.transaction_state = d.state;
      s.transaction_timeout_ms = d.timeout_ms;
      s.transaction_start_time_ms = d.start_ms;
      s.producer_id = d.producer_id;
      s.producer_epoch = d.producer_epoch;
      for (const auto& tp : d.partitions) {  // sorted: a topic's partitions are adjacent
        if (s.topics.empty() || s.topics.back().topic != tp.topic) s.topics.emplace_back().topic = tp.topic;
        s.topics.back().partitions.push_back(tp.partition);
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& id : req.transactional_ids) {
      auto& s = resp.transaction_states.emplace_back();
      s.error_code = code(e);
      s.transactional_id = id;
    }
    return resp;
  }
};

} // namespace

void register_describe_transactions(handler_table& t) { register_handler<describe_transactions_handler>(t); }

} // namespace gregor::server
