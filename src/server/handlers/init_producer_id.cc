// InitProducerId (key 22, v0-5). For an idempotent producer (no transactional id) it hands out a
// new producer id with epoch 0 from the producer_id_manager, as Kafka's transaction coordinator
// does for a null transactional id (also when a v3+ client sends its current id and epoch: Kafka
// ignores them then). Transactional ids are the transaction coordinator's (issue 7, later step):
// until it exists they are answered NOT_COORDINATOR; an empty one is INVALID_REQUEST.
// The minimum version must stay 0: librdkafka enables idempotence only if the broker advertises
// InitProducerId from v0 on.

#include "gregor/coordinator/producer_id_manager.h"
#include "gregor/protocol/messages/init_producer_id.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct init_producer_id_handler {
  using request = protocol::init_producer_id_request;
  using response = protocol::init_producer_id_response;
  static constexpr int16_t api_key = 22;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 5;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    if (req.transactional_id) {
      co_return error_response(req, ctx.version(),
                               req.transactional_id->empty() ? error_code::invalid_request : error_code::not_coordinator);
    }
    auto id = co_await ctx.services.producer_ids->next();
    if (!id) co_return error_response(req, ctx.version(), error_code::coordinator_not_available);
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
