#pragma once
// A client side connection that speaks the same framing: send a frame, get the next frame back.
// Used by the controller's channel to brokers and by our CLI tools. Kafka-agnostic: it matches
// responses to requests by order (FIFO), never by correlation id.
//
// Thread-safety: every method may be called from any thread or coroutine; the connection's state
// lives on a strand of the executor given to connect(). Several callers may have round_trip()s in
// flight at once (pipelining); frames are written in call order.
//
// Failure model: when a round trip times out, the connection is closed (a late response could no
// longer be matched to its request) and every other outstanding request fails with
// errc::connection_closed. After any read or write error the connection is closed, too. A closed
// connection stays closed: connect again.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/network/asio_fwd.h"

namespace gregor::network {

class client_connection {
public:
  // Largest response frame accepted; a larger size prefix closes the connection (checked before
  // any allocation).
  static constexpr size_t max_response_bytes = size_t{512} << 20;

  // Resolves `host` and connects (TCP_NODELAY on). Fails with the system error (e.g.
  // connection_refused), errc::resolve_failed or errc::timed_out.
  static asio::awaitable<result<std::unique_ptr<client_connection>>> connect(
      asio::any_io_executor ex, std::string host, uint16_t port, std::chrono::milliseconds timeout);

  // Closes the socket (outstanding calls fail with errc::connection_closed).
  ~client_connection();
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  // Sends a complete frame (size prefix included) and waits for the next response frame (the bytes
  // after the size prefix). Several callers may pipeline: responses are matched to requests in FIFO
  // order. On timeout the connection is closed and errc::timed_out returned.
  asio::awaitable<result<shared_bytes>> round_trip(iobuf frame, std::chrono::milliseconds timeout);

  // Sends a frame that gets no response (e.g. acks=0 produce); completes once it has been written
  // to the socket.
  asio::awaitable<result<void>> send_only(iobuf frame);

  // Closes the socket; outstanding calls fail with errc::connection_closed. Idempotent.
  void close();
  bool is_open() const;

  struct state; // internal; kept alive by in-flight operations

private:
  explicit client_connection(std::shared_ptr<state> s);
  std::shared_ptr<state> _state;
};

} // namespace gregor::network
