#include "gregor/network/server.h"

#include <algorithm>
#include <csignal>
#include <mutex>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/ip/v6_only.hpp>

#include "connection.h"
#include "server_state.h"
#include "socket_options.h"
#include "gregor/common/logger.h"

namespace gregor::network {

namespace {

spdlog::logger& server_log() {
  static auto logger = get_logger("network");
  return *logger;
}

// sendfile(2) has no MSG_NOSIGNAL: writing to a socket the peer has reset would raise SIGPIPE and
// kill the process. Errors are handled as EPIPE instead.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

// Binds `l` per `opts`. "" binds every interface: IPv6 dual-stack if the host has IPv6, else IPv4.
boost::system::error_code bind_listener(listener& l, const listener_options& opts, int receive_buffer_bytes) {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  bool dual_stack = false;
  if (opts.host.empty()) {
    l.acceptor.open(tcp::v6(), ec);
    if (!ec) {
      dual_stack = true;
      endpoint = tcp::endpoint(tcp::v6(), opts.port);
    } else {
      endpoint = tcp::endpoint(tcp::v4(), opts.port);
    }
  } else {
    auto address = asio::ip::make_address(opts.host, ec);
    if (ec) {
      tcp::resolver resolver(l.acceptor.get_executor());
      auto results = resolver.resolve(opts.host, std::to_string(opts.port), tcp::resolver::passive, ec);
      if (ec) return ec;
      if (results.empty()) return asio::error::host_not_found;
      endpoint = results.begin()->endpoint();
    } else {
      endpoint = tcp::endpoint(address, opts.port);
    }
  }
  if (!l.acceptor.is_open()) {
    l.acceptor.open(endpoint.protocol(), ec);
    if (ec) return ec;
  }
  if (dual_stack) l.acceptor.set_option(asio::ip::v6_only(false), ec); // best effort
  l.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return ec;
  // Set on the listening socket so accepted sockets start with it (the TCP window scale is agreed
  // during the handshake).
  if (receive_buffer_bytes != -1) {
    l.acceptor.set_option(asio::socket_base::receive_buffer_size(receive_buffer_bytes), ec);
    if (ec) return ec;
  }
  l.acceptor.bind(endpoint, ec);
  if (ec) return ec;
  l.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  auto local = l.acceptor.local_endpoint(ec);
  if (ec) return ec;
  l.port = local.port();
  return {};
}

std::string peer_host_of(const tcp::endpoint& ep) {
  auto address = ep.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

asio::awaitable<void> accept_loop(std::shared_ptr<server::state> st, std::shared_ptr<listener> l) {
  for (;;) {
    auto [ec, socket] = co_await l->acceptor.async_accept(
        asio::any_io_executor(asio::make_strand(st->io)), nothrow_awaitable);
    if (ec) {
      if (ec == asio::error::operation_aborted || !l->acceptor.is_open()) break;
      // Typically EMFILE/ENFILE: back off instead of spinning on an error that persists.
      server_log().warn("listener {}: accept failed: {}", l->name, ec.message());
      asio::steady_timer backoff(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await backoff.async_wait(nothrow_awaitable);
      if (!l->acceptor.is_open()) break;
      continue;
    }
    boost::system::error_code peer_ec;
    auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue; // reset before we got to it; the socket closes on destruction
    if (auto opt_ec = apply_socket_options(socket, st->opts.send_buffer_bytes, st->opts.receive_buffer_bytes)) {
      server_log().warn("listener {}: cannot set socket options: {}", l->name, opt_ec.message());
    }
    connection_info info{st->next_connection_id.fetch_add(1), l->name, peer_host_of(peer), peer.port()};
    auto conn = std::make_shared<connection>(std::move(socket), std::move(info), st);
    if (!st->register_connection(conn)) break; // stopped accepting meanwhile; drop it
    server_log().debug("listener {}: connection {} from {}:{}", l->name, conn->info().id, conn->info().peer_host,
                conn->info().peer_port);
    conn->start();
  }
  server_log().debug("listener {}: accept loop ended", l->name);
}

void close_listener(const std::shared_ptr<listener>& l) {
  asio::post(l->acceptor.get_executor(), [l] {
    boost::system::error_code ignored;
    l->acceptor.close(ignored);
  });
}

} // namespace

std::string start_error::message() const {
  return "listener " + listener + " (" + address + "): " + code.message();
}

bool server::state::register_connection(const std::shared_ptr<connection>& c) {
  std::lock_guard lock(mutex);
  if (!accepting) return false;
  connections.emplace(c->info().id, c);
  return true;
}

void server::state::connection_finished(uint64_t id) {
  std::lock_guard lock(mutex);
  connections.erase(id);
}

size_t server::state::count() const {
  std::lock_guard lock(mutex);
  return connections.size();
}

std::vector<std::shared_ptr<connection>> server::state::stop_and_snapshot() {
  std::lock_guard lock(mutex);
  accepting = false;
  std::vector<std::shared_ptr<connection>> out;
  out.reserve(connections.size());
  for (auto& [id, weak] : connections) {
    if (auto c = weak.lock()) out.push_back(std::move(c));
  }
  return out;
}

server::server(asio::io_context& io, server_options opts, request_handler& handler)
  : _state(std::make_shared<state>(io, std::move(opts), handler)) {}

server::~server() { stop_accepting(); }

result<void, start_error> server::start() {
  ignore_sigpipe();
  std::vector<std::shared_ptr<listener>> bound;
  for (const auto& opts : _state->opts.listeners) {
    auto l = std::make_shared<listener>(opts.name, asio::make_strand(_state->io));
    if (auto ec = bind_listener(*l, opts, _state->opts.receive_buffer_bytes)) {
      for (auto& b : bound) {
        boost::system::error_code ignored;
        b->acceptor.close(ignored);
      }
      start_error err{opts.name, opts.host + ":" + std::to_string(opts.port), to_std(ec)};
      server_log().error("cannot start: {}", err.message());
      return unexpected(std::move(err));
    }
    server_log().info("listener {} bound to {}:{}", opts.name, opts.host.empty() ? "*" : opts.host, l->port);
    bound.push_back(std::move(l));
  }
  _state->listeners = bound;
  for (auto& l : bound) {
    asio::co_spawn(l->acceptor.get_executor(), accept_loop(_state, l), asio::detached);
  }
  return {};
}

uint16_t server::bound_port(const std::string& listener_name) const {
  for (const auto& l : _state->listeners) {
    if (l->name == listener_name) return l->port;
  }
  return 0;
}

void server::stop_accepting() {
  {
    std::lock_guard lock(_state->mutex);
    _state->accepting = false;
  }
  for (const auto& l : _state->listeners) close_listener(l);
}

size_t server::connection_count() const { return _state->count(); }

asio::awaitable<void> server::drain_and_close(std::chrono::milliseconds timeout) {
  // Only `st` is used after the first suspension: the server object may be destroyed meanwhile.
  auto st = _state;
  for (const auto& l : st->listeners) close_listener(l);
  auto connections = st->stop_and_snapshot();
  server_log().info("draining {} connection(s)", connections.size());
  for (auto& c : connections) c->begin_drain();
  connections.clear();

  using clock = std::chrono::steady_clock;
  constexpr auto poll = std::chrono::milliseconds(5);
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto deadline = clock::now() + timeout;
  while (st->count() > 0 && clock::now() < deadline) {
    timer.expires_after(std::min<clock::duration>(poll, deadline - clock::now()));
    co_await timer.async_wait(nothrow_awaitable);
  }
  if (st->count() == 0) co_return;

  auto remaining = st->stop_and_snapshot();
  server_log().warn("drain timed out after {} ms; closing {} connection(s)", timeout.count(), remaining.size());
  for (auto& c : remaining) c->force_close();
  remaining.clear();
  // Give the closes a moment to run; a handler that never returns keeps its connection registered,
  // and we do not wait for it.
  const auto grace = clock::now() + std::chrono::milliseconds(100);
  while (st->count() > 0 && clock::now() < grace) {
    timer.expires_after(poll);
    co_await timer.async_wait(nothrow_awaitable);
  }
}

} // namespace gregor::network
