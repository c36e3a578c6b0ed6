#include "test_support.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>

#include "gregor/common/endian.h"

namespace gregor::network::test {

namespace {
// Work done "on another executor" (e.g. a partition's strand), awaited by the handler.
asio::awaitable<std::string> elsewhere(std::string body, std::atomic<int>& hops) {
  hops.fetch_add(1);
  co_return body + "+hopped";
}
} // namespace

asio::awaitable<handler_result> script_handler::handle(const connection_info& conn, shared_bytes frame) {
  _calls.fetch_add(1);
  auto ex = co_await asio::this_coro::executor;
  auto body = as_string_view(frame.view());
  handler_result r;
  char cmd = body.empty() ? 'e' : body[0];
  switch (cmd) {
  case 'd': {
    int ms = body.size() > 1 ? static_cast<uint8_t>(body[1]) : 0;
    asio::steady_timer t(ex, std::chrono::milliseconds(ms));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    r.response = make_frame_iobuf(body);
    break;
  }
  case 'w': {
    asio::steady_timer t(ex);
    while (!_released.load()) {
      t.expires_after(2ms);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    r.response = make_frame_iobuf(body);
    break;
  }
  case 'n': r.what = handler_result::action::no_response; break;
  case 'c': r.what = handler_result::action::close; break;
  case 'l': r.response = make_frame_iobuf(conn.listener_name + "|" + conn.peer_host); break;
  case 'f': r.response = file_response(); break;
  case 'a': r.response = make_frame_iobuf("A"); break;
  case 'h': {
    auto other = asio::make_strand(hop_to);
    std::string reply = co_await asio::co_spawn(other, elsewhere(std::string(body), hops), asio::use_awaitable);
    r.response = make_frame_iobuf(reply);
    break;
  }
  case 'x': throw std::runtime_error("handler failure requested by test");
  default: r.response = make_frame_iobuf(body); break;
  }
  co_return r;
}

void script_handler::on_connection_closed(const connection_info& conn) {
  std::lock_guard lock(_mutex);
  _closed_infos.push_back(conn);
  _closed.fetch_add(1);
}

void script_handler::release() { _released = true; }

std::vector<connection_info> script_handler::closed_connections() const {
  std::lock_guard lock(_mutex);
  return _closed_infos;
}

bytes make_frame(std::string_view body) {
  bytes out(4 + body.size());
  store_be<int32_t>(out.data(), static_cast<int32_t>(body.size()));
  if (!body.empty()) std::memcpy(out.data() + 4, body.data(), body.size());
  return out;
}

iobuf make_frame_iobuf(std::string_view body) {
  iobuf b;
  b.append(make_frame(body));
  return b;
}

raw_client::raw_client(uint16_t port, std::chrono::milliseconds recv_timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return;
  timeval tv{};
  tv.tv_sec = recv_timeout.count() / 1000;
  tv.tv_usec = (recv_timeout.count() % 1000) * 1000;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  _fd = fd;
}

raw_client::~raw_client() {
  if (_fd >= 0) ::close(_fd);
}

void raw_client::send_all(bytes_view data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(_fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ADD_FAILURE() << "send failed: " << std::strerror(errno);
      return;
    }
    off += static_cast<size_t>(n);
  }
}

void raw_client::shutdown_write() { ::shutdown(_fd, SHUT_WR); }

std::optional<bytes> raw_client::read_exact(size_t n) {
  bytes out(n);
  size_t off = 0;
  while (off < n) {
    ssize_t r = ::recv(_fd, out.data() + off, n - off, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    off += static_cast<size_t>(r);
  }
  return out;
}

std::optional<std::string> raw_client::read_frame() {
  auto prefix = read_exact(4);
  if (!prefix) return std::nullopt;
  int32_t size = load_be<int32_t>(prefix->data());
  if (size < 0) return std::nullopt;
  auto body = read_exact(static_cast<size_t>(size));
  if (!body) return std::nullopt;
  return std::string(body->begin(), body->end());
}

bool raw_client::wait_closed() {
  uint8_t b;
  for (;;) {
    ssize_t r = ::recv(_fd, &b, 1, 0);
    if (r == 0) return true;
    if (r > 0) return false;
    if (errno == EINTR) continue;
    return errno == ECONNRESET || errno == EPIPE;
  }
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

namespace {
asio::awaitable<bool> void_to_bool(asio::awaitable<void> a) {
  co_await std::move(a);
  co_return true;
}
} // namespace

void run_on(asio::any_io_executor ex, asio::awaitable<void> a, std::chrono::milliseconds timeout) {
  (void)run_on<bool>(std::move(ex), void_to_bool(std::move(a)), timeout);
}

network_fixture::~network_fixture() {
  if (srv) srv->stop_accepting();
  guard.reset();
  io.stop();
  for (auto& t : workers) t.join();
  srv.reset();
}

std::vector<std::thread> network_fixture::spawn_workers(int n) {
  std::vector<std::thread> out;
  for (int i = 0; i < n; ++i) out.emplace_back([this] { io.run(); });
  return out;
}

server_options network_fixture::default_options(size_t listeners) {
  server_options o;
  o.listeners.push_back({"PLAINTEXT", "127.0.0.1", 0});
  for (size_t i = 1; i < listeners; ++i) o.listeners.push_back({"L" + std::to_string(i), "127.0.0.1", 0});
  o.max_frame_bytes = 1 << 20;
  return o;
}

void network_fixture::start_server(server_options opts) {
  handler.hop_to = io.get_executor();
  srv = std::make_unique<server>(io, std::move(opts), handler);
  auto r = srv->start();
  ASSERT_TRUE(r.has_value()) << r.error().message();
}

} // namespace gregor::network::test
