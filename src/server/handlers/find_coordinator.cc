// FindCoordinator (key 10, v0-6): the broker leading the __consumer_offsets partition of a group
// (key type 0), or the __transaction_state partition of a transactional id (key type 1; Kafka's
// KafkaApis.getCoordinator). The first lookup creates the topic and, as on Kafka, is answered
// COORDINATOR_NOT_AVAILABLE: clients retry until the partition has a live leader.
// v4+ batches keys (one answer per key, never a request-level error except for an unknown key
// type); v0-3 answer one key, and any error comes in Kafka's error-response shape (node -1,
// host "", port -1, the error's default message).

#include "gregor/coordinator/group_coordinator.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "handler.h"
#include "internal_topics.h"

namespace gregor::server {
namespace {

using protocol::error_code;

// CoordinatorType of the request's key_type.
constexpr int8_t key_type_group = 0;
constexpr int8_t key_type_transaction = 1;
constexpr int8_t key_type_share = 2;  // KIP-932; FindCoordinator v6+
constexpr int16_t first_share_version = 6;
constexpr int16_t first_batched_version = 4;

struct coordinator_node {
  error_code error = error_code::none;
  int32_t node_id = -1;  // Kafka's Node.noNode(): -1, "", -1
  std::string host;
  int32_t port = -1;
};

// The default message of each error this API sends (Java's Errors.message(); "NONE" for success).
std::string default_message(error_code e) {
  switch (e) {
  case error_code::none:
    return "NONE";
  case error_code::coordinator_not_available:
    return "The coordinator is not available.";
  case error_code::invalid_request:
    return "This most likely occurs because of a request being malformed by the client library or the message was "
           "sent to an incompatible broker. See the broker logs for more details.";
  case error_code::unknown_server_error:
    return "The server experienced an unexpected error when processing the request.";
  default:
    return std::string(protocol::error_name(e));
  }
}

bool known_key_type(int8_t key_type) {
  return key_type == key_type_group || key_type == key_type_transaction || key_type == key_type_share;
}

coordinator_node unavailable(error_code e) {
  coordinator_node n;
  n.error = e;
  return n;
}

// The leader of `partition` of `topic` on `listener`, or COORDINATOR_NOT_AVAILABLE.
coordinator_node leader_of(const metadata::cluster_snapshot& snap, const std::string& topic, int32_t partition,
                           const std::string& listener) {
  const auto* p = snap.find_partition(topic, partition);
  if (p == nullptr || p->leader < 0) return unavailable(error_code::coordinator_not_available);
  auto b = snap.brokers.find(p->leader);
  if (b == snap.brokers.end()) return unavailable(error_code::coordinator_not_available);
  const auto* endpoint = b->second.endpoint_for(listener);
  if (endpoint == nullptr) return unavailable(error_code::coordinator_not_available);
  coordinator_node n;
  n.node_id = p->leader;
  n.host = endpoint->host;
  n.port = endpoint->port;
  return n;
}

// One key's coordinator. `creation_tried` makes a batch create the topic at most once.
asio::awaitable<coordinator_node> lookup(request_context& ctx, int8_t key_type, std::string key, bool& creation_tried) {
  auto& svc = ctx.services;
  if (key_type == key_type_share && ctx.version() < first_share_version) {
    co_return unavailable(error_code::invalid_request);
  }
  if (key_type == key_type_share) {
    // Share groups (KIP-932) do not exist on a ZooKeeper broker; Kafka 3.9 answers the same.
    co_return unavailable(error_code::coordinator_not_available);
  }
  const bool transactional = key_type == key_type_transaction;
  if (transactional ? svc.txns == nullptr : svc.groups == nullptr) {
    co_return unavailable(error_code::coordinator_not_available);
  }
  const std::string topic = transactional ? txn::transaction_state_topic : group::offsets_topic;
  const int32_t partition = transactional ? svc.txns->partition_for(key) : svc.groups->partition_for(key);
  auto snap = svc.metadata->snapshot();
  if (snap->find_topic(topic) == nullptr) {
    if (!creation_tried) {
      creation_tried = true;
      if (transactional) {
        co_await create_transaction_state_topic(svc);
      } else {
        co_await create_offsets_topic(svc);
      }
    }
    co_return unavailable(error_code::coordinator_not_available);
  }
  co_return leader_of(*snap, topic, partition, ctx.connection.listener_name);
}

struct find_coordinator_handler {
  using request = protocol::find_coordinator_request;
  using response = protocol::find_coordinator_response;
  static constexpr int16_t api_key = 10;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 6;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    const int16_t v = ctx.version();
    // An unknown key type fails the whole request (Kafka throws InvalidRequestException).
    if (!known_key_type(req.key_type)) co_return error_response(req, v, error_code::invalid_request);
    bool creation_tried = false;
    if (v < first_batched_version) {
      auto node = co_await lookup(ctx, req.key_type, req.key, creation_tried);
      if (node.error != error_code::none) co_return error_response(req, v, node.error);
      response resp;
      resp.error_code = code(error_code::none);
      if (v >= 1) resp.error_message = default_message(error_code::none);
      resp.node_id = node.node_id;
      resp.host = std::move(node.host);
      resp.port = node.port;
      co_return resp;
    }
    response resp;
    for (const auto& key : req.coordinator_keys) {
      auto node = co_await lookup(ctx, req.key_type, key, creation_tried);
      auto& out = resp.coordinators.emplace_back();
      out.key = key;
      out.error_code = code(node.error);
      out.node_id = node.node_id;
      out.host = std::move(node.host);
      out.port = node.port;
    }
    co_return resp;
  }

  // Kafka's FindCoordinatorRequest.getErrorResponse: v0-3 the old single answer, v4+ one entry
  // per key, each with the error's message.
  static response error_response(const request& req, int16_t version, error_code e) {
    response resp;
    if (version < first_batched_version) {
      resp.error_code = code(e);
      if (version >= 1) resp.error_message = default_message(e);
      resp.node_id = -1;
      resp.host = "";
      resp.port = -1;
      return resp;
    }
    for (const auto& key : req.coordinator_keys) {
      auto& out = resp.coordinators.emplace_back();
      out.key = key;
      out.error_code = code(e);
      out.error_message = default_message(e);
      out.node_id = -1;
      out.port = -1;
    }
    return resp;
  }
};

} // namespace

void register_find_coordinator(handler_table& t) { register_handler<find_coordinator_handler>(t); }

} // namespace gregor::server
