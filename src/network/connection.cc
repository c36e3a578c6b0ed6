#include "connection.h"

#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "frame_io.h"
#include "gregor/common/logger.h"
#include "gregor/network/errc.h"

namespace gregor::network {

namespace {
spdlog::logger& log() {
  static auto logger = get_logger("network");
  return *logger;
}
} // namespace

connection::connection(tcp::socket socket, connection_info info, std::shared_ptr<server::state> server)
  : _socket(std::move(socket)),
    _info(std::move(info)),
    _server(std::move(server)),
    _requests_changed(_socket.get_executor()),
    _responses_changed(_socket.get_executor()),
    _idle_timer(_socket.get_executor()),
    _last_activity(clock::now()) {}

void connection::start() {
  // Posted so that the loop counter and the coroutines are set up on the strand.
  asio::post(_socket.get_executor(), [self = shared_from_this()] {
    const bool idle_check = self->_server->opts.idle_timeout_ms > 0;
    self->_running_loops = idle_check ? 4 : 3;
    auto ex = self->_socket.get_executor();
    asio::co_spawn(ex, self->guarded(self, &connection::read_loop, "reader"), asio::detached);
    asio::co_spawn(ex, self->guarded(self, &connection::handle_loop, "handler"), asio::detached);
    asio::co_spawn(ex, self->guarded(self, &connection::write_loop, "writer"), asio::detached);
    if (idle_check) asio::co_spawn(ex, self->guarded(self, &connection::idle_loop, "idle"), asio::detached);
  });
}

void connection::begin_drain() {
  asio::post(_socket.get_executor(), [self = shared_from_this()] { self->stop_reading(); });
}

void connection::force_close() {
  asio::post(_socket.get_executor(), [self = shared_from_this()] { self->close("server shutting down"); });
}

// Runs one loop; whatever way it ends (normally, by error, by exception), the connection is left in
// a consistent state and the last loop to finish reports the connection closed.
asio::awaitable<void> connection::guarded(std::shared_ptr<connection> self, loop_fn loop, const char* name) {
  (void)self; // held only to keep the connection alive for the whole coroutine
  try {
    co_await (this->*loop)();
  } catch (const std::exception& e) {
    log().error("connection {} ({}:{}): {} failed: {}", _info.id, _info.peer_host, _info.peer_port, name,
                e.what());
    close("internal error");
  } catch (...) {
    log().error("connection {}: {} failed with an unknown exception", _info.id, name);
    close("internal error");
  }
  if (--_running_loops == 0) {
    close("done"); // no-op unless every loop ended without closing (cannot happen today; cheap insurance)
    try {
      _server->handler.on_connection_closed(_info);
    } catch (const std::exception& e) {
      log().error("connection {}: on_connection_closed threw: {}", _info.id, e.what());
    } catch (...) {
      log().error("connection {}: on_connection_closed threw", _info.id);
    }
    _server->connection_finished(_info.id);
  }
}

asio::awaitable<void> connection::read_loop() {
  const size_t max_queued = std::max<size_t>(1, _server->opts.max_queued_frames_per_connection);
  while (!_closed && !_stop_reading) {
    // Back-pressure: while the read-ahead queue is full, leave the bytes in the kernel (and the
    // client's send buffer) rather than in our memory.
    while (!_closed && !_stop_reading && _requests.size() >= max_queued) co_await _requests_changed.wait();
    if (_closed || _stop_reading) break;

    auto frame = co_await read_frame(_socket, _server->opts.max_frame_bytes, _read_cancel.slot());
    if (!frame) {
      const auto& ec = frame.error();
      if (_closed || (_stop_reading && ec == std::errc::operation_canceled)) break;
      if (ec == errc::frame_too_large || ec == errc::invalid_frame_size) {
        log().info("connection {} ({}:{}) on {}: closing: {}", _info.id, _info.peer_host, _info.peer_port,
                   _info.listener_name, ec.message());
      } else {
        log().debug("connection {} ({}:{}): read ended: {}", _info.id, _info.peer_host, _info.peer_port,
                    ec.message());
      }
      close("read ended");
      break;
    }
    touch();
    _requests.push_back(std::move(*frame));
    _requests_changed.notify_all();
  }
  _reader_done = true;
  _requests_changed.notify_all();
}

asio::awaitable<void> connection::handle_loop() {
  const size_t max_queued = std::max<size_t>(1, _server->opts.max_queued_frames_per_connection);
  for (;;) {
    while (!_closed && _requests.empty() && !_reader_done) co_await _requests_changed.wait();
    if (_closed || _requests.empty()) break; // closed, or drained: the reader is done and nothing is left
    // Do not run ahead of a slow reader on the other end: bound the responses waiting to be written.
    while (!_closed && _responses.size() >= max_queued) co_await _responses_changed.wait();
    if (_closed) break;

    shared_bytes frame = std::move(_requests.front());
    _requests.pop_front();
    _requests_changed.notify_all(); // room for the reader

    _handling = true;
    handler_result result = co_await _server->handler.handle(_info, std::move(frame));
    _handling = false;
    touch();
    if (_closed) break;

    switch (result.what) {
    case handler_result::action::respond:
      _responses.push_back(response{std::move(result.response), false});
      _responses_changed.notify_all();
      break;
    case handler_result::action::no_response:
      break;
    case handler_result::action::close:
      log().debug("connection {}: handler asked to close", _info.id);
      stop_reading();
      _requests.clear();
      _responses.push_back(response{iobuf{}, true});
      _responses_changed.notify_all();
      break;
    }
  }
  _handler_done = true;
  _responses_changed.notify_all();
}

asio::awaitable<void> connection::write_loop() {
  for (;;) {
    while (!_closed && _responses.empty() && !_handler_done) co_await _responses_changed.wait();
    if (_closed) break;
    if (_responses.empty()) { // the handler loop has finished and everything is written
      close("drained");
      break;
    }
    response item = std::move(_responses.front());
    _responses.pop_front();
    _responses_changed.notify_all(); // room for the handler loop
    if (item.close_after) {
      close("closed by handler");
      break;
    }
    _writing = true;
    std::error_code ec = co_await write_iobuf(_socket, item.frame);
    _writing = false;
    if (ec) {
      if (!_closed) {
        if (ec == errc::file_truncated) {
          log().warn("connection {} ({}:{}): closing: a response's file range is past the end of its file",
                     _info.id, _info.peer_host, _info.peer_port);
        } else {
          log().debug("connection {}: write failed: {}", _info.id, ec.message());
        }
      }
      close("write failed");
      break;
    }
    touch();
  }
}

asio::awaitable<void> connection::idle_loop() {
  const auto idle = std::chrono::milliseconds(_server->opts.idle_timeout_ms);
  while (!_closed) {
    _idle_timer.expires_at(_last_activity + idle);
    co_await _idle_timer.async_wait(nothrow_awaitable); // expiry and cancellation both lead to a re-check
    if (_closed) break;
    if (clock::now() < _last_activity + idle) continue;
    if (busy()) {
      touch(); // a slow request or a slow reader is not idleness
      continue;
    }
    log().info("connection {} ({}:{}): closing after {} ms idle", _info.id, _info.peer_host, _info.peer_port,
               idle.count());
    close("idle");
    break;
  }
}

bool connection::busy() const {
  return _handling || _writing || !_requests.empty() || !_responses.empty();
}

void connection::stop_reading() {
  if (_closed || _stop_reading) return;
  _stop_reading = true;
  _read_cancel.emit(asio::cancellation_type::terminal);
  _requests_changed.notify_all();
}

void connection::close(std::string_view reason) {
  if (_closed) return;
  _closed = true;
  log().trace("connection {}: close ({})", _info.id, reason);
  boost::system::error_code ignored;
  _socket.shutdown(tcp::socket::shutdown_both, ignored);
  _socket.close(ignored);
  _requests.clear();
  _responses.clear();
  _requests_changed.notify_all();
  _responses_changed.notify_all();
  _idle_timer.cancel();
}

} // namespace gregor::network
