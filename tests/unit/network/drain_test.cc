// Two-phase shutdown: drain_and_close finishes in-flight work before closing.

#include <boost/asio/steady_timer.hpp>

#include "test_support.h"

namespace gregor::network::test {
namespace {

class draining : public network_fixture {};

TEST_F(draining, waits_for_in_flight_and_queued_requests_and_delivers_responses) {
  start_server();
  raw_client c(port());
  bytes frames;
  for (auto body : {"d\xc8slow", "e-queued-1", "e-queued-2"}) { // 200 ms, then two queued behind it
    auto f = make_frame(body);
    frames.insert(frames.end(), f.begin(), f.end());
  }
  c.send_all(frames);
  ASSERT_TRUE(eventually([&] { return handler.calls() == 1; }));
  std::this_thread::sleep_for(20ms); // let the reader queue the other two

  auto started = std::chrono::steady_clock::now();
  run_on(executor(), srv->drain_and_close(5000ms));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 100ms); // it really waited for the slow request
  EXPECT_LT(took, 4000ms);
  EXPECT_EQ(srv->connection_count(), 0u);

  EXPECT_EQ(c.read_frame(), "d\xc8slow");
  EXPECT_EQ(c.read_frame(), "e-queued-1");
  EXPECT_EQ(c.read_frame(), "e-queued-2");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.closed(), 1);
}

TEST_F(draining, idle_connections_close_at_once_and_no_new_ones_are_accepted) {
  start_server();
  raw_client a(port());
  raw_client b(port());
  ASSERT_TRUE(eventually([&] { return srv->connection_count() == 2; }));
  auto p = port();
  auto started = std::chrono::steady_clock::now();
  run_on(executor(), srv->drain_and_close(5000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
  EXPECT_TRUE(a.wait_closed());
  EXPECT_TRUE(b.wait_closed());
  raw_client late(p, 300ms);
  EXPECT_TRUE(!late.connected() || late.wait_closed());
  EXPECT_EQ(handler.calls(), 0);
}

TEST_F(draining, times_out_and_forces_the_close) {
  start_server();
  raw_client c(port());
  c.send_frame("w"); // never finishes until released
  ASSERT_TRUE(eventually([&] { return handler.calls() == 1; }));
  auto started = std::chrono::steady_clock::now();
  run_on(executor(), srv->drain_and_close(150ms));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 140ms);
  EXPECT_LT(took, 2000ms);
  EXPECT_TRUE(c.wait_closed());
  handler.release(); // the stuck handler finishes; its connection then reports closed
  EXPECT_TRUE(eventually([&] { return handler.closed() == 1 && srv->connection_count() == 0; }));
}

} // namespace
} // namespace gregor::network::test
