// Crash recovery (ON-DISK-FORMAT §8): a log written, "crashed" (destroyed without close), damaged
// at seeded random points of its .log, .index and .timeindex files, then reopened as after an
// unclean shutdown. Every batch below the first damaged one must read back identical, nothing at
// or after it may be served, and the indexes must agree with the data.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

const topic_partition tp{"events", 3};

struct written_batch {
  int64_t base = 0;
  int64_t last = 0;
  int64_t max_ts = 0;
  int32_t epoch = 0;
  bytes stored;  // bytes as the log holds them
};

// Where a batch sits on disk.
struct placement {
  int64_t segment_base = 0;
  uint64_t position = 0;
};

struct recovery_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path dir = tmp.path() / "events-3";

  log_config small_segments() const {
    log_config cfg;
    cfg.segment_bytes = 2500;
    cfg.index_interval_bytes = 200;
    cfg.segment_index_bytes = 4096;
    return cfg;
  }

  std::unique_ptr<partition_log> open(const log_config& cfg, recovery_hint hint = {}) {
    auto log = partition_log::open(dir, tp, cfg, clk, hint);
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }

  // Writes `count` random batches (1-4 records, 20-200 byte values, epochs growing now and then)
  // and crashes: the log object is destroyed without close().
  std::vector<written_batch> write_and_crash(std::mt19937_64& rng, const log_config& cfg, int count) {
    std::vector<written_batch> out;
    auto log = open(cfg);
    int32_t ep = 0;
    int64_t ts = 1'000'000;
    for (int i = 0; i < count; ++i) {
      if (rng() % 7 == 0) ep += 1 + static_cast<int32_t>(rng() % 2);
      auto records = static_cast<int32_t>(1 + rng() % 4);
      size_t value = 20 + rng() % 180;
      ts += 1 + static_cast<int64_t>(rng() % 5);
      bytes b = test::make_batch(records, ts, value);
      auto r = log->append(shared_bytes(b), ep);
      EXPECT_TRUE(r);
      out.push_back({r->first_offset, r->last_offset, ts + records - 1, ep, test::stamped(b, r->first_offset, ep)});
      ts += records;
    }
    return out;
  }

  std::map<int64_t, placement> placements(const std::vector<written_batch>& batches) {
    std::vector<int64_t> bases;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      auto p = filenames::parse_segment_file_name(e.path().filename().string());
      if (p && p->kind == filenames::segment_file_kind::log && p->suffix.empty()) bases.push_back(p->offset);
    }
    std::sort(bases.begin(), bases.end());
    std::map<int64_t, placement> out;
    for (size_t s = 0; s < bases.size(); ++s) {
      uint64_t pos = 0;
      for (const auto& b : batches) {
        if (b.base < bases[s] || (s + 1 < bases.size() && b.base >= bases[s + 1])) continue;
        out[b.base] = {bases[s], pos};
        pos += b.stored.size();
      }
    }
    return out;
  }

  // Checks the reopened log against the batches written: [0, first_bad) intact, nothing beyond.
  void check(partition_log& log, const std::vector<written_batch>& batches, size_t first_bad, const std::string& what) {
    SCOPED_TRACE(what);
    int64_t end = first_bad < batches.size() ? batches[first_bad].base : batches.back().last + 1;
    ASSERT_EQ(log.log_end_offset(), end);
    bytes want;
    for (size_t i = 0; i < first_bad; ++i) want.insert(want.end(), batches[i].stored.begin(), batches[i].stored.end());
    auto all = log.read(0, SIZE_MAX, INT64_MAX, false);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->records.linearize(), want);
    for (size_t i = 0; i < first_bad; ++i) {
      const auto& b = batches[i];
      for (int64_t o : {b.base, b.last}) {
        auto one = log.read(o, 1, INT64_MAX, true);
        ASSERT_TRUE(one) << o;
        ASSERT_EQ(one->records.linearize(), b.stored) << "offset " << o;
      }
      auto by_time = log.offset_for_timestamp(b.max_ts);
      ASSERT_TRUE(by_time) << "timestamp " << b.max_ts;
      EXPECT_EQ(by_time->second, b.base) << "timestamp " << b.max_ts;
    }
    auto at_end = log.read(end, SIZE_MAX, INT64_MAX, true);
    ASSERT_TRUE(at_end);
    EXPECT_EQ(at_end->size, 0u);
    EXPECT_EQ(log.read(end + 1, SIZE_MAX, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
    // The epoch cache: the first offset of every epoch that still has data.
    std::vector<epoch_entry> epochs;
    for (size_t i = 0; i < first_bad; ++i) {
      if (epochs.empty() || epochs.back().epoch != batches[i].epoch) epochs.push_back({batches[i].epoch, batches[i].base});
    }
    EXPECT_EQ(log.epoch_cache().entries(), epochs);
  }
};

void xor_bytes(const std::filesystem::path& p, uint64_t from, uint64_t count, uint8_t mask) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  for (uint64_t i = 0; i < count; ++i) {
    f.seekg(static_cast<std::streamoff>(from + i));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(from + i));
    f.put(static_cast<char>(c ^ static_cast<char>(mask)));
  }
}

TEST_F(recovery_fixture, random_damage_is_truncated_at_the_first_bad_batch) {
  std::mt19937_64 rng(20240917);
  for (int round = 0; round < 100; ++round) {
    std::filesystem::remove_all(dir);
    auto batches = write_and_crash(rng, small_segments(), 40 + static_cast<int>(rng() % 40));
    auto where = placements(batches);
    std::vector<int64_t> bases;
    for (const auto& [b, pl] : where) {
      if (bases.empty() || bases.back() != pl.segment_base) bases.push_back(pl.segment_base);
    }
    int64_t seg = bases[rng() % bases.size()];
    size_t first_bad = batches.size();
    std::string what;
    int kind = static_cast<int>(rng() % 6);
    if (kind <= 2) {
      // Damage the .log inside a random batch of that segment, never in the base offset or leader
      // epoch fields (bytes 0-7 and 12-15 are outside the CRC, as in Kafka).
      std::vector<size_t> in_segment;
      for (size_t i = 0; i < batches.size(); ++i) {
        if (where[batches[i].base].segment_base == seg) in_segment.push_back(i);
      }
      size_t victim = in_segment[rng() % in_segment.size()];
      const auto& b = batches[victim];
      uint64_t start = where[b.base].position;
      uint64_t size = b.stored.size();
      auto log_path = filenames::log_file(dir, seg);
      if (kind == 0) {
        uint64_t cut = start + 1 + rng() % (size - 1);
        std::filesystem::resize_file(log_path, cut);
        what = "truncate .log of " + std::to_string(seg) + " at " + std::to_string(cut);
      } else {
        uint64_t in = rng() % (size - 8);
        in = in < 4 ? 8 + in : in + 8;  // 8..11 or 16..size-1
        if (in >= 12 && in < 16) in += 4;
        if (in >= size) in = size - 1;
        uint64_t count = kind == 1 ? 1 : std::filesystem::file_size(log_path) - (start + in);
        xor_bytes(log_path, start + in, count, static_cast<uint8_t>(1 + rng() % 255));
        what = (kind == 1 ? "flip byte " : "scramble tail from ") + std::to_string(start + in) + " of .log " +
               std::to_string(seg);
      }
      first_bad = victim;
    } else {
      auto path = kind == 3 ? filenames::offset_index_file(dir, seg) : filenames::time_index_file(dir, seg);
      uint64_t size = std::filesystem::file_size(path);
      if (kind == 5 || size == 0) {
        std::filesystem::remove(path);
        what = "delete " + path.filename().string();
      } else if (rng() % 2 == 0) {
        std::filesystem::resize_file(path, rng() % size);
        what = "truncate " + path.filename().string();
      } else {
        uint64_t at = rng() % size;
        xor_bytes(path, at, std::min<uint64_t>(size - at, 1 + rng() % 24), static_cast<uint8_t>(1 + rng() % 255));
        what = "scramble " + path.filename().string();
      }
    }
    what = "round " + std::to_string(round) + ": " + what;

    recovery_hint unclean;
    unclean.clean_shutdown = false;
    unclean.recovery_point = 0;
    auto log = open(small_segments(), unclean);
    ASSERT_TRUE(log) << what;
    check(*log, batches, first_bad, what);
    EXPECT_EQ(log->recovery_point(), 0);
    if (first_bad < batches.size()) {
      // Later segments are gone from disk too.
      for (int64_t b : bases) {
        if (b > seg) {
          EXPECT_FALSE(std::filesystem::exists(filenames::log_file(dir, b))) << what;
        }
      }
    }
    // Appends continue at the recovered end, and a clean reopen sees the same log.
    int64_t end = log->log_end_offset();
    auto more = log->append(shared_bytes(test::make_batch(2, 9'000'000, 30)), 99);
    ASSERT_TRUE(more) << what;
    EXPECT_EQ(more->first_offset, end);
    bytes all = log->read(0, SIZE_MAX, INT64_MAX, false)->records.linearize();
    log->close();
    log.reset();
    auto again = open(small_segments());
    ASSERT_TRUE(again) << what;
    EXPECT_EQ(again->log_end_offset(), end + 2) << what;
    EXPECT_EQ(again->read(0, SIZE_MAX, INT64_MAX, false)->records.linearize(), all) << what;
    EXPECT_EQ(again->latest_epoch(), 99);
  }
}

TEST_F(recovery_fixture, recovery_starts_at_the_segment_holding_the_recovery_point) {
  std::mt19937_64 rng(7);
  auto batches = write_and_crash(rng, small_segments(), 80);
  auto where = placements(batches);
  std::vector<int64_t> bases;
  for (const auto& [b, pl] : where) {
    if (bases.empty() || bases.back() != pl.segment_base) bases.push_back(pl.segment_base);
  }
  ASSERT_GE(bases.size(), 5u);
  // Damage the last batch of segment 1 (before the recovery point: trusted, so not looked at) and a
  // batch in the middle of segment 3 (after it: found, log cut there).
  int64_t rp_segment = bases[2];
  size_t in_one = 0;
  size_t in_three = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    if (where[batches[i].base].segment_base == bases[1]) in_one = i;
    if (where[batches[i].base].segment_base == bases[3] && in_three == 0) in_three = i + 1;
  }
  xor_bytes(filenames::log_file(dir, bases[1]), where[batches[in_one].base].position + 40, 1, 0x10);
  xor_bytes(filenames::log_file(dir, bases[3]), where[batches[in_three].base].position + 30, 1, 0x01);

  recovery_hint unclean;
  unclean.clean_shutdown = false;
  unclean.recovery_point = rp_segment + 1;
  auto log = open(small_segments(), unclean);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), batches[in_three].base);
  EXPECT_EQ(log->recovery_point(), rp_segment + 1);
  EXPECT_EQ(log->segment_count(), 4u);
  // The trusted segment was not re-verified: its damaged batch is still there byte for byte (a
  // fetch would hand it to the client, whose CRC check catches it, as with Kafka).
  auto r = log->read(batches[in_one].base, 1, INT64_MAX, true);
  ASSERT_TRUE(r);
  EXPECT_NE(r->records.linearize(), batches[in_one].stored);
  for (size_t i = in_one + 1; i < in_three; ++i) {
    auto one = log->read(batches[i].base, 1, INT64_MAX, true);
    ASSERT_TRUE(one);
    EXPECT_EQ(one->records.linearize(), batches[i].stored);
  }
}

TEST_F(recovery_fixture, clean_start_checks_only_the_tail_but_rebuilds_bad_indexes) {
  std::mt19937_64 rng(11);
  std::vector<written_batch> batches;
  {
    auto log = open(small_segments());
    int64_t ts = 5000;
    for (int i = 0; i < 40; ++i) {
      bytes b = test::make_batch(2, ts, 100);
      auto r = log->append(shared_bytes(b), 1);
      ASSERT_TRUE(r);
      batches.push_back({r->first_offset, r->last_offset, ts + 1, 1, test::stamped(b, r->first_offset, 1)});
      ts += 2;
    }
    log->close();
  }
  auto where = placements(batches);
  // An index of a middle segment cut to a length that is not a multiple of 8, and one deleted.
  int64_t middle = where[batches[15].base].segment_base;
  ASSERT_GT(middle, 0);
  auto idx = filenames::offset_index_file(dir, middle);
  ASSERT_GT(std::filesystem::file_size(idx), 8u);
  std::filesystem::resize_file(idx, std::filesystem::file_size(idx) - 3);
  std::filesystem::remove(filenames::time_index_file(dir, 0));
  auto log = open(small_segments());  // clean hint
  ASSERT_TRUE(log);
  check(*log, batches, batches.size(), "clean start with bad indexes");
  EXPECT_EQ(std::filesystem::file_size(idx) % 8, 0u);
  EXPECT_TRUE(std::filesystem::exists(filenames::time_index_file(dir, 0)));
}

TEST_F(recovery_fixture, log_start_checkpoint_and_empty_restart) {
  std::mt19937_64 rng(3);
  auto batches = write_and_crash(rng, small_segments(), 30);
  int64_t leo = batches.back().last + 1;
  {
    recovery_hint hint;
    hint.log_start_offset = batches[10].base + 1;  // inside a batch: DeleteRecords did that
    auto log = open(small_segments(), hint);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_start_offset(), batches[10].base + 1);
    EXPECT_EQ(log->log_end_offset(), leo);
    EXPECT_EQ(log->read(batches[10].base, 1, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
    // Reading at the start offset serves the whole batch holding it.
    EXPECT_EQ(log->read(batches[10].base + 1, 1, INT64_MAX, true)->records.linearize(), batches[10].stored);
    ASSERT_FALSE(log->epoch_cache().entries().empty());
    EXPECT_EQ(log->epoch_cache().entries().front().start_offset, batches[10].base + 1);
    log->close();
  }
  // §8 step 4: a checkpointed start beyond the log end: the log restarts empty there.
  recovery_hint beyond;
  beyond.clean_shutdown = false;
  beyond.log_start_offset = leo + 100;
  auto log = open(small_segments(), beyond);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_start_offset(), leo + 100);
  EXPECT_EQ(log->log_end_offset(), leo + 100);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_TRUE(log->epoch_cache().entries().empty());
  EXPECT_TRUE(std::filesystem::exists(filenames::log_file(dir, leo + 100)));
  EXPECT_FALSE(std::filesystem::exists(filenames::log_file(dir, 0)));
  auto r = log->append(shared_bytes(test::make_batch(1, 1)), 4);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_offset, leo + 100);
}

TEST_F(recovery_fixture, epoch_cache_is_written_on_new_epochs_and_rebuilt_when_malformed) {
  auto cache_file = dir / "leader-epoch-checkpoint";
  {
    auto log = open({});
    ASSERT_TRUE(log->append(shared_bytes(test::make_batch(2, 10)), 0));
    ASSERT_TRUE(log->append(shared_bytes(test::make_batch(2, 12)), 0));
    ASSERT_TRUE(log->append(shared_bytes(test::make_batch(2, 14)), 3));
    ASSERT_TRUE(log->assign_epoch_at_end(5));
    EXPECT_EQ(test::read_text(cache_file), "0\n3\n0 0\n3 4\n5 6\n");
    EXPECT_EQ(log->end_offset_for_epoch(0), (std::pair<int32_t, int64_t>{0, 4}));
    EXPECT_EQ(log->end_offset_for_epoch(5), (std::pair<int32_t, int64_t>{5, 6}));
    log->close();
  }
  {
    // The epoch with no data (5 at 6 = LEO) is dropped on load (§8 step 5).
    auto log = open({});
    EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{0, 0}, {3, 4}}));
    log->close();
  }
  std::ofstream(cache_file, std::ios::trunc) << "0\n7\ngarbage\n";
  auto log = open({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 6);
  EXPECT_EQ(log->epoch_cache().entries(), (std::vector<epoch_entry>{{0, 0}, {3, 4}}));
  EXPECT_EQ(test::read_text(cache_file), "0\n2\n0 0\n3 4\n");
}

} // namespace
