#pragma once
// The socket server: accepts connections on every listener and turns each connection's byte stream
// into frames for a request_handler, writing the handler's responses back in request order.
// It knows frames (int32 big-endian size prefix + body), never Kafka headers.
//
// Threading model
// ---------------
// One asio::io_context, run by N worker threads (N chosen by the caller; the broker passes the
// number of cores). Every connection lives on its own strand of that io_context; its reader,
// handler loop, writer and idle watchdog coroutines all run there, so a connection's state needs
// no locks. The request_handler runs on the connection's strand and may hop to other executors
// (e.g. a partition's strand) and back. Each acceptor runs on a strand of its own. The only shared
// mutable state is the connection registry (a mutex; touched on accept/close and by
// connection_count()).
//
// Per connection: reader -> bounded frame queue (read-ahead of max_queued_frames_per_connection;
// when full the reader stops reading, which back-pressures the client through TCP) -> handler loop
// (one handle() at a time, arrival order) -> bounded response queue -> writer (memory chunks in
// one gathered write, file ranges with sendfile(2)). A frame whose size is negative or above
// max_frame_bytes closes the connection before any body memory is allocated.
//
// Lifecycle: construct, start() (binds; throws nothing), run the io_context, then shut down in two
// phases: stop_accepting(), co_await drain_and_close(timeout); then stop the io_context and
// destroy. Connections keep the server's internal state alive, so destroying the server object
// while the io_context still runs is safe; the request_handler must outlive the io_context's run,
// and the server object must be destroyed before the io_context.
//
// Public methods are thread-safe unless stated otherwise.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "gregor/common/result.h"
#include "gregor/network/asio_fwd.h"
#include "gregor/network/options.h"
#include "gregor/network/request_handler.h"

namespace gregor::network {

// Why start() failed and for which listener. Converts to std::error_code, so it can be forwarded
// into a result<T> with the default error type.
struct start_error {
  std::string listener; // listener_options::name of the listener that failed
  std::string address;  // "host:port" as configured
  std::error_code code;

  std::string message() const; // "listener PLAINTEXT (:9092): Address already in use"
  operator std::error_code() const { return code; }
};

class server {
public:
  // `io` and `handler` must outlive the io_context's run. Nothing happens until start().
  server(asio::io_context& io, server_options opts, request_handler& handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and listens on every listener, then starts accepting. On failure no listener is left
  // open. Call once, before the io_context's workers need to accept (it may be called while they
  // already run).
  result<void, start_error> start();

  // The port a listener is bound to (the ephemeral one when configured with port 0); 0 if there is
  // no such listener or start() has not succeeded.
  uint16_t bound_port(const std::string& listener_name) const;

  // Closes every acceptor. Existing connections carry on. Idempotent.
  void stop_accepting();

  // Stops accepting, stops reading new frames on every connection, waits until every frame already
  // received has been handled and its response written, then closes the connections. A frame only
  // partly received is dropped. After `timeout` the remaining connections are closed forcibly
  // (their in-flight handle() calls still run to completion, but nothing more is written). May be
  // awaited from any executor.
  asio::awaitable<void> drain_and_close(std::chrono::milliseconds timeout);

  // Number of connections not yet fully closed.
  size_t connection_count() const;

  struct state; // internal; shared with the connections

private:
  std::shared_ptr<state> _state;
};

} // namespace gregor::network
