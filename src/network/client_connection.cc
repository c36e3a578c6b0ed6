#include "gregor/network/client_connection.h"

#include <deque>
#include <optional>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "async_event.h"
#include "frame_io.h"
#include "socket_options.h"
#include "gregor/common/logger.h"
#include "gregor/network/errc.h"

namespace gregor::network {

namespace {

spdlog::logger& client_connection_log() {
  static auto logger = get_logger("network.client");
  return *logger;
}

// A value delivered once by another coroutine of the same strand; `timer` is the wake-up (cancelled
// on delivery) and, for round trips, the deadline.
template <typename T>
struct completion {
  explicit completion(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  void deliver(T v) {
    if (value) return;
    value.emplace(std::move(v));
    timer.cancel();
  }
  std::optional<T> value;
  asio::steady_timer timer;
};

} // namespace

// All members are touched only on `strand`, except `open`, an atomic that is_open() reads and
// close() clears early so that is_open() turns false at once.
struct client_connection::state : std::enable_shared_from_this<client_connection::state> {
  explicit state(asio::any_io_executor ex) : strand(std::move(ex)), socket(strand), writes_changed(strand) {}

  struct write_item {
    iobuf frame;
    std::shared_ptr<completion<std::error_code>> written; // null for round trips
  };

  asio::any_io_executor strand;
  tcp::socket socket;
  std::atomic<bool> open{false};
  bool closed = false;
  std::deque<std::shared_ptr<completion<result<shared_bytes>>>> awaiting; // in write order
  std::deque<write_item> writes;
  async_event writes_changed;

  void start_loops() {
    open = true;
    asio::co_spawn(strand, read_loop(shared_from_this()), asio::detached);
    asio::co_spawn(strand, write_loop(shared_from_this()), asio::detached);
  }

  // Closes the socket and fails everything outstanding with connection_closed.
  void close() {
    open = false;
    if (closed) return;
    closed = true;
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
    for (auto& a : awaiting) a->deliver(unexpected(make_error_code(errc::connection_closed)));
    awaiting.clear();
    for (auto& w : writes) {
      if (w.written) w.written->deliver(make_error_code(errc::connection_closed));
    }
    writes.clear();
    writes_changed.notify_all();
  }

  static asio::awaitable<void> read_loop(std::shared_ptr<state> self) {
    try {
      while (!self->closed) {
        auto frame = co_await read_frame(self->socket, max_response_bytes);
        if (self->closed) break;
        if (!frame) {
          client_connection_log().debug("connection closed while reading: {}", frame.error().message());
          self->close();
          break;
        }
        if (self->awaiting.empty()) {
          client_connection_log().warn("response frame without an outstanding request; closing");
          self->close();
          break;
        }
        auto waiter = std::move(self->awaiting.front());
        self->awaiting.pop_front();
        waiter->deliver(std::move(*frame));
      }
    } catch (const std::exception& e) {
      client_connection_log().error("client reader failed: {}", e.what());
      self->close();
    }
  }

  static asio::awaitable<void> write_loop(std::shared_ptr<state> self) {
    try {
      for (;;) {
        while (!self->closed && self->writes.empty()) co_await self->writes_changed.wait();
        if (self->closed) break;
        write_item item = std::move(self->writes.front());
        self->writes.pop_front();
        std::error_code ec = co_await write_iobuf(self->socket, item.frame);
        if (item.written) item.written->deliver(ec);
        if (ec) {
          client_connection_log().debug("write failed: {}", ec.message());
          self->close();
          break;
        }
      }
    } catch (const std::exception& e) {
      client_connection_log().error("client writer failed: {}", e.what());
      self->close();
    }
  }

  // The coroutines below run on `strand` (co_spawned there) and return a default-constructible
  // optional because co_spawn needs one; they always fill it.
  static asio::awaitable<std::optional<result<shared_bytes>>> do_round_trip(std::shared_ptr<state> self,
                                                                           iobuf frame,
                                                                           std::chrono::milliseconds timeout) {
    if (self->closed) co_return result<shared_bytes>(unexpected(make_error_code(errc::connection_closed)));
    auto waiter = std::make_shared<completion<result<shared_bytes>>>(self->strand);
    waiter->timer.expires_after(timeout);
    // The response slot and the frame are queued together, so slots stay in write order.
    self->awaiting.push_back(waiter);
    self->writes.push_back(write_item{std::move(frame), nullptr});
    self->writes_changed.notify_all();
    while (!waiter->value) {
      auto [ec] = co_await waiter->timer.async_wait(nothrow_awaitable);
      if (!ec && !waiter->value) {
        // A late response could no longer be matched to its request: give up on the connection.
        client_connection_log().debug("round trip timed out after {} ms; closing", timeout.count());
        waiter->deliver(unexpected(make_error_code(errc::timed_out)));
        self->close();
      }
    }
    co_return std::move(*waiter->value);
  }

  static asio::awaitable<std::optional<result<void>>> do_send_only(std::shared_ptr<state> self, iobuf frame) {
    if (self->closed) co_return result<void>(unexpected(make_error_code(errc::connection_closed)));
    auto written = std::make_shared<completion<std::error_code>>(self->strand);
    self->writes.push_back(write_item{std::move(frame), written});
    self->writes_changed.notify_all();
    while (!written->value) co_await written->timer.async_wait(nothrow_awaitable);
    if (*written->value) co_return result<void>(unexpected(*written->value));
    co_return result<void>();
  }

  static asio::awaitable<std::optional<result<std::shared_ptr<state>>>> do_connect(
      asio::any_io_executor strand, std::string host, uint16_t port, std::chrono::milliseconds timeout) {
    using ret = result<std::shared_ptr<state>>;
    auto self = std::make_shared<state>(strand);
    auto resolver = std::make_shared<tcp::resolver>(strand);
    // The deadline cancels whichever step is in progress. `done` guards against a timer completion
    // that was already queued when we cancelled it.
    auto timer = std::make_shared<asio::steady_timer>(strand, timeout);
    auto done = std::make_shared<bool>(false);
    auto expired = std::make_shared<bool>(false);
    auto cancel = std::make_shared<asio::cancellation_signal>();
    timer->async_wait([resolver, cancel, done, expired](const boost::system::error_code& ec) {
      if (ec || *done) return;
      *expired = true;
      resolver->cancel();
      cancel->emit(asio::cancellation_type::terminal); // stops the range connect, not just one attempt
    });
    auto finish = [&](ret r) -> ret {
      *done = true;
      timer->cancel();
      return r;
    };

    auto [rec, endpoints] = co_await resolver->async_resolve(host, std::to_string(port), nothrow_awaitable);
    if (*expired) co_return finish(unexpected(make_error_code(errc::timed_out)));
    if (rec) co_return finish(unexpected(to_std(rec)));
    if (endpoints.empty()) co_return finish(unexpected(make_error_code(errc::resolve_failed)));

    auto [cec, endpoint] = co_await asio::async_connect(self->socket, endpoints,
                                                           asio::bind_cancellation_slot(cancel->slot(), nothrow_awaitable));
    if (*expired) co_return finish(unexpected(make_error_code(errc::timed_out)));
    if (cec) co_return finish(unexpected(to_std(cec)));
    if (auto ec = apply_socket_options(self->socket, -1, -1)) {
      client_connection_log().debug("cannot set socket options on connection to {}:{}: {}", host, port, ec.message());
    }
    self->start_loops();
    co_return finish(std::move(self));
  }
};

asio::awaitable<result<std::unique_ptr<client_connection>>> client_connection::connect(
    asio::any_io_executor ex, std::string host, uint16_t port, std::chrono::milliseconds timeout) {
  auto strand = asio::make_strand(ex);
  std::optional<result<std::shared_ptr<state>>> r;
  try {
    r = co_await asio::co_spawn(strand, state::do_connect(strand, std::move(host), port, timeout),
                                asio::use_awaitable);
  } catch (const std::exception& e) {
    client_connection_log().error("connect failed: {}", e.what());
    co_return unexpected(make_error_code(errc::connection_closed));
  }
  if (!r->has_value()) co_return unexpected(r->error());
  co_return std::unique_ptr<client_connection>(new client_connection(std::move(r->value())));
}

client_connection::client_connection(std::shared_ptr<state> s) : _state(std::move(s)) {}

client_connection::~client_connection() { close(); }

asio::awaitable<result<shared_bytes>> client_connection::round_trip(iobuf frame, std::chrono::milliseconds timeout) {
  try {
    auto r = co_await asio::co_spawn(_state->strand, state::do_round_trip(_state, std::move(frame), timeout),
                                     asio::use_awaitable);
    co_return std::move(*r);
  } catch (const std::exception& e) {
    client_connection_log().error("round trip failed: {}", e.what());
  }
  co_return unexpected(make_error_code(errc::connection_closed));
}

asio::awaitable<result<void>> client_connection::send_only(iobuf frame) {
  try {
    auto r = co_await asio::co_spawn(_state->strand, state::do_send_only(_state, std::move(frame)),
                                     asio::use_awaitable);
    co_return std::move(*r);
  } catch (const std::exception& e) {
    client_connection_log().error("send failed: {}", e.what());
  }
  co_return unexpected(make_error_code(errc::connection_closed));
}

void client_connection::close() {
  if (!_state) return;
  _state->open = false;
  asio::post(_state->strand, [s = _state] { s->close(); });
}

bool client_connection::is_open() const { return _state && _state->open; }

} // namespace gregor::network
