#include "gregor/log/fd_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

struct fd_cache_fixture : ::testing::Test {
  test::temp_dir tmp;

  // A file named `name` holding `name` as its content.
  std::filesystem::path make_file(const std::string& name) {
    auto p = tmp.path() / name;
    test::append_to_file(p, bytes_view(reinterpret_cast<const uint8_t*>(name.data()), name.size()));
    return p;
  }

  static std::string read_all(const file_descriptor& f, size_t n) {
    std::string s(n, '\0');
    auto got = ::pread(f.fd(), s.data(), n, 0);
    if (got < 0) return "<error>";
    s.resize(static_cast<size_t>(got));
    return s;
  }
};

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& de : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

} // namespace

TEST_F(fd_cache_fixture, default_capacity_is_half_the_soft_limit_and_at_least_the_minimum) {
  EXPECT_GE(fd_cache::default_capacity(), fd_cache::min_capacity);
  EXPECT_LE(fd_cache::default_capacity(), std::max<size_t>(static_cast<size_t>(sysconf(_SC_OPEN_MAX)) / 2 + 1,
                                                           fd_cache::min_capacity));
}

TEST_F(fd_cache_fixture, keeps_at_most_capacity_descriptors) {
  fd_cache cache(2);
  std::vector<std::unique_ptr<cached_log_file>> files;
  for (int i = 0; i < 5; ++i) files.push_back(std::make_unique<cached_log_file>(make_file("f" + std::to_string(i)), cache));
  size_t before = open_fds();
  for (auto& f : files) {
    auto fd = f->get();
    ASSERT_TRUE(fd) << fd.error().message();
    EXPECT_EQ(read_all(**fd, 2), f->path().filename().string());
  }
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.evictions(), 3u);
  EXPECT_EQ(open_fds(), before + 2);
  files.clear();  // forgetting drops the cached descriptors
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(open_fds(), before);
}

TEST_F(fd_cache_fixture, eviction_leaves_a_held_descriptor_valid_and_reuses_it) {
  fd_cache cache(1);
  cached_log_file a(make_file("aa"), cache);
  cached_log_file b(make_file("bb"), cache);
  auto held = a.get();
  ASSERT_TRUE(held);
  ASSERT_TRUE(b.get());  // evicts a's entry
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(read_all(**held, 2), "aa");  // the slice's descriptor is still open
  auto again = a.get();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), held->get());  // same descriptor, not a second one
}

TEST_F(fd_cache_fixture, reopens_after_eviction) {
  fd_cache cache(1);
  cached_log_file a(make_file("aa"), cache);
  cached_log_file b(make_file("bb"), cache);
  int first_fd = -1;
  {
    auto fa = a.get();
    ASSERT_TRUE(fa);
    first_fd = (*fa)->fd();
  }
  ASSERT_TRUE(b.get());  // a's descriptor is closed now
  auto fa = a.get();
  ASSERT_TRUE(fa) << fa.error().message();
  EXPECT_EQ(read_all(**fa, 2), "aa");
  EXPECT_GE(first_fd, 0);
}

TEST_F(fd_cache_fixture, forget_refuses_reopening) {
  fd_cache cache(4);
  auto path = make_file("aa");
  cached_log_file a(path, cache);
  ASSERT_TRUE(a.get());
  a.forget();
  EXPECT_EQ(cache.size(), 0u);
  // A file renamed after forget() (as retention does) is never reopened under the old name.
  std::filesystem::rename(path, tmp.path() / "aa.deleted");
  make_file("aa");
  auto r = a.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), make_error_code(errc::log_closed));
}

TEST_F(fd_cache_fixture, open_failure_is_an_error) {
  fd_cache cache(4);
  cached_log_file a(tmp.path() / "missing", cache);
  auto r = a.get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::error_code(ENOENT, std::system_category()));
}

TEST_F(fd_cache_fixture, shrinking_the_capacity_evicts) {
  fd_cache cache(8);
  std::vector<std::unique_ptr<cached_log_file>> files;
  for (int i = 0; i < 6; ++i) {
    files.push_back(std::make_unique<cached_log_file>(make_file("f" + std::to_string(i)), cache));
    ASSERT_TRUE(files.back()->get());
  }
  EXPECT_EQ(cache.size(), 6u);
  cache.set_capacity(3);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_GE(cache.shed(), 1u);
  EXPECT_EQ(cache.size(), 2u);
}

TEST_F(fd_cache_fixture, two_threads_share_one_cache) {
  fd_cache cache(3);
  // Each thread owns its files (as each partition owns its segments); the cache is shared.
  std::vector<std::filesystem::path> paths;
  for (int i = 0; i < 8; ++i) paths.push_back(make_file("file" + std::to_string(i)));
  std::atomic<int> failures{0};
  auto work = [&](int first) {
    std::vector<std::unique_ptr<cached_log_file>> mine;
    for (int i = first; i < first + 4; ++i) mine.push_back(std::make_unique<cached_log_file>(paths[i], cache));
    for (int round = 0; round < 2000; ++round) {
      auto& f = *mine[static_cast<size_t>(round * 7 % 4)];
      auto fd = f.get();
      if (!fd || read_all(**fd, 5) != f.path().filename().string()) ++failures;
    }
  };
  size_t before = open_fds();
  std::thread t1(work, 0);
  std::thread t2(work, 4);
  t1.join();
  t2.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(cache.size(), 3u);
  EXPECT_GT(cache.evictions(), 0u);
  EXPECT_EQ(open_fds(), before);  // every file was forgotten with its owner
}
