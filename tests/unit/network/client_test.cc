// client_connection against our own server (and a misbehaving raw peer).

#include <random>

#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "gregor/common/endian.h"
#include "gregor/network/client_connection.h"
#include "gregor/network/errc.h"
#include "test_support.h"

namespace gregor::network::test {
namespace {

class client : public network_fixture {
protected:
  std::unique_ptr<client_connection> connect_to(uint16_t p) {
    auto r = run_on(executor(), client_connection::connect(executor(), "127.0.0.1", p, 2000ms));
    if (!r || !r->has_value()) {
      ADD_FAILURE() << "connect failed: " << (r ? r->error().message() : "did not complete");
      return nullptr;
    }
    return std::move(r->value());
  }
};

std::string as_string(const shared_bytes& b) { return std::string(as_string_view(b.view())); }

TEST_F(client, round_trip) {
  start_server();
  auto c = connect_to(port());
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->is_open());
  auto r = run_on(executor(), c->round_trip(make_frame_iobuf("e-hello"), 2000ms));
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(as_string(r->value()), "e-hello");
}

// One pipelined caller: issues a round trip and checks that it got its own answer back.
asio::awaitable<void> one_caller(client_connection& c, std::string body, std::atomic<int>& ok) {
  auto r = co_await c.round_trip(make_frame_iobuf(body), std::chrono::milliseconds(5000));
  if (r && as_string(*r) == body) ok.fetch_add(1);
}

asio::awaitable<int> many_callers(client_connection& c, int n) {
  std::atomic<int> ok{0};
  std::mt19937 rng(3);
  auto ex = co_await asio::this_coro::executor;
  std::vector<std::future<void>> done;
  for (int i = 0; i < n; ++i) {
    std::string body = "d";
    body += static_cast<char>(rng() % 10);
    body += "#" + std::to_string(i);
    done.push_back(asio::co_spawn(ex, one_caller(c, body, ok), asio::use_future));
  }
  asio::steady_timer t(ex);
  for (auto& f : done) {
    while (f.wait_for(0ms) != std::future_status::ready) {
      t.expires_after(1ms);
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  co_return ok.load();
}

TEST_F(client, pipelined_callers_each_get_their_own_response) {
  start_server();
  auto c = connect_to(port());
  ASSERT_TRUE(c);
  auto ok = run_on(executor(), many_callers(*c, 100), 20000ms);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 100);
  EXPECT_EQ(handler.calls(), 100);
}

TEST_F(client, send_only_then_round_trip) {
  start_server();
  auto c = connect_to(port());
  ASSERT_TRUE(c);
  auto s = run_on(executor(), c->send_only(make_frame_iobuf("n-fire-and-forget")));
  ASSERT_TRUE(s && s->has_value());
  auto r = run_on(executor(), c->round_trip(make_frame_iobuf("e-next"), 2000ms));
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(as_string(r->value()), "e-next");
  EXPECT_EQ(handler.calls(), 2);
}

TEST_F(client, timeout_fails_the_call_and_closes_the_connection) {
  start_server();
  auto c = connect_to(port());
  ASSERT_TRUE(c);
  auto started = std::chrono::steady_clock::now();
  auto r = run_on(executor(), c->round_trip(make_frame_iobuf("w"), 100ms));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2000ms);
  EXPECT_FALSE(c->is_open());
  auto again = run_on(executor(), c->round_trip(make_frame_iobuf("e"), 100ms));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->error(), errc::connection_closed);
  handler.release();
}

TEST_F(client, server_close_fails_outstanding_calls) {
  start_server();
  auto c = connect_to(port());
  ASSERT_TRUE(c);
  auto r = run_on(executor(), c->round_trip(make_frame_iobuf("c"), 2000ms));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::connection_closed);
  EXPECT_TRUE(eventually([&] { return !c->is_open(); }));
}

TEST_F(client, connect_to_a_closed_port_fails_cleanly) {
  // Bind and close a socket to find a port nobody listens on.
  uint16_t p = 0;
  {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    p = a.local_endpoint().port();
  }
  auto started = std::chrono::steady_clock::now();
  auto r = run_on(executor(), client_connection::connect(executor(), "127.0.0.1", p, 2000ms));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), std::errc::connection_refused);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST_F(client, oversized_response_closes_instead_of_allocating) {
  // A raw peer that answers any request with a 1 GiB size prefix.
  asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto p = a.local_endpoint().port();
  std::thread peer([&] {
    boost::system::error_code ec;
    auto s = a.accept(ec);
    if (ec) return;
    uint8_t buf[64];
    s.read_some(asio::buffer(buf), ec);
    uint8_t prefix[4];
    store_be<int32_t>(prefix, 1 << 30);
    asio::write(s, asio::buffer(prefix), ec);
    s.read_some(asio::buffer(buf), ec); // wait for the client to hang up
  });
  auto c = connect_to(p);
  ASSERT_TRUE(c);
  auto r = run_on(executor(), c->round_trip(make_frame_iobuf("e"), 2000ms));
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->has_value());
  EXPECT_EQ(r->error(), errc::connection_closed);
  peer.join();
}

} // namespace
} // namespace gregor::network::test
