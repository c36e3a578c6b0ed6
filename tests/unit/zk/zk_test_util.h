#pragma once
// Helpers for zk tests: run a coroutine to completion on a test-owned io_context (bounded), and one
// shared ZooKeeper server per test binary.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "fixtures/zookeeper.h"
#include "gregor/common/bytes.h"

namespace gregor::zk::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// co_spawn needs a default-constructible result type; result<T> is not.
template <typename T>
asio::awaitable<std::optional<T>> as_optional(asio::awaitable<T> aw) {
  co_return co_await std::move(aw);
}

// Runs `aw` on `io` from the calling thread until it finishes; throws after `limit`.
template <typename T>
T run(asio::io_context& io, asio::awaitable<T> aw, std::chrono::milliseconds limit = 30s) {
  std::optional<T> out;
  std::exception_ptr ep;
  bool done = false;
  asio::co_spawn(io, as_optional(std::move(aw)), [&](std::exception_ptr e, std::optional<T> v) {
    ep = e;
    out = std::move(v);
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  if (ep) std::rethrow_exception(ep);
  if (!done || !out) throw std::runtime_error("coroutine did not finish in time");
  return std::move(*out);
}

inline void run(asio::io_context& io, asio::awaitable<void> aw, std::chrono::milliseconds limit = 30s) {
  std::exception_ptr ep;
  bool done = false;
  asio::co_spawn(io, std::move(aw), [&](std::exception_ptr e) {
    ep = e;
    done = true;
  });
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
  if (ep) std::rethrow_exception(ep);
  if (!done) throw std::runtime_error("coroutine did not finish in time");
}

// Runs `io` until `pred()` holds; false on timeout.
inline bool run_until(asio::io_context& io, const std::function<bool()>& pred, std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_for(10ms);
  }
  return true;
}

// One ZooKeeper per test binary, started on first use (JVM start-up is the slow part).
inline gregor::testing::zookeeper_server& shared_zk() {
  static std::unique_ptr<gregor::testing::zookeeper_server> server =
      std::make_unique<gregor::testing::zookeeper_server>();
  return *server;
}

// A chroot unique to the running test, so tests sharing a server do not see each other.
inline std::string test_chroot() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("/t_") + info->test_suite_name() + "_" + info->name();
}

inline bytes b(std::string_view s) { return bytes(s.begin(), s.end()); }
inline std::string s(const std::optional<bytes>& v) { return v ? std::string(v->begin(), v->end()) : "<null>"; }

} // namespace gregor::zk::test
