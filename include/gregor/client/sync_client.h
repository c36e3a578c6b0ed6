#pragma once
// sync_client — a blocking facade over client (and producer) for command-line tools: it owns an
// io_context and runs each operation to completion on the calling thread.
//
//   gregor::client::sync_client c(options);
//   auto topics = c.run(c.async().refresh_metadata(std::nullopt));
//
// Threading: not thread-safe; use from one thread. Operations run only while run() is executing
// (no background thread), so connections are idle between calls.

#include <exception>
#include <optional>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "gregor/client/client.h"

namespace gregor::client {

namespace detail {
// co_spawn needs a default-constructible value type; result<T> is not.
template <class T>
asio::awaitable<std::optional<T>> as_optional(asio::awaitable<T> op) {
  co_return co_await std::move(op);
}
} // namespace detail

// Runs `op` on `io` from the calling thread until it completes and returns its value (an exception
// escaping the coroutine is rethrown). Other work on `io` runs meanwhile; `io` must not be running
// on another thread.
template <class T>
T run_blocking(asio::io_context& io, asio::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr failure;
  bool finished = false;
  asio::co_spawn(io, detail::as_optional(std::move(op)), [&](std::exception_ptr e, std::optional<T> v) {
    failure = e;
    out = std::move(v);
    finished = true;
  });
  io.restart();
  // The guard keeps run_one() waiting while the operation waits on another thread (ZooKeeper
  // completions are posted from the C library's thread).
  auto guard = asio::make_work_guard(io);
  while (!finished) io.run_one();
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

// The same for operations without a value (e.g. zk::session::close()).
inline void run_blocking(asio::io_context& io, asio::awaitable<void> op) {
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(op), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
  });
  io.restart();
  auto guard = asio::make_work_guard(io);
  while (!finished) io.run_one();
  if (failure) std::rethrow_exception(failure);
}

class sync_client {
public:
  explicit sync_client(client_options options) : _client(_io.get_executor(), std::move(options)) {}
  ~sync_client() {
    _client.close();
    _io.restart();
    _io.poll();  // let the closed connections' coroutines finish
  }
  sync_client(const sync_client&) = delete;
  sync_client& operator=(const sync_client&) = delete;

  client& async() { return _client; }
  asio::io_context& io() { return _io; }

  // Runs `op` (an operation of async(), or of a producer bound to it) until it completes and
  // returns its value. An exception escaping the coroutine is rethrown here.
  template <class T>
  T run(asio::awaitable<T> op) {
    return run_blocking(_io, std::move(op));
  }

private:
  asio::io_context _io;
  client _client;
};

} // namespace gregor::client
