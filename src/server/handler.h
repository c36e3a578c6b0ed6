#pragma once
// The handler table and the adapter that turns a typed handler into a table entry.
//
// A handler is a struct with:
//   using request = protocol::<api>_request;  using response = protocol::<api>_response;
//   static constexpr int16_t api_key, min_version, max_version;   // what we serve and advertise
//   static asio::awaitable<response> handle(request_context&, request&);
//   static response error_response(const request&, int16_t version, protocol::error_code);
// error_response is Kafka's getErrorResponse: the answer when the handler fails unexpectedly
// (STYLE: the dispatcher turns what a handler leaks into UNKNOWN_SERVER_ERROR).

#include <array>
#include <cstdint>
#include <exception>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/network/request_handler.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/reader.h"
#include "gregor/server/broker_services.h"

namespace gregor::server {

namespace asio = boost::asio;

class handler_table;

struct request_context {
  broker_services& services;
  const handler_table& table;  // what this broker serves (ApiVersions reports it)
  const network::connection_info& connection;
  protocol::request_header header;
  // A handler clears it for requests that get no response (Produce with acks=0).
  bool send_response = true;
  // A handler sets it to close the connection instead of answering (a failed acks=0 Produce: the
  // only way Kafka can tell such a producer that something went wrong).
  bool close_connection = false;

  int16_t version() const { return header.api_version; }
};

// A Kafka error code as the int16 that response fields carry.
inline int16_t code(protocol::error_code e) { return static_cast<int16_t>(e); }

struct api_handler {
  int16_t min_version = 0;
  int16_t max_version = -1;  // -1: not served
  asio::awaitable<network::handler_result> (*invoke)(request_context&, protocol::reader&) = nullptr;
};

class handler_table {
public:
  static constexpr int16_t max_api_key = 127;

  void add(int16_t key, api_handler h) { _handlers.at(static_cast<size_t>(key)) = h; }
  const api_handler* find(int16_t key) const {
    if (key < 0 || key > max_api_key) return nullptr;
    const auto& h = _handlers[static_cast<size_t>(key)];
    return h.invoke != nullptr ? &h : nullptr;
  }
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (size_t k = 0; k < _handlers.size(); ++k) {
      if (_handlers[k].invoke != nullptr) fn(static_cast<int16_t>(k), _handlers[k]);
    }
  }

private:
  std::array<api_handler, max_api_key + 1> _handlers{};
};

template <typename H>
asio::awaitable<network::handler_result> invoke_handler(request_context& ctx, protocol::reader& r) {
  typename H::request req;
  network::handler_result out;
  if (!req.decode(r, ctx.version())) {
    get_logger("server")->warn("closing connection {} from {}: malformed {} v{} request ({})", ctx.connection.id,
                               ctx.connection.peer_host, H::api_key, ctx.version(), r.error());
    out.what = network::handler_result::action::close;
    co_return out;
  }
  typename H::response resp;
  bool failed = false;
  try {
    resp = co_await H::handle(ctx, req);
  } catch (const std::exception& e) {
    get_logger("server")->error("handler for api {} v{} failed: {}", H::api_key, ctx.version(), e.what());
    failed = true;
  }
  if (failed) resp = H::error_response(req, ctx.version(), protocol::error_code::unknown_server_error);
  if (ctx.close_connection) {
    out.what = network::handler_result::action::close;
    co_return out;
  }
  if (!ctx.send_response) {
    out.what = network::handler_result::action::no_response;
    co_return out;
  }
  out.response = protocol::encode_response_frame(ctx.header.correlation_id, H::api_key, ctx.version(), resp);
  co_return out;
}

template <typename H>
void register_handler(handler_table& table) {
  table.add(H::api_key, api_handler{H::min_version, H::max_version, &invoke_handler<H>});
}

// One registration function per API (handlers/<api>.cc).
void register_api_versions(handler_table&);
void register_metadata(handler_table&);
void register_produce(handler_table&);
void register_fetch(handler_table&);
void register_list_offsets(handler_table&);
void register_create_topics(handler_table&);
void register_delete_topics(handler_table&);
void register_describe_configs(handler_table&);
void register_alter_configs(handler_table&);
void register_incremental_alter_configs(handler_table&);
void register_leader_and_isr(handler_table&);
void register_update_metadata(handler_table&);
void register_stop_replica(handler_table&);
void register_describe_log_dirs(handler_table&);
void register_delete_records(handler_table&);
void register_offset_commit(handler_table&);
void register_offset_fetch(handler_table&);
void register_offset_delete(handler_table&);
void register_find_coordinator(handler_table&);
void register_join_group(handler_table&);
void register_sync_group(handler_table&);
void register_heartbeat(handler_table&);
void register_leave_group(handler_table&);
void register_describe_groups(handler_table&);
void register_list_groups(handler_table&);
void register_delete_groups(handler_table&);
void register_controlled_shutdown(handler_table&);
void register_create_partitions(handler_table&);
void register_elect_leaders(handler_table&);
void register_alter_partition_reassignments(handler_table&);
void register_list_partition_reassignments(handler_table&);
void register_offset_for_leader_epoch(handler_table&);
void register_write_txn_markers(handler_table&);
void register_init_producer_id(handler_table&);
void register_add_partitions_to_txn(handler_table&);
void register_add_offsets_to_txn(handler_table&);
void register_end_txn(handler_table&);
void register_txn_offset_commit(handler_table&);
void register_describe_producers(handler_table&);
void register_describe_transactions(handler_table&);
void register_list_transactions(handler_table&);

} // namespace gregor::server
