#pragma once
// One accepted connection of the server: framing, read-ahead, in-order handling and writing.
// See the threading model in gregor/network/server.h.
//
// Four coroutines share the connection on its strand: reader (socket -> _requests), handler loop
// (_requests -> handle() -> _responses), writer (_responses -> socket) and idle watchdog. Each holds
// a shared_ptr to the connection; when the last one exits, the connection tells the server and the
// handler that it is closed.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "async_event.h"
#include "server_state.h"
#include "gregor/common/iobuf.h"
#include "gregor/network/connection_info.h"

namespace gregor::network {

class connection : public std::enable_shared_from_this<connection> {
public:
  // `socket` must be bound to a strand executor; everything below runs on it.
  connection(tcp::socket socket, connection_info info, std::shared_ptr<server::state> server);

  const connection_info& info() const { return _info; }

  // Starts the coroutines. Call once, after registration.
  void start();
  // Stop reading; finish what was received; then close. Thread-safe.
  void begin_drain();
  // Close now. Thread-safe.
  void force_close();

private:
  using clock = std::chrono::steady_clock;
  using loop_fn = asio::awaitable<void> (connection::*)();

  struct response {
    iobuf frame;
    bool close_after = false; // a handler asked to close: nothing more is written
  };

  asio::awaitable<void> guarded(std::shared_ptr<connection> self, loop_fn loop, const char* name);
  asio::awaitable<void> read_loop();
  asio::awaitable<void> handle_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> idle_loop();

  void stop_reading();
  void close(std::string_view reason);
  void touch() { _last_activity = clock::now(); }
  bool busy() const;

  tcp::socket _socket;
  const connection_info _info;
  const std::shared_ptr<server::state> _server;

  std::deque<shared_bytes> _requests;
  std::deque<response> _responses;
  async_event _requests_changed;
  async_event _responses_changed;
  asio::cancellation_signal _read_cancel;
  asio::steady_timer _idle_timer;
  clock::time_point _last_activity;

  int _running_loops = 0;
  bool _closed = false;
  bool _stop_reading = false; // draining, or a handler asked to close
  bool _reader_done = false;
  bool _handler_done = false;
  bool _handling = false;
  bool _writing = false;
};

} // namespace gregor::network
