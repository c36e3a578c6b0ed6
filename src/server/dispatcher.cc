#include "gregor/server/dispatcher.h"

#include "gregor/protocol/messages/api_versions.h"
#include "handler.h"

namespace gregor::server {

namespace {

handler_table build_table() {
  handler_table t;
  register_api_versions(t);
  register_metadata(t);
  register_produce(t);
  register_fetch(t);
  register_list_offsets(t);
  register_create_topics(t);
  register_delete_topics(t);
  register_describe_configs(t);
  register_alter_configs(t);
  register_incremental_alter_configs(t);
  register_leader_and_isr(t);
  register_update_metadata(t);
  register_stop_replica(t);
  register_describe_log_dirs(t);
  register_delete_records(t);
  register_offset_commit(t);
  register_offset_fetch(t);
  register_offset_delete(t);
  register_find_coordinator(t);
  register_join_group(t);
  register_sync_group(t);
  register_heartbeat(t);
  register_leave_group(t);
  register_describe_groups(t);
  register_list_groups(t);
  register_delete_groups(t);
  register_controlled_shutdown(t);
  register_create_partitions(t);
  register_elect_leaders(t);
  register_alter_partition_reassignments(t);
  register_list_partition_reassignments(t);
  register_offset_for_leader_epoch(t);
  register_write_txn_markers(t);
  register_init_producer_id(t);
  register_add_partitions_to_txn(t);
  register_add_offsets_to_txn(t);
  register_end_txn(t);
  register_txn_offset_commit(t);
  register_describe_producers(t);
  register_describe_transactions(t);
  register_list_transactions(t);
  return t;
}

// WIRE-PROTOCOL-NOTES §4.2: an ApiVersions request above our max gets a v0-format body with
// UNSUPPORTED_VERSION and our own ApiVersions range, whatever version the client used.
network::handler_result unsupported_api_versions(int32_t correlation_id, const api_handler& h) {
  protocol::api_versions_response resp;
  resp.error_code = static_cast<int16_t>(protocol::error_code::unsupported_version);
  auto& k = resp.api_keys.emplace_back();
  k.api_key = 18;
  k.min_version_ = h.min_version;
  k.max_version_ = h.max_version;
  network::handler_result out;
  out.response = protocol::encode_response_frame(correlation_id, 18, 0, resp);
  return out;
}

} // namespace

dispatcher::dispatcher(broker_services& services)
  : _services(services), _table(std::make_unique<handler_table>(build_table())) {}

dispatcher::~dispatcher() = default;

asio::awaitable<network::handler_result> dispatcher::handle(const network::connection_info& conn,
                                                            shared_bytes frame) {
  network::handler_result close;
  close.what = network::handler_result::action::close;

  protocol::reader r(frame);
  protocol::request_header header;
  if (!protocol::decode_request_header(r, header)) {
    get_logger("server")->warn("closing connection {} from {}:{}: unreadable request header", conn.id, conn.peer_host,
                               conn.peer_port);
    co_return close;
  }
  const api_handler* h = _table->find(header.api_key);
  if (h == nullptr) {
    get_logger("server")->info("closing connection {} from {}:{}: api key {} is not served", conn.id, conn.peer_host,
                               conn.peer_port, header.api_key);
    co_return close;
  }
  if (header.api_version < h->min_version || header.api_version > h->max_version) {
    if (header.api_key == 18 && header.api_version > h->max_version) {
      co_return unsupported_api_versions(header.correlation_id, *h);
    }
    get_logger("server")->info("closing connection {} from {}:{}: api key {} version {} is not served (range {}-{})",
                               conn.id, conn.peer_host, conn.peer_port, header.api_key, header.api_version,
                               h->min_version, h->max_version);
    co_return close;
  }
  request_context ctx{_services, *_table, conn, std::move(header)};
  co_return co_await h->invoke(ctx, r);
}

} // namespace gregor::server
