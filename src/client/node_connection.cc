#include "node_connection.h"

#include "gregor/network/errc.h"
#include "gregor/protocol/api.h"
#include "gregor/protocol/messages/api_versions.h"

namespace gregor::client {

namespace {
constexpr int16_t api_versions_key = static_cast<int16_t>(protocol::api_key::api_versions);
// Must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? (brokers check it, §4).
constexpr const char* software_name = "gregor-client";
constexpr const char* software_version = "0.1.0";
} // namespace

asio::awaitable<result<std::shared_ptr<node_connection>>> node_connection::open(asio::any_io_executor ex,
                                                                               broker_address addr,
                                                                               std::string client_id,
                                                                               std::chrono::milliseconds connect_timeout,
                                                                               std::chrono::milliseconds request_timeout) {
  auto conn = co_await network::client_connection::connect(ex, addr.host, addr.port, connect_timeout);
  if (!conn) co_return unexpected(conn.error());
  std::shared_ptr<node_connection> node(new node_connection(std::move(*conn), std::move(addr), std::move(client_id)));
  auto shaken = co_await node->handshake(request_timeout);
  if (!shaken) {
    node->close();
    co_return unexpected(shaken.error());
  }
  co_return node;
}

result<int16_t> node_connection::version_for(int16_t api_key) const {
  auto v = _versions.negotiate(api_key);
  if (!v) return unexpected(make_error_code(client_errc::unsupported_version));
  return *v;
}

void node_connection::close() {
  if (_conn) _conn->close();
}

protocol::request_header node_connection::make_header(int16_t api_key, int16_t version) {
  protocol::request_header h;
  h.api_key = api_key;
  h.api_version = version;
  h.correlation_id = _next_correlation++;
  if (_next_correlation == INT32_MAX) _next_correlation = 1;
  h.client_id = _client_id;
  return h;
}

asio::awaitable<result<shared_bytes>> node_connection::exchange(iobuf frame, std::chrono::milliseconds timeout) {
  if (!_conn) co_return unexpected(make_error_code(network::errc::connection_closed));
  co_return co_await _conn->round_trip(std::move(frame), timeout);
}

asio::awaitable<result<void>> node_connection::handshake(std::chrono::milliseconds timeout) {
  int16_t version = client_range(api_versions_key)->max;
  for (;;) {
    protocol::api_versions_request req;
    req.client_software_name = software_name;
    req.client_software_version = software_version;
    protocol::request_header h = make_header(api_versions_key, version);
    iobuf frame = protocol::encode_request_frame(h, req);
    auto raw = co_await exchange(std::move(frame), timeout);
    if (!raw) co_return unexpected(raw.error());
    // A broker answers a version it does not know with a v0 body (§4), so a body that does not
    // decode as the version sent is tried again as v0, as Java clients do.
    protocol::api_versions_response resp;
    if (!decode_body(*raw, h, resp)) {
      protocol::request_header v0 = h;
      v0.api_version = 0;
      resp = {};
      if (!decode_body(*raw, v0, resp)) co_return unexpected(make_error_code(client_errc::malformed_response));
    }
    if (resp.error_code == static_cast<int16_t>(protocol::error_code::unsupported_version)) {
      auto next = api_versions_retry_version(version, resp);
      if (!next) co_return unexpected(make_error_code(client_errc::unsupported_version));
      version = *next;
      continue;
    }
    if (resp.error_code != 0) co_return unexpected(kafka_error(resp.error_code));
    _versions = api_version_table::from_response(resp);
    co_return result<void>{};
  }
}

} // namespace gregor::client
