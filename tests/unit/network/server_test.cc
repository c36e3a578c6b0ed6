// Server-level behaviour: listeners, start failures, many connections, idle timeout.

#include <set>

#include "test_support.h"

namespace gregor::network::test {
namespace {

class server_behaviour : public network_fixture {};

TEST_F(server_behaviour, several_listeners_are_bound_at_once) {
  start_server(default_options(3));
  std::set<uint16_t> ports{port("PLAINTEXT"), port("L1"), port("L2")};
  EXPECT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports.count(0), 0u);
  EXPECT_EQ(srv->bound_port("NOPE"), 0);
  for (auto name : {"PLAINTEXT", "L1", "L2"}) {
    raw_client c(port(name));
    c.send_frame("l");
    EXPECT_EQ(c.read_frame(), std::string(name) + "|127.0.0.1");
  }
}

TEST_F(server_behaviour, start_failure_names_the_listener) {
  start_server();
  server_options opts;
  opts.listeners.push_back({"FREE", "127.0.0.1", 0});
  opts.listeners.push_back({"TAKEN", "127.0.0.1", port()});
  server second(io, opts, handler);
  auto r = second.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().listener, "TAKEN");
  EXPECT_EQ(r.error().code, std::errc::address_in_use);
  EXPECT_NE(r.error().message().find("TAKEN"), std::string::npos);
  EXPECT_EQ(second.bound_port("FREE"), 0); // nothing stays bound after a failed start
  std::error_code as_code = r.error();
  EXPECT_EQ(as_code, std::errc::address_in_use);
}

TEST_F(server_behaviour, address_not_on_this_host_fails_to_start) {
  server_options opts;
  opts.listeners.push_back({"WEIRD", "192.0.2.1", 0}); // TEST-NET-1: never a local address
  server s(io, opts, handler);
  auto r = s.start();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().listener, "WEIRD");
  EXPECT_EQ(r.error().code, std::errc::address_not_available);
}

TEST_F(server_behaviour, empty_host_listens_on_all_interfaces) {
  auto opts = default_options();
  opts.listeners[0].host = "";
  start_server(opts);
  raw_client c(port()); // connects via 127.0.0.1 (IPv4 into a dual-stack or IPv4 socket)
  c.send_frame("l");
  EXPECT_EQ(c.read_frame(), "PLAINTEXT|127.0.0.1");
}

TEST_F(server_behaviour, two_hundred_concurrent_connections_on_two_threads) {
  start_server();
  constexpr int n = 200;
  std::vector<std::unique_ptr<raw_client>> clients;
  for (int i = 0; i < n; ++i) {
    clients.push_back(std::make_unique<raw_client>(port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  ASSERT_TRUE(eventually([&] { return srv->connection_count() == n; }));
  for (int i = 0; i < n; ++i) clients[i]->send_frame("d\x03#" + std::to_string(i));
  for (int i = 0; i < n; ++i) EXPECT_EQ(clients[i]->read_frame(), "d\x03#" + std::to_string(i));
  EXPECT_EQ(handler.calls(), n);

  clients.clear();
  EXPECT_TRUE(eventually([&] { return srv->connection_count() == 0; }));
  EXPECT_TRUE(eventually([&] { return handler.closed() == n; }));
  std::set<uint64_t> ids;
  for (auto& info : handler.closed_connections()) ids.insert(info.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(n)); // ids are unique, each closed exactly once
}

TEST_F(server_behaviour, idle_connections_are_closed) {
  auto opts = default_options();
  opts.idle_timeout_ms = 150;
  start_server(opts);
  raw_client idle(port());
  raw_client busy(port());
  auto started = std::chrono::steady_clock::now();
  busy.send_frame("w"); // in flight for longer than the idle timeout
  EXPECT_TRUE(idle.wait_closed());
  EXPECT_GE(std::chrono::steady_clock::now() - started, 140ms);
  std::this_thread::sleep_for(200ms);
  handler.release();
  EXPECT_EQ(busy.read_frame(), "w"); // a slow request is not idleness
}

TEST_F(server_behaviour, activity_resets_the_idle_timer) {
  auto opts = default_options();
  opts.idle_timeout_ms = 200;
  start_server(opts);
  raw_client c(port());
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(80ms);
    c.send_frame("e" + std::to_string(i));
    ASSERT_EQ(c.read_frame(), "e" + std::to_string(i));
  }
  EXPECT_TRUE(c.wait_closed()); // and then it is closed once quiet
}

TEST_F(server_behaviour, stop_accepting_keeps_existing_connections) {
  start_server();
  raw_client before(port());
  ASSERT_TRUE(eventually([&] { return srv->connection_count() == 1; }));
  auto p = port();
  srv->stop_accepting();
  ASSERT_TRUE(eventually([&] {
    raw_client probe(p, 200ms);
    return !probe.connected() || probe.wait_closed();
  }));
  before.send_frame("e-still-here");
  EXPECT_EQ(before.read_frame(), "e-still-here");
}

} // namespace
} // namespace gregor::network::test
