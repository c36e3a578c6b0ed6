#pragma once
// Test fixtures for the network module: a server on 127.0.0.1:0 driven by 2 worker threads, a
// scriptable handler, and a blocking raw-socket client with receive timeouts (so every test is
// bounded in time even when the server misbehaves).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/network/server.h"

namespace gregor::network::test {

using namespace std::chrono_literals;

// Frames understood by script_handler: the first byte is a command, the rest is payload.
//   'e' echo the frame            'd' sleep payload[0] ms, then echo    'n' no response
//   'c' close                     'w' wait until release() then echo    'l' respond with listener name
//   'f' respond with the handler's `file_response` builder                'x' throw
//   'a' respond with a 1-byte ack "A"     'h' hop to `hop_to` and back (co_spawn + use_awaitable), echo
class script_handler : public request_handler {
public:
  asio::awaitable<handler_result> handle(const connection_info& conn, shared_bytes frame) override;
  void on_connection_closed(const connection_info& conn) override;

  void release();  // lets every 'w' request (current and future) finish
  int calls() const { return _calls.load(); }
  int closed() const { return _closed.load(); }
  std::vector<connection_info> closed_connections() const;

  // Executor an 'h' frame hops to; set by the fixture.
  asio::any_io_executor hop_to;
  std::atomic<int> hops{0};

  // Builds the response for an 'f' frame; set before use.
  std::function<iobuf()> file_response;

private:
  std::atomic<int> _calls{0};
  std::atomic<int> _closed{0};
  std::atomic<bool> _released{false};
  mutable std::mutex _mutex;
  std::vector<connection_info> _closed_infos;
};

// A frame: 4-byte big-endian size + body.
bytes make_frame(std::string_view body);
iobuf make_frame_iobuf(std::string_view body);

// Blocking client socket on 127.0.0.1 with a receive timeout.
class raw_client {
public:
  explicit raw_client(uint16_t port, std::chrono::milliseconds recv_timeout = 5000ms);
  ~raw_client();
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  bool connected() const { return _fd >= 0; }
  int fd() const { return _fd; }
  void send_all(bytes_view data);
  void send_frame(std::string_view body) { send_all(make_frame(body)); }
  void shutdown_write();
  // Reads one frame body; nullopt on EOF, reset or timeout.
  std::optional<std::string> read_frame();
  // Reads exactly n bytes; nullopt on EOF, reset or timeout.
  std::optional<bytes> read_exact(size_t n);
  // True if the peer closes (EOF or reset) within the receive timeout without sending more bytes;
  // false if data arrives or the timeout passes.
  bool wait_closed();

private:
  int _fd = -1;
};

// Waits until pred() holds or the timeout passes; returns pred().
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5000ms);

// Runs an awaitable on `ex` and waits for it from the test thread (bounded).
template <typename T>
asio::awaitable<std::optional<T>> as_optional(asio::awaitable<T> a) {
  co_return co_await std::move(a);
}
template <typename T>
std::optional<T> run_on(asio::any_io_executor ex, asio::awaitable<T> a, std::chrono::milliseconds timeout = 10000ms) {
  auto fut = asio::co_spawn(ex, as_optional(std::move(a)), asio::use_future);
  if (fut.wait_for(timeout) != std::future_status::ready) {
    ADD_FAILURE() << "awaitable did not complete in time";
    return std::nullopt;
  }
  return fut.get();
}
void run_on(asio::any_io_executor ex, asio::awaitable<void> a, std::chrono::milliseconds timeout = 10000ms);

// An io_context with two worker threads, a script_handler and (after start_server) a server.
class network_fixture : public ::testing::Test {
protected:
  ~network_fixture() override;

  server_options default_options(size_t listeners = 1);
  void start_server(server_options opts);
  void start_server() { start_server(default_options()); }
  uint16_t port(const std::string& listener = "PLAINTEXT") const { return srv->bound_port(listener); }
  asio::any_io_executor executor() { return io.get_executor(); }

  script_handler handler; // outlives io (coroutine frames reference it)
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{io.get_executor()};
  std::vector<std::thread> workers = spawn_workers(2);
  std::unique_ptr<server> srv;

private:
  std::vector<std::thread> spawn_workers(int n);
};

} // namespace gregor::network::test
