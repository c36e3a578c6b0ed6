// gregor-bench-probe: this machine's limits for the numbers in docs/PERFORMANCE.md, measured
// with the same system calls the broker's data path uses.
//
//   gregor-bench-probe tcp      [--bytes N] [--chunk N]        loopback TCP, write() -> read()
//   gregor-bench-probe sendfile --dir D [--bytes N] [--chunk N] page-cached file -> sendfile() -> loopback -> read()
//   gregor-bench-probe write    --dir D [--bytes N] [--chunk N] write() into the page cache (no fsync)
//   gregor-bench-probe disk     --dir D [--bytes N] [--chunk N] write() then fdatasync(): the device
//
// Each prints one line "probe=<name> bytes=<n> seconds=<s> mib_per_sec=<r>" on stdout; exit 1 on
// any system-call failure. Two threads (sender, receiver) for the socket probes, as a broker and
// its client are two processes.

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

struct args {
  std::string probe;
  std::string dir;
  int64_t bytes = 1LL << 30;
  int64_t chunk = 1 << 20;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "gregor-bench-probe: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void report(const char* name, int64_t bytes, steady::duration elapsed) {
  double secs = std::chrono::duration<double>(elapsed).count();
  std::printf("probe=%s bytes=%lld seconds=%.3f mib_per_sec=%.1f\n", name, static_cast<long long>(bytes), secs,
              secs > 0 ? static_cast<double>(bytes) / (1024.0 * 1024.0) / secs : 0.0);
}

// A connected loopback pair: {sender, receiver}.
std::pair<int, int> loopback_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) die("bind");
  if (::listen(listener, 1) != 0) die("listen");
  socklen_t len = sizeof(addr);
  if (::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) die("getsockname");
  int sender = ::socket(AF_INET, SOCK_STREAM, 0);
  if (sender < 0) die("socket");
  if (::connect(sender, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) die("connect");
  int receiver = ::accept(listener, nullptr, nullptr);
  if (receiver < 0) die("accept");
  ::close(listener);
  int one = 1;
  ::setsockopt(sender, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return {sender, receiver};
}

// Reads until EOF into a reused buffer (a client that looks at nothing); returns the byte count.
int64_t drain(int fd, size_t chunk) {
  std::vector<char> buf(chunk);
  int64_t total = 0;
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read");
    if (n == 0) return total;
    total += n;
  }
}

void write_all(int fd, const char* data, size_t len) {
  while (len > 0) {
    ssize_t n = ::write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("write");
    data += n;
    len -= static_cast<size_t>(n);
  }
}

int probe_tcp(const args& a) {
  auto [sender, receiver] = loopback_pair();
  std::atomic<int64_t> received{0};
  std::thread reader([&, fd = receiver] { received = drain(fd, static_cast<size_t>(a.chunk)); });
  std::vector<char> buf(static_cast<size_t>(a.chunk), 'x');
  auto start = steady::now();
  for (int64_t sent = 0; sent < a.bytes; sent += a.chunk) {
    write_all(sender, buf.data(), static_cast<size_t>(std::min(a.chunk, a.bytes - sent)));
  }
  ::shutdown(sender, SHUT_WR);
  reader.join();
  auto elapsed = steady::now() - start;
  ::close(sender);
  ::close(receiver);
  report("tcp_loopback", received, elapsed);
  return 0;
}

// Creates a file of a.bytes in a.dir and returns its descriptor (unlinked: nothing is left behind).
int scratch_file(const args& a, const char* name) {
  std::string path = a.dir + "/" + name;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("open");
  ::unlink(path.c_str());
  return fd;
}

// write() of a.bytes; with sync, the clock stops only after fdatasync() returns, which measures
// what the device sustains once the page cache's dirty limits are reached.
int probe_write(const args& a, bool sync) {
  int fd = scratch_file(a, "gregor-probe-write.tmp");
  std::vector<char> buf(static_cast<size_t>(a.chunk), 'w');
  auto start = steady::now();
  for (int64_t written = 0; written < a.bytes; written += a.chunk) {
    write_all(fd, buf.data(), static_cast<size_t>(std::min(a.chunk, a.bytes - written)));
  }
  if (sync && ::fdatasync(fd) != 0) die("fdatasync");
  auto elapsed = steady::now() - start;
  ::close(fd);
  report(sync ? "disk_write_fdatasync" : "page_cache_write", a.bytes, elapsed);
  return 0;
}

// The file is at most 256 MiB and is sent again from its start until a.bytes went out: a segment
// being read by consumers is in the page cache, and a smaller file dirties less of it.
int probe_sendfile(const args& a) {
  int fd = scratch_file(a, "gregor-probe-sendfile.tmp");
  const int64_t file_bytes = std::min<int64_t>(a.bytes, 256LL << 20);
  std::vector<char> buf(static_cast<size_t>(a.chunk), 's');
  for (int64_t written = 0; written < file_bytes; written += a.chunk) {
    write_all(fd, buf.data(), static_cast<size_t>(std::min(a.chunk, file_bytes - written)));
  }
  // Read it once so every page is cached, as a recently written segment is.
  if (::lseek(fd, 0, SEEK_SET) != 0) die("lseek");
  while (::read(fd, buf.data(), buf.size()) > 0) {
  }
  auto [sender, receiver] = loopback_pair();
  std::atomic<int64_t> received{0};
  std::thread reader([&, rfd = receiver] { received = drain(rfd, static_cast<size_t>(a.chunk)); });
  auto start = steady::now();
  for (int64_t sent = 0; sent < a.bytes;) {
    off_t offset = 0;
    const int64_t pass = std::min(file_bytes, a.bytes - sent);
    while (offset < pass) {
      ssize_t n = ::sendfile(sender, fd, &offset, static_cast<size_t>(std::min<int64_t>(a.chunk, pass - offset)));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) die("sendfile");
    }
    sent += pass;
  }
  ::shutdown(sender, SHUT_WR);
  reader.join();
  auto elapsed = steady::now() - start;
  ::close(sender);
  ::close(receiver);
  ::close(fd);
  report("sendfile_loopback", received, elapsed);
  return 0;
}

int usage() {
  std::fprintf(stderr, "usage: gregor-bench-probe tcp|sendfile|write|disk [--dir D] [--bytes N] [--chunk N]\n");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  args a;
  a.probe = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--dir") {
      a.dir = value;
    } else if (flag == "--bytes") {
      a.bytes = std::strtoll(value, nullptr, 10);
    } else if (flag == "--chunk") {
      a.chunk = std::strtoll(value, nullptr, 10);
    } else {
      return usage();
    }
  }
  if (a.bytes <= 0 || a.chunk <= 0 || a.chunk > (1LL << 30)) return usage();
  if (a.probe == "tcp") return probe_tcp(a);
  if (a.dir.empty()) return usage();
  if (a.probe == "sendfile") return probe_sendfile(a);
  if (a.probe == "write") return probe_write(a, false);
  if (a.probe == "disk") return probe_write(a, true);
  return usage();
}
