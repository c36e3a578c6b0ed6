// Lazy index opening, the bounded .log descriptors through a partition_log, and the many-partitions
// startup measurement (GREGOR_MANY_PARTITIONS=<n> to run it at scale).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "gregor/log/fd_cache.h"
#include "gregor/log/filenames.h"
#include "gregor/log/log_manager.h"
#include "gregor/log/partition_log.h"
#include "gregor/log/segment.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

const topic_partition tp{"lazy", 0};

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& de : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// How many mappings of files under `dir` whose name ends with `suffix` this process holds.
size_t mappings(const std::filesystem::path& dir, const std::string& suffix) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  size_t n = 0;
  while (std::getline(maps, line)) {
    if (line.find(dir.string()) != std::string::npos && line.ends_with(suffix)) ++n;
  }
  return n;
}

struct lazy_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path dir = tmp.path() / "lazy-0";
  log_config cfg;
  bytes written;  // what the log holds, as stored

  lazy_fixture() {
    cfg.segment_bytes = 1200;
    cfg.index_interval_bytes = 100;
  }

  // Writes 40 batches (2 records each, timestamps 1000*i) over several segments and closes cleanly.
  void write_log() {
    auto log = partition_log::open(dir, tp, cfg, clk);
    ASSERT_TRUE(log);
    for (int i = 0; i < 40; ++i) {
      auto b = test::make_batch(2, 1000 * i, 60);
      auto r = (*log)->append(shared_bytes(b), 3);
      ASSERT_TRUE(r);
      auto s = test::stamped(b, r->first_offset, 3);
      written.insert(written.end(), s.begin(), s.end());
    }
    ASSERT_GE((*log)->segment_count(), 4u);
    (*log)->close();
  }
};

} // namespace

TEST_F(lazy_fixture, a_sealed_segment_maps_its_indexes_on_first_lookup) {
  write_log();
  auto seg = segment::open_lazy(dir, 0, cfg, clk.now_ms(), 0);
  ASSERT_TRUE(seg);
  EXPECT_FALSE((*seg)->indexes_loaded());
  EXPECT_EQ(mappings(dir, ".index"), 0u);
  EXPECT_EQ((*seg)->size(), std::filesystem::file_size(filenames::log_file(dir, 0)));
  EXPECT_FALSE((*seg)->indexes_loaded());  // size() needs no index

  auto b = (*seg)->find_batch(7);
  ASSERT_TRUE(b);
  ASSERT_TRUE(*b);
  EXPECT_EQ((*b)->base_offset, 6);
  EXPECT_EQ((*b)->last_offset, 7);
  EXPECT_TRUE((*seg)->indexes_loaded());
  EXPECT_EQ(mappings(dir, ".index"), 1u);
  EXPECT_GT((*seg)->offsets().entries(), 0u);
  EXPECT_EQ((*seg)->max_timestamp(), (*seg)->times().last_entry()->timestamp);
  ASSERT_TRUE((*seg)->close());
  EXPECT_EQ(mappings(dir, ".index"), 0u);
}

TEST_F(lazy_fixture, max_timestamp_does_not_keep_the_time_index_mapped) {
  write_log();
  auto eager = segment::open(dir, 0, cfg, clk.now_ms(), 0);
  ASSERT_TRUE(eager);
  int64_t want = (*eager)->max_timestamp();
  ASSERT_GT(want, 0);
  eager->reset();
  auto seg = segment::open_lazy(dir, 0, cfg, clk.now_ms(), 0);
  ASSERT_TRUE(seg);
  EXPECT_EQ((*seg)->max_timestamp(), want);
  EXPECT_FALSE((*seg)->indexes_loaded());
  EXPECT_EQ(mappings(dir, ".timeindex"), 0u);
}

TEST_F(lazy_fixture, a_corrupt_sealed_index_is_rebuilt_when_first_used) {
  write_log();
  auto path = filenames::offset_index_file(dir, 0);
  auto size = std::filesystem::file_size(path);
  ASSERT_GE(size, 16u);
  // Last entry points past the end of the .log: fails the cheap check.
  bytes garbage{0x00, 0x00, 0x00, 0x05, 0x7f, 0xff, 0xff, 0xff};
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 8));
    f.write(reinterpret_cast<const char*>(garbage.data()), 8);
  }
  auto seg = segment::open_lazy(dir, 0, cfg, clk.now_ms(), 0);
  ASSERT_TRUE(seg);
  for (int64_t o = 0; o < 8; ++o) {
    auto b = (*seg)->find_batch(o);
    ASSERT_TRUE(b);
    ASSERT_TRUE(*b);
    EXPECT_EQ((*b)->base_offset, o / 2 * 2);
  }
  EXPECT_TRUE((*seg)->offsets().validate((*seg)->size()));
  EXPECT_EQ(std::filesystem::file_size(path), (*seg)->offsets().entries() * offset_index::entry_size);
}

TEST_F(lazy_fixture, reopened_log_maps_only_the_active_segment_until_read) {
  write_log();
  auto log = partition_log::open(dir, tp, cfg, clk);
  ASSERT_TRUE(log);
  EXPECT_EQ(mappings(dir, ".index"), 1u);  // the active segment's
  EXPECT_EQ(mappings(dir, ".timeindex"), 1u);
  auto r = (*log)->read(0, SIZE_MAX, INT64_MAX, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records.linearize(), written);
  EXPECT_EQ(mappings(dir, ".index"), 2u);  // + the first segment (find_batch); later ones are walked
  // Lookups by offset and time agree with the data.
  auto mid = (*log)->read(41, 1, INT64_MAX, true);
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->first_offset, 40);
  using p = std::pair<int64_t, int64_t>;
  EXPECT_EQ((*log)->offset_for_timestamp(20'500), (p{21'001, 42}));
  EXPECT_EQ((*log)->offset_for_timestamp(0), (p{1, 0}));
  EXPECT_FALSE((*log)->offset_for_timestamp(39'002));
  // Appends continue.
  auto a = (*log)->append(shared_bytes(test::make_batch(1, 50'000)), 3);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first_offset, 80);
}

TEST_F(lazy_fixture, unclean_shutdown_still_recovers_segments_past_the_recovery_point) {
  write_log();
  // Corrupt a batch in the second segment; the recovery point says everything after 0 is unflushed.
  std::set<int64_t> bases;
  for (const auto& de : std::filesystem::directory_iterator(dir)) {
    auto name = de.path().filename().string();
    if (name.ends_with(".log")) bases.insert(std::stoll(name.substr(0, 20)));
  }
  ASSERT_GE(bases.size(), 3u);
  int64_t second = *std::next(bases.begin());
  {
    std::fstream f(filenames::log_file(dir, second), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(70);
    f.put('X');
  }
  recovery_hint hint;
  hint.clean_shutdown = false;
  hint.recovery_point = second;
  auto log = partition_log::open(dir, tp, cfg, clk, hint);
  ASSERT_TRUE(log);
  EXPECT_EQ((*log)->log_end_offset(), second);  // truncated at the corrupt batch
  EXPECT_EQ((*log)->segment_count(), 2u);
}

TEST_F(lazy_fixture, reads_work_with_a_tiny_descriptor_budget) {
  write_log();
  auto& cache = fd_cache::global();
  size_t saved = cache.capacity();
  cache.set_capacity(1);
  {
    auto log = partition_log::open(dir, tp, cfg, clk);
    ASSERT_TRUE(log);
    auto other = partition_log::open(tmp.path() / "lazy-1", topic_partition{"lazy", 1}, cfg, clk);
    ASSERT_TRUE(other);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE((*other)->append(shared_bytes(test::make_batch(1, 7)), 3));
      auto held = (*log)->read(0, SIZE_MAX, 80, false);  // evicts `other`'s .log, and so on
      ASSERT_TRUE(held);
      EXPECT_EQ(held->records.linearize(), written);
      ASSERT_TRUE((*log)->append(shared_bytes(test::make_batch(1, 60'000 + i)), 3));
    }
    EXPECT_EQ((*other)->log_end_offset(), 3);
    EXPECT_LE(cache.size(), 1u);
    (*other)->close();
    (*log)->close();
  }
  cache.set_capacity(saved);
}

// Startup after a clean shutdown with many partitions: a directory listing and O(1) file
// operations per partition. Prints the figure for docs/PERFORMANCE.md ("Many partitions").
TEST(many_partitions, clean_startup_is_bounded_in_descriptors) {
  size_t partitions = 200;
  if (const char* n = std::getenv("GREGOR_MANY_PARTITIONS")) partitions = std::strtoul(n, nullptr, 10);
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  auto dir = tmp.path() / "logs";
  log_config cfg;
  cfg.segment_bytes = 400;  // a few segments per partition
  cfg.index_interval_bytes = 100;
  auto batch = test::make_batch(2, 1000, 60);
  size_t base_fds = open_fds();
  auto t0 = std::chrono::steady_clock::now();
  {
    // One partition written through the log (rolls fsync, so writing thousands is slow), shut
    // down cleanly, then copied to the others: the same files a broker would leave.
    log_manager mgr({dir}, cfg, clk);
    ASSERT_TRUE(mgr.startup(1, "many")) << mgr.last_error();
    auto log = mgr.get_or_create(topic_partition{"many", 0}, cfg);
    ASSERT_TRUE(log) << mgr.last_error();
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->append(shared_bytes(batch), 0));
    mgr.shutdown();
    for (size_t p = 1; p < partitions; ++p) {
      std::filesystem::copy(dir / "many-0", dir / ("many-" + std::to_string(p)));
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  fd_cache::global().set_capacity(fd_cache::default_capacity());  // nothing cached from the writes
  size_t segments = 0;
  for (const auto& pd : std::filesystem::directory_iterator(dir)) {
    if (!pd.is_directory()) continue;
    for (const auto& f : std::filesystem::directory_iterator(pd.path())) segments += f.path().extension() == ".log";
  }
  log_manager mgr({dir}, cfg, clk);
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(mgr.startup(1, "many")) << mgr.last_error();
  auto t3 = std::chrono::steady_clock::now();
  size_t fds = open_fds();
  size_t index_maps = mappings(dir, ".index");
  EXPECT_EQ(mgr.partitions().size(), partitions);
  EXPECT_GT(segments, partitions * 2);
  // One .log per partition at most is open, and never more than the cache allows.
  EXPECT_LE(fds - base_fds, std::min(partitions, fd_cache::global().capacity()) + 8);
  EXPECT_EQ(index_maps, partitions);  // the active segments' only
  // Every partition still reads back what was written.
  size_t bad = 0;
  for (const auto& tpp : mgr.partitions()) {
    auto r = mgr.get(tpp)->read(0, SIZE_MAX, INT64_MAX, false);
    if (!r || r->size != 6 * batch.size()) ++bad;
  }
  EXPECT_EQ(bad, 0u);
  EXPECT_LE(open_fds() - base_fds, fd_cache::global().capacity() + 8);
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::printf("many partitions: %zu partitions, %zu segments; write+copy %lld ms; "
              "startup after clean shutdown %lld ms; open fds after startup %zu (+%zu); .index mappings %zu; "
              "fd cache capacity %zu\n",
              partitions, segments, static_cast<long long>(ms(t1 - t0)), static_cast<long long>(ms(t3 - t2)), fds,
              fds - base_fds, index_maps, fd_cache::global().capacity());
  mgr.shutdown();
}
