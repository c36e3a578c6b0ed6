// producer_id_manager: ids unique and in block order under concurrent callers, one claim at a time,
// a failed claim reported to its caller and retried by the next.

#include "gregor/coordinator/producer_id_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gregor::txn {
namespace {

namespace asio = boost::asio;

// Blocks of `size` ids from 0 on, handed out after a short delay (as a ZooKeeper round trip);
// claims while another is in flight are counted as overlaps.
class fake_source final : public producer_id_block_source {
public:
  fake_source(asio::io_context& io, int64_t size) : _io(io), _size(size) {}

  asio::awaitable<result<std::pair<int64_t, int64_t>>> claim_block() override {
    if (_in_flight.fetch_add(1) != 0) ++overlaps;
    asio::steady_timer delay(_io, std::chrono::milliseconds(2));
    co_await delay.async_wait(asio::use_awaitable);
    --_in_flight;
    ++claims;
    if (fail_next.exchange(false)) co_return unexpected(std::make_error_code(std::errc::connection_reset));
    const int64_t first = _next;
    _next += _size;
    co_return std::pair{first, first + _size - 1};
  }

  std::atomic<int> claims{0};
  std::atomic<int> overlaps{0};
  std::atomic<bool> fail_next{false};

private:
  asio::io_context& _io;
  int64_t _size;
  int64_t _next = 0;
  std::atomic<int> _in_flight{0};
};

TEST(producer_id_manager_test, concurrent_callers_get_unique_ids_from_one_claim_at_a_time) {
  asio::io_context io;
  fake_source source(io, 10);
  producer_id_manager manager(io.get_executor(), source);
  std::mutex m;
  std::vector<int64_t> ids;
  constexpr int callers = 95;
  for (int i = 0; i < callers; ++i) {
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      auto id = co_await manager.next();
      EXPECT_TRUE(id.has_value());
      if (!id) co_return;
      std::lock_guard lock(m);
      ids.push_back(*id);
    }, asio::detached);
  }
  std::thread second([&] { io.run(); });
  io.run();
  second.join();
  ASSERT_EQ(ids.size(), static_cast<size_t>(callers));
  std::set<int64_t> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size());
  EXPECT_EQ(*unique.begin(), 0);
  EXPECT_EQ(*unique.rbegin(), callers - 1);  // no block left half-used before the next was claimed
  EXPECT_EQ(source.claims.load(), 10);
  EXPECT_EQ(source.overlaps.load(), 0);
}

TEST(producer_id_manager_test, a_failed_claim_fails_its_caller_and_the_next_call_claims_again) {
  asio::io_context io;
  fake_source source(io, 1000);
  producer_id_manager manager(io.get_executor(), source);
  source.fail_next = true;
  std::vector<result<int64_t>> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    got.push_back(co_await manager.next());
    got.push_back(co_await manager.next());
    got.push_back(co_await manager.next());
  }, asio::detached);
  io.run();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].has_value());
  ASSERT_TRUE(got[1].has_value());
  EXPECT_EQ(*got[1], 0);
  EXPECT_EQ(*got[2], 1);
  EXPECT_EQ(source.claims.load(), 2);
}

} // namespace
} // namespace gregor::txn
