#pragma once
// One connection to one broker, with the API versions negotiated on it (ApiVersions handshake at
// open, with the §4 fallback). Private to the client.
//
// Not thread-safe: owned by one client, used from its executor. Several calls may be in flight
// (network::client_connection pipelines them and matches responses in FIFO order); each
// response's correlation id is still checked.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gregor/client/api_version_table.h"
#include "gregor/client/bootstrap.h"
#include "gregor/client/errc.h"
#include "gregor/common/result.h"
#include "gregor/network/client_connection.h"
#include "gregor/protocol/framing.h"

namespace gregor::client {

namespace asio = boost::asio;

class node_connection {
public:
  // Connects and runs the ApiVersions handshake. Errors: the network error of the connect,
  // unsupported_version when no ApiVersions version is accepted, or the broker's error code.
  static asio::awaitable<result<std::shared_ptr<node_connection>>> open(asio::any_io_executor ex, broker_address addr,
                                                                       std::string client_id,
                                                                       std::chrono::milliseconds connect_timeout,
                                                                       std::chrono::milliseconds request_timeout);

  const api_version_table& versions() const { return _versions; }
  // The version to send `api_key` at; unsupported_version if the broker and we share none.
  result<int16_t> version_for(int16_t api_key) const;
  const broker_address& address() const { return _addr; }
  bool is_open() const { return _conn && _conn->is_open(); }
  void close();

  // Sends `req` at `version` and decodes the response. malformed_response when the response
  // does not decode or carries another correlation id.
  template <class Resp, class Req>
  asio::awaitable<result<Resp>> call(int16_t version, Req req, std::chrono::milliseconds timeout) {
    protocol::request_header h = make_header(Req::api_key_value, version);
    iobuf frame = protocol::encode_request_frame(h, req);
    auto raw = co_await exchange(std::move(frame), timeout);
    if (!raw) co_return unexpected(raw.error());
    Resp resp;
    if (!decode_body(*raw, h, resp)) co_return unexpected(make_error_code(client_errc::malformed_response));
    co_return resp;
  }

  // Sends a request that gets no response (Produce with acks=0).
  template <class Req>
  asio::awaitable<result<void>> send_only(int16_t version, Req req) {
    protocol::request_header h = make_header(Req::api_key_value, version);
    iobuf frame = protocol::encode_request_frame(h, req);
    co_return co_await _conn->send_only(std::move(frame));
  }

private:
  node_connection(std::unique_ptr<network::client_connection> conn, broker_address addr, std::string client_id)
    : _conn(std::move(conn)), _addr(std::move(addr)), _client_id(std::move(client_id)) {}

  protocol::request_header make_header(int16_t api_key, int16_t version);
  asio::awaitable<result<shared_bytes>> exchange(iobuf frame, std::chrono::milliseconds timeout);
  asio::awaitable<result<void>> handshake(std::chrono::milliseconds timeout);

  // Reads the response header, checks the correlation id and decodes the body into `out`.
  template <class Resp>
  static bool decode_body(const shared_bytes& raw, const protocol::request_header& h, Resp& out) {
    protocol::reader r(raw);
    int32_t correlation = 0;
    if (!protocol::decode_response_header(r, h.api_key, h.api_version, correlation)) return false;
    if (correlation != h.correlation_id) return false;
    return out.decode(r, h.api_version) && r.ok();
  }

  std::unique_ptr<network::client_connection> _conn;
  broker_address _addr;
  std::string _client_id;
  int32_t _next_correlation = 1;
  api_version_table _versions;
};

} // namespace gregor::client
