#include "gregor/log/cleaner/io_throttle.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace gregor::log {
namespace {

using std::chrono::duration;
using std::chrono::steady_clock;

TEST(io_throttle, holds_the_rate_to_the_limit) {
  io_throttle throttle(10.0 * 1024 * 1024);  // 10 MiB/s
  auto start = steady_clock::now();
  for (int i = 0; i < 32; ++i) throttle.acquire(128 * 1024);  // 4 MiB
  // 4 MiB at 10 MiB/s cannot take less than ~0.4 s (the last 100 ms window may still be open).
  EXPECT_GE(duration<double>(steady_clock::now() - start).count(), 0.25);
}

TEST(io_throttle, unlimited_never_sleeps_and_counts_nothing) {
  EXPECT_TRUE(io_throttle(1.7976931348623157e308).unlimited());
  EXPECT_TRUE(io_throttle(0).unlimited());
  EXPECT_FALSE(io_throttle(1e6).unlimited());
}

TEST(io_throttle, cancel_wakes_a_sleeping_thread) {
  io_throttle throttle(1.0);  // 1 byte/s: the second acquire would sleep for hours
  throttle.acquire(1);
  std::thread sleeper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    throttle.acquire(1 << 20);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  throttle.cancel();
  sleeper.join();  // returns only because of cancel(); the test's ctest timeout bounds a failure
  throttle.acquire(1 << 20);  // and acquire() is a no-op afterwards
}

} // namespace
} // namespace gregor::log
