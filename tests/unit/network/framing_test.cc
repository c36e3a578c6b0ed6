// Frame-level behaviour of server connections: ordering, size limits, malformed input, actions.

#include <fcntl.h>
#include <random>
#include <sys/socket.h>

#include "gregor/common/endian.h"
#include "test_support.h"

namespace gregor::network::test {
namespace {

class framing : public network_fixture {};

bytes size_prefix(int32_t size) {
  bytes b(4);
  store_be<int32_t>(b.data(), size);
  return b;
}

TEST_F(framing, pipelined_requests_are_answered_in_order_despite_varying_latency) {
  start_server();
  raw_client c(port());
  ASSERT_TRUE(c.connected());
  std::mt19937 rng(42);
  constexpr int n = 100;
  bytes all;
  std::vector<std::string> sent;
  for (int i = 0; i < n; ++i) {
    std::string body = "d";
    body += static_cast<char>(rng() % 15); // 0..14 ms of handler latency
    body += "#" + std::to_string(i);
    auto f = make_frame(body);
    all.insert(all.end(), f.begin(), f.end());
    sent.push_back(body);
  }
  c.send_all(all); // every request is on the wire before the first answer
  for (int i = 0; i < n; ++i) {
    auto r = c.read_frame();
    ASSERT_TRUE(r.has_value()) << "response " << i;
    EXPECT_EQ(*r, sent[i]);
  }
  EXPECT_EQ(handler.calls(), n);
}

TEST_F(framing, oversized_frame_closes_only_that_connection) {
  auto opts = default_options();
  opts.max_frame_bytes = 1024;
  start_server(opts);
  raw_client ok(port());
  raw_client bad(port());
  ok.send_frame("e-before");
  ASSERT_EQ(ok.read_frame(), "e-before");

  bad.send_all(size_prefix(1025));
  EXPECT_TRUE(bad.wait_closed());
  EXPECT_EQ(handler.calls(), 1);

  std::string at_limit(1024, 'e');
  ok.send_frame(at_limit);
  EXPECT_EQ(ok.read_frame(), at_limit);
  raw_client fresh(port());
  fresh.send_frame("e-after");
  EXPECT_EQ(fresh.read_frame(), "e-after");
}

TEST_F(framing, huge_size_prefix_is_rejected_before_allocating) {
  start_server(); // max 1 MiB
  raw_client c(port());
  c.send_all(size_prefix(0x7fffffff)); // 2 GiB: would be a visible allocation if attempted
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.calls(), 0);
}

TEST_F(framing, negative_size_closes) {
  start_server();
  raw_client c(port());
  c.send_all(size_prefix(-1));
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.calls(), 0);
  EXPECT_TRUE(eventually([&] { return handler.closed() == 1; }));
}

TEST_F(framing, truncated_frame_then_eof_closes_without_calling_the_handler) {
  start_server();
  raw_client c(port());
  auto f = make_frame("e-this-frame-is-cut-short");
  c.send_all(bytes_view(f).first(10));
  c.shutdown_write();
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(eventually([&] { return handler.closed() == 1; }));
  EXPECT_EQ(handler.calls(), 0);
  EXPECT_EQ(srv->connection_count(), 0u);
}

TEST_F(framing, truncated_size_prefix_then_eof_closes) {
  start_server();
  raw_client c(port());
  c.send_all(bytes{0, 0});
  c.shutdown_write();
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.calls(), 0);
}

TEST_F(framing, garbage_closes_the_connection) {
  start_server();
  raw_client c(port());
  c.send_all(as_bytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")); // "GET " = 0x47455420 > 1 MiB
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.calls(), 0);
}

TEST_F(framing, empty_frame_reaches_the_handler) {
  start_server();
  raw_client c(port());
  c.send_all(size_prefix(0));
  EXPECT_EQ(c.read_frame(), "");
  EXPECT_EQ(handler.calls(), 1);
}

TEST_F(framing, no_response_sends_nothing_and_carries_on) {
  start_server();
  raw_client c(port());
  bytes both = make_frame("n-silent");
  auto second = make_frame("e-second");
  both.insert(both.end(), second.begin(), second.end());
  c.send_all(both);
  EXPECT_EQ(c.read_frame(), "e-second"); // the first frame produced no bytes at all
  EXPECT_EQ(handler.calls(), 2);
}

TEST_F(framing, close_action_writes_earlier_responses_then_closes) {
  start_server();
  raw_client c(port());
  bytes frames;
  for (auto body : {"d\x05" "first", "c", "e-never"}) {
    auto f = make_frame(body);
    frames.insert(frames.end(), f.begin(), f.end());
  }
  c.send_all(frames);
  EXPECT_EQ(c.read_frame(), "d\x05" "first");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(handler.calls(), 2); // the frame after the close request is never handled
}

TEST_F(framing, handler_exception_closes_the_connection_and_the_server_survives) {
  start_server();
  raw_client c(port());
  c.send_frame("x");
  EXPECT_TRUE(c.wait_closed());
  EXPECT_TRUE(eventually([&] { return handler.closed() == 1; }));
  raw_client other(port());
  other.send_frame("e-still-serving");
  EXPECT_EQ(other.read_frame(), "e-still-serving");
}

TEST_F(framing, peer_reset_closes_the_connection) {
  start_server();
  auto c = std::make_unique<raw_client>(port());
  c->send_frame("e-hi");
  ASSERT_EQ(c->read_frame(), "e-hi");
  linger hard{1, 0}; // close() now sends RST instead of FIN
  ASSERT_EQ(::setsockopt(c->fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard), 0);
  c.reset();
  EXPECT_TRUE(eventually([&] { return handler.closed() == 1 && srv->connection_count() == 0; }));
}

TEST_F(framing, handler_may_hop_to_another_executor_and_back) {
  start_server();
  raw_client c(port());
  bytes frames;
  for (auto body : {"h1", "e2", "h3"}) {
    auto f = make_frame(body);
    frames.insert(frames.end(), f.begin(), f.end());
  }
  c.send_all(frames);
  EXPECT_EQ(c.read_frame(), "h1+hopped");
  EXPECT_EQ(c.read_frame(), "e2");
  EXPECT_EQ(c.read_frame(), "h3+hopped");
  EXPECT_EQ(handler.hops.load(), 2);
}

TEST_F(framing, full_read_ahead_queue_stops_reading) {
  auto opts = default_options();
  opts.max_queued_frames_per_connection = 2;
  opts.receive_buffer_bytes = 65536;
  start_server(opts);
  raw_client c(port());
  c.send_frame("w"); // blocks the handler until release()
  ASSERT_TRUE(eventually([&] { return handler.calls() == 1; }));

  // Without back-pressure the server would swallow all 64 MiB into its queue and send() would never
  // block; with it, the socket buffers fill up after a few frames.
  ASSERT_EQ(::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) | O_NONBLOCK), 0);
  std::string body = "a" + std::string(256 * 1024 - 1, 'p');
  bytes frame = make_frame(body);
  int frames_sent = 0;
  size_t partial = 0;
  bool blocked = false;
  for (int i = 0; i < 256 && !blocked; ++i) {
    size_t off = 0;
    while (off < frame.size()) {
      ssize_t n = ::send(c.fd(), frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // Give the server a moment to drain the socket in case it is merely slow.
        std::this_thread::sleep_for(50ms);
        n = ::send(c.fd(), frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          blocked = true;
          partial = off;
          break;
        }
      }
      ASSERT_GT(n, 0) << std::strerror(errno);
      off += static_cast<size_t>(n);
    }
    if (!blocked) ++frames_sent;
  }
  ASSERT_TRUE(blocked) << "server read " << frames_sent << " frames while the handler was busy";
  EXPECT_LT(frames_sent, 64);
  EXPECT_EQ(handler.calls(), 1);

  // Release: everything still gets handled, in order.
  handler.release();
  ASSERT_EQ(::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) & ~O_NONBLOCK), 0);
  c.send_all(bytes_view(frame).subspan(partial));
  ++frames_sent;
  EXPECT_EQ(c.read_frame(), "w");
  for (int i = 0; i < frames_sent; ++i) ASSERT_EQ(c.read_frame(), "A") << i;
  EXPECT_EQ(handler.calls(), frames_sent + 1);
}

} // namespace
} // namespace gregor::network::test
