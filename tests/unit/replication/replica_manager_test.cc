// replica_manager with replication on (issue 6): the ISR expiration timer, fetchers following
// LeaderAndIsr and StopReplica, and the strand hops of replication_status/offset_for_leader_epoch.
#include <chrono>
#include <filesystem>
#include <future>
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/log/log_manager.h"
#include "gregor/record/batch_builder.h"
#include "gregor/replication/isr_store.h"
#include "gregor/replication/replica_manager.h"

#include "fixtures/temp_dir.h"

using namespace gregor;
using namespace gregor::replication;
using gregor::testing::temp_dir;
namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

class counting_isr_store final : public isr_store {
public:
  asio::awaitable<result<int32_t>> write_isr(isr_write w) override {
    std::lock_guard lock(mutex);
    writes.push_back(w);
    co_return w.expected_zk_version + 1;
  }
  void notify_isr_changed(const topic_partition& tp) override {
    std::lock_guard lock(mutex);
    notified.push_back(tp);
  }
  size_t write_count() {
    std::lock_guard lock(mutex);
    return writes.size();
  }

  std::mutex mutex;
  std::vector<isr_write> writes;
  std::vector<topic_partition> notified;
};

asio::awaitable<topic_config> default_config(std::string) { co_return topic_config{}; }

class replica_manager_test : public ::testing::Test {
protected:
  replica_manager_test() : logs({dir.path / "logs"}, {}, clk), replicas(io, logs, 1, clk, default_config) {
    EXPECT_TRUE(logs.startup(1, "unit-cluster"));
  }
  ~replica_manager_test() override {
    run(replicas.shutdown());
    logs.shutdown();
  }

  // Runs the io_context until `done()` or `limit` passes; returns done().
  template <typename Pred>
  bool run_until(Pred done, milliseconds limit = milliseconds(5000)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    io.restart();
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(milliseconds(5));
      if (io.stopped()) io.restart();
    }
    return done();
  }
  template <typename T>
  T run(asio::awaitable<T> task) {
    auto fut = asio::co_spawn(io, std::move(task), asio::use_future);
    EXPECT_TRUE(run_until([&] { return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                          milliseconds(10000)));
    return fut.get();
  }
  void run(asio::awaitable<void> task) {
    auto fut = asio::co_spawn(io, std::move(task), asio::use_future);
    EXPECT_TRUE(run_until([&] { return fut.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                          milliseconds(10000)));
    fut.get();
  }
  error_code become(int32_t leader, int32_t epoch, std::optional<broker_endpoint> endpoint = std::nullopt) {
    leader_and_isr_partition lp;
    lp.tp = tp;
    lp.state.leader = leader;
    lp.state.leader_epoch = epoch;
    lp.state.replicas = {1, 2};
    lp.state.isr = {1, 2};
    lp.leader_endpoint = endpoint;
    auto results = run(replicas.apply_leader_and_isr({lp}));
    return results.size() == 1 ? results[0].second : error_code::unknown_server_error;
  }

  topic_partition tp{"t", 0};
  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  log::log_manager logs;
  replica_manager replicas;
  counting_isr_store store;
};

} // namespace

TEST_F(replica_manager_test, isr_expiration_timer_shrinks_a_lagging_isr) {
  replication_settings settings;
  settings.replica_lag_time_max_ms = 40;  // the timer runs every 20 ms of real time
  replicas.start_replication(store, settings, {});
  ASSERT_EQ(become(1, 0), error_code::none);
  EXPECT_TRUE(run_until([&] { return true; }, milliseconds(100)));
  EXPECT_EQ(store.write_count(), 0u);  // the manual clock has not moved: 2 is still caught up
  clk.advance(1000);
  ASSERT_TRUE(run_until([&] { return store.write_count() > 0; }));
  std::lock_guard lock(store.mutex);
  EXPECT_EQ(store.writes[0].state.isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(store.writes[0].tp, tp);
}

TEST_F(replica_manager_test, replication_status_and_offset_for_leader_epoch_hop_to_the_partition) {
  EXPECT_EQ(run(replicas.replication_status(tp, 0, 1)), error_code::unknown_topic_or_partition);
  EXPECT_EQ(run(replicas.offset_for_leader_epoch(tp, -1, 0)).error, error_code::unknown_topic_or_partition);
  ASSERT_EQ(become(1, 2), error_code::none);
  EXPECT_EQ(run(replicas.replication_status(tp, 0, 1)), error_code::none);
  auto e = run(replicas.offset_for_leader_epoch(tp, 2, 2));
  EXPECT_EQ(e.error, error_code::none);
  EXPECT_EQ(e.leader_epoch, 2);
  EXPECT_EQ(e.end_offset, 0);
  ASSERT_EQ(become(2, 3), error_code::none);
  EXPECT_EQ(run(replicas.replication_status(tp, 0, 1)), error_code::not_leader_or_follower);
  EXPECT_EQ(run(replicas.offset_for_leader_epoch(tp, -1, 2)).error, error_code::not_leader_or_follower);
}

TEST_F(replica_manager_test, followers_fetch_from_their_leader_until_leadership_moves) {
  // A leader that accepts the fetcher's connection and never answers.
  asio::io_context leader_io;
  asio::ip::tcp::acceptor acceptor(leader_io, {asio::ip::make_address("127.0.0.1"), 0});
  broker_endpoint leader{2, "127.0.0.1", acceptor.local_endpoint().port()};
  replica_fetcher_options options;
  options.backoff = milliseconds(50);
  // An emptied fetcher retires once its in-flight fetch ends (here: times out, as the leader never
  // answers) and one back-off passed.
  options.socket_timeout = milliseconds(800);
  options.fetch_wait_max_ms = 100;
  replicas.start_replication(store, {}, options);

  ASSERT_EQ(become(2, 1, leader), error_code::none);
  asio::ip::tcp::socket accepted(leader_io);
  auto accepting = std::async(std::launch::async, [&] {
    boost::system::error_code ec;
    acceptor.accept(accepted, ec);
    return !ec;
  });
  ASSERT_TRUE(run_until([&] { return accepting.wait_for(milliseconds(0)) == std::future_status::ready; }));
  ASSERT_TRUE(accepting.get());

  // Leadership comes here: the fetcher stops and closes its connection.
  ASSERT_EQ(become(1, 2), error_code::none);
  auto closed = std::async(std::launch::async, [&] {
    char buf[4096];
    boost::system::error_code ec;
    while (!ec) accepted.read_some(asio::buffer(buf), ec);
    return true;
  });
  EXPECT_TRUE(run_until([&] { return closed.wait_for(milliseconds(0)) == std::future_status::ready; }));
  if (closed.wait_for(milliseconds(0)) != std::future_status::ready) {
    boost::system::error_code ignored;
    accepted.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    accepted.close(ignored);
  }
  closed.wait();
}
