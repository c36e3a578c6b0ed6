// Responses that carry file ranges go out with sendfile(2), byte-exact.

#include <cstdlib>
#include <fcntl.h>
#include <random>
#include <unistd.h>

#include "gregor/common/endian.h"
#include "test_support.h"

namespace gregor::network::test {
namespace {

class sendfile_responses : public network_fixture {
protected:
  // A temp file with `size` pseudo-random bytes; returns its contents and an open descriptor.
  std::shared_ptr<const file_descriptor> make_file(size_t size, bytes& contents) {
    char path[] = "/tmp/gregor_network_test_XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::unlink(path);
    contents.resize(size);
    std::mt19937 rng(7);
    for (auto& b : contents) b = static_cast<uint8_t>(rng());
    size_t off = 0;
    while (off < size) {
      ssize_t n = ::write(fd, contents.data() + off, size - off);
      EXPECT_GT(n, 0);
      off += static_cast<size_t>(n);
    }
    return std::make_shared<file_descriptor>(fd);
  }
};

TEST_F(sendfile_responses, small_file_slice_arrives_byte_exact) {
  bytes contents;
  auto file = make_file(1000, contents);
  handler.file_response = [&] {
    iobuf b;
    bytes prefix(4);
    store_be<int32_t>(prefix.data(), 3 + 500);
    b.append(prefix);
    b.append(as_bytes("hdr"));
    b.append(file_slice{file, 100, 500});
    return b;
  };
  start_server();
  raw_client c(port());
  c.send_frame("f");
  auto r = c.read_frame();
  ASSERT_TRUE(r.has_value());
  std::string expected = "hdr" + std::string(contents.begin() + 100, contents.begin() + 600);
  EXPECT_EQ(*r, expected);
}

TEST_F(sendfile_responses, large_mixed_response_larger_than_socket_buffers) {
  constexpr size_t file_size = 8u << 20;
  bytes contents;
  auto file = make_file(file_size, contents);
  bytes middle(300000);
  for (size_t i = 0; i < middle.size(); ++i) middle[i] = static_cast<uint8_t>(i * 31);
  shared_bytes middle_shared(middle);
  handler.file_response = [&] {
    iobuf b;
    size_t total = 5 + file_size + middle.size() + 4096 + 3;
    bytes prefix(4);
    store_be<int32_t>(prefix.data(), static_cast<int32_t>(total));
    b.append(prefix);
    b.append(as_bytes("start"));
    b.append(file_slice{file, 0, file_size});
    b.append(middle_shared);
    b.append(file_slice{file, 12345, 4096});
    b.append(as_bytes("end"));
    return b;
  };
  auto opts = default_options();
  opts.send_buffer_bytes = 65536; // far below 8 MiB: many partial sendfile calls and EAGAIN waits
  start_server(opts);
  raw_client c(port(), 10000ms);
  c.send_frame("f");
  c.send_frame("e-after"); // the next response follows the big one intact
  auto r = c.read_frame();
  ASSERT_TRUE(r.has_value());
  std::string expected = "start";
  expected.append(contents.begin(), contents.end());
  expected.append(middle.begin(), middle.end());
  expected.append(contents.begin() + 12345, contents.begin() + 12345 + 4096);
  expected += "end";
  ASSERT_EQ(r->size(), expected.size());
  EXPECT_TRUE(*r == expected);
  EXPECT_EQ(c.read_frame(), "e-after");
}

TEST_F(sendfile_responses, truncated_file_closes_without_sending_garbage) {
  bytes contents;
  auto file = make_file(1000, contents);
  handler.file_response = [&] {
    iobuf b;
    bytes prefix(4);
    store_be<int32_t>(prefix.data(), 2000);
    b.append(prefix);
    b.append(file_slice{file, 0, 2000}); // the "segment" is shorter than the index said
    return b;
  };
  start_server();
  raw_client c(port());
  c.send_frame("e-first");
  EXPECT_EQ(c.read_frame(), "e-first");
  c.send_frame("f");
  EXPECT_TRUE(c.wait_closed()); // not one byte of the bad response
}

} // namespace
} // namespace gregor::network::test
