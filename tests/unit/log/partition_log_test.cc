#include "gregor/log/partition_log.h"

#include <gtest/gtest.h>
#include <set>

#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/offset_index.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

constexpr int32_t epoch = 5;
const topic_partition tp{"orders", 0};

struct fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path dir = tmp.path() / "orders-0";

  std::unique_ptr<partition_log> open(const log_config& cfg) {
    auto log = partition_log::open(dir, tp, cfg, clk);
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }

  // Appends `batch` and returns the bytes the log is expected to hold for it.
  bytes append(partition_log& log, const bytes& batch) {
    auto r = log.append(shared_bytes(batch), epoch);
    EXPECT_TRUE(r) << r.error().message();
    return test::stamped(batch, r ? r->first_offset : -1, epoch);
  }

  bytes read_all(partition_log& log, int64_t from = 0) {
    auto r = log.read(from, SIZE_MAX, INT64_MAX, false);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->records.linearize() : bytes{};
  }

  std::vector<offset_position> index_entries(int64_t base) {
    bytes raw = test::read_file(filenames::offset_index_file(dir, base));
    std::vector<offset_position> out;
    for (size_t i = 0; i + 8 <= raw.size(); i += 8) {
      out.push_back({base + load_be<int32_t>(raw.data() + i), load_be<uint32_t>(raw.data() + i + 4)});
    }
    return out;
  }

  std::vector<std::pair<int64_t, int64_t>> time_entries(int64_t base) {
    bytes raw = test::read_file(filenames::time_index_file(dir, base));
    std::vector<std::pair<int64_t, int64_t>> out;
    for (size_t i = 0; i + 12 <= raw.size(); i += 12) {
      out.emplace_back(load_be<int64_t>(raw.data() + i), base + load_be<int32_t>(raw.data() + i + 8));
    }
    return out;
  }

  std::set<std::string> files() {
    std::set<std::string> out;
    for (const auto& de : std::filesystem::directory_iterator(dir)) out.insert(de.path().filename().string());
    return out;
  }
};

} // namespace

TEST_F(fixture, append_assigns_offsets_and_reads_round_trip_across_segments) {
  log_config cfg;
  cfg.segment_bytes = 1000;
  auto log = open(cfg);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(files(), (std::set<std::string>{"00000000000000000000.log", "00000000000000000000.index",
                                            "00000000000000000000.timeindex"}));

  bytes expected;
  std::vector<bytes> stored;
  for (int i = 0; i < 20; ++i) {
    bytes batch = test::make_batch(3, 1000 + i * 10, 40);
    shared_bytes input(batch);
    auto r = log->append(input, epoch);
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(r->first_offset, 3 * i);
    EXPECT_EQ(r->last_offset, 3 * i + 2);
    EXPECT_EQ(r->max_timestamp, 1000 + i * 10 + 2);
    EXPECT_EQ(r->offset_of_max_timestamp, 3 * i + 2);
    EXPECT_EQ(r->log_start_offset, 0);
    EXPECT_EQ(input.view().size(), batch.size());
    EXPECT_TRUE(std::equal(batch.begin(), batch.end(), input.view().begin()));  // caller's bytes untouched
    stored.push_back(test::stamped(batch, 3 * i, epoch));
    expected.insert(expected.end(), stored.back().begin(), stored.back().end());
  }
  EXPECT_EQ(log->log_end_offset(), 60);
  size_t batch_size = stored[0].size();
  size_t per_segment = 1000 / batch_size;  // roll when size > segment.bytes - incoming
  EXPECT_EQ(log->segment_count(), (20 + per_segment - 1) / per_segment);
  EXPECT_EQ(log->size_bytes(), expected.size());
  for (const auto& b : stored) EXPECT_TRUE(test::crc_ok(b));  // stamped fields are outside the CRC

  // Segment files are named by their 20-digit base offsets.
  std::set<std::string> logs;
  for (const auto& f : files()) {
    if (f.ends_with(".log")) logs.insert(f);
  }
  std::set<std::string> want;
  for (size_t s = 0; s < log->segment_count(); ++s) want.insert(filenames::offset_base_name(static_cast<int64_t>(s * per_segment * 3)) + ".log");
  EXPECT_EQ(logs, want);

  EXPECT_EQ(read_all(*log), expected);
  // Every offset finds the batch that contains it.
  for (int64_t o = 0; o < 60; ++o) {
    auto r = log->read(o, 1, INT64_MAX, true);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->first_offset, o / 3 * 3);
    EXPECT_EQ(r->records.linearize(), stored[static_cast<size_t>(o / 3)]);
  }
}

TEST_F(fixture, a_smaller_segment_bytes_applies_to_the_active_segment_at_once) {
  auto log = open(log_config{});
  ASSERT_TRUE(log);
  for (int i = 0; i < 5; ++i) append(*log, test::make_batch(1, 100 + i, 100));
  EXPECT_EQ(log->segment_count(), 1u);
  log_config smaller;
  smaller.segment_bytes = 400;  // the active segment already holds more than this
  log->set_config(smaller);
  append(*log, test::make_batch(1, 200, 100));
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(log->first_segment_base_offset(), 0);
  EXPECT_EQ(log->log_end_offset(), 6);
}

TEST_F(fixture, one_append_of_several_batches) {
  auto log = open({});
  bytes a = test::make_batch(2, 100);
  bytes b = test::make_batch(5, 200);
  bytes c = test::make_batch(1, 150);
  bytes all = a;
  all.insert(all.end(), b.begin(), b.end());
  all.insert(all.end(), c.begin(), c.end());
  auto r = log->append(shared_bytes(all), epoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_offset, 0);
  EXPECT_EQ(r->last_offset, 7);
  EXPECT_EQ(r->max_timestamp, 204);
  EXPECT_EQ(r->offset_of_max_timestamp, 6);
  bytes want = test::stamped(a, 0, epoch);
  bytes sb = test::stamped(b, 2, epoch);
  bytes sc = test::stamped(c, 7, epoch);
  want.insert(want.end(), sb.begin(), sb.end());
  want.insert(want.end(), sc.begin(), sc.end());
  EXPECT_EQ(read_all(*log), want);
}

TEST_F(fixture, index_entries_follow_the_interval_rule) {
  log_config cfg;
  cfg.index_interval_bytes = 500;
  auto log = open(cfg);
  // Seven single-batch appends of S bytes each (S < 500 < 2S). Counter before each append:
  // 0, S, 2S(>500: entry for append 2 at 2S, reset), S, 2S (entry for append 4 at 4S), S, 2S (6 at 6S).
  bytes batch0 = test::make_batch(2, 0, 120);
  const uint32_t s = static_cast<uint32_t>(batch0.size());
  ASSERT_LT(s, 500u);
  ASSERT_GT(2 * s, 500u);
  for (int i = 0; i < 7; ++i) append(*log, test::make_batch(2, 1000 + 100 * i, 120));
  log->close();
  // Append i holds offsets 2i, 2i+1.
  EXPECT_EQ(index_entries(0), (std::vector<offset_position>{{5, 2 * s}, {9, 4 * s}, {13, 6 * s}}));
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, 0)), 3u * 8u);
  // Time index: at the same moments (max timestamp so far, last offset of the batch holding it),
  // plus the final entry written at close.
  EXPECT_EQ(time_entries(0), (std::vector<std::pair<int64_t, int64_t>>{{1201, 5}, {1401, 9}, {1601, 13}}));
  EXPECT_EQ(std::filesystem::file_size(filenames::time_index_file(dir, 0)), 3u * 12u);
}

TEST_F(fixture, final_time_index_entry_on_close) {
  log_config cfg;
  cfg.index_interval_bytes = 500;
  auto log = open(cfg);
  for (int i = 0; i < 4; ++i) append(*log, test::make_batch(2, 1000 + 100 * i, 120));
  log->close();
  EXPECT_EQ(index_entries(0).size(), 1u);
  EXPECT_EQ(time_entries(0), (std::vector<std::pair<int64_t, int64_t>>{{1201, 5}, {1301, 7}}));
}

TEST_F(fixture, indexes_are_trimmed_on_roll_and_close_and_preallocated_while_active) {
  log_config cfg;
  cfg.segment_bytes = 2000;
  cfg.index_interval_bytes = 100;
  cfg.segment_index_bytes = 1000;
  auto log = open(cfg);
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, 0)), 1000u);  // 125 slots
  EXPECT_EQ(std::filesystem::file_size(filenames::time_index_file(dir, 0)), 996u);     // 83 slots
  for (int i = 0; i < 20; ++i) append(*log, test::make_batch(1, 5000 + i, 150));
  ASSERT_GE(log->segment_count(), 2u);
  auto old_entries = index_entries(0);
  ASSERT_FALSE(old_entries.empty());
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, 0)), old_entries.size() * 8);
  EXPECT_EQ(std::filesystem::file_size(filenames::time_index_file(dir, 0)), time_entries(0).size() * 12);
  EXPECT_GT(time_entries(0).size(), 0u);
  // The rolled segment's last time entry is its max timestamp.
  std::set<int64_t> bases;
  for (const auto& f : files()) {
    if (f.ends_with(".log")) bases.insert(std::stoll(f.substr(0, 20)));
  }
  ASSERT_EQ(bases.size(), log->segment_count());
  int64_t next_base = *std::next(bases.begin());
  int64_t active_base = *bases.rbegin();
  EXPECT_EQ(time_entries(0).back(), (std::pair<int64_t, int64_t>{5000 + next_base - 1, next_base - 1}));
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, active_base)), 1000u);
  log->close();
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, active_base)),
            index_entries(active_base).size() * 8);
  EXPECT_EQ(std::filesystem::file_size(filenames::time_index_file(dir, active_base)),
            time_entries(active_base).size() * 12);
  EXPECT_FALSE(time_entries(active_base).empty());
}

TEST_F(fixture, reopen_after_close_finds_the_same_end_and_bytes) {
  log_config cfg;
  cfg.segment_bytes = 1500;
  cfg.index_interval_bytes = 200;
  bytes before;
  size_t segments = 0;
  {
    auto log = open(cfg);
    for (int i = 0; i < 25; ++i) append(*log, test::make_batch(1 + i % 4, 100 + i, 30 + i));
    before = read_all(*log);
    segments = log->segment_count();
    log->close();
    EXPECT_EQ(log->append(shared_bytes(test::make_batch(1, 1)), 0).error(), make_error_code(errc::log_closed));
  }
  auto index_before = index_entries(0);
  auto log = open(cfg);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->segment_count(), segments);
  int64_t leo = 0;
  for (int i = 0; i < 25; ++i) leo += 1 + i % 4;
  EXPECT_EQ(log->log_end_offset(), leo);
  EXPECT_EQ(read_all(*log), before);
  EXPECT_EQ(index_entries(0), index_before);
  // Appends continue where the log ended.
  auto r = log->append(shared_bytes(test::make_batch(2, 999)), epoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_offset, leo);
}

TEST_F(fixture, reopen_after_crash_rebuilds_untrimmed_indexes) {
  log_config cfg;
  cfg.index_interval_bytes = 300;
  bytes before;
  {
    auto log = open(cfg);
    for (int i = 0; i < 10; ++i) append(*log, test::make_batch(2, 100 + i, 100));
    before = read_all(*log);
    // destroyed without close(): indexes stay preallocated, as after a crash
  }
  EXPECT_EQ(std::filesystem::file_size(filenames::offset_index_file(dir, 0)), 10485760u);
  auto log = open(cfg);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 20);
  EXPECT_EQ(read_all(*log), before);
  for (int64_t o = 0; o < 20; ++o) EXPECT_EQ(log->read(o, 1, INT64_MAX, true)->first_offset, o / 2 * 2);
  log->close();
  // Single-batch appends: the rebuilt index equals the one the appends made.
  bytes one = test::stamped(test::make_batch(2, 100, 100), 0, epoch);
  uint32_t s = static_cast<uint32_t>(one.size());
  std::vector<offset_position> want;
  uint64_t counter = 0;
  for (uint32_t i = 0; i < 10; ++i) {
    if (counter > 300) {
      want.push_back({2 * i + 1, i * s});
      counter = 0;
    }
    counter += s;
  }
  EXPECT_EQ(index_entries(0), want);
}

TEST_F(fixture, missing_index_is_rebuilt) {
  log_config cfg;
  cfg.index_interval_bytes = 100;
  cfg.segment_bytes = 1200;
  bytes before;
  std::vector<offset_position> index_before;
  {
    auto log = open(cfg);
    for (int i = 0; i < 12; ++i) append(*log, test::make_batch(1, 100 + i, 200));
    before = read_all(*log);
    ASSERT_GE(log->segment_count(), 2u);
    log->close();
  }
  index_before = index_entries(0);
  auto time_before = time_entries(0);
  std::filesystem::remove(filenames::offset_index_file(dir, 0));
  std::filesystem::remove(filenames::time_index_file(dir, 0));
  test::append_to_file(dir / "00000000000000099999.index", bytes(8, 0));  // index without a .log
  auto log = open(cfg);
  ASSERT_TRUE(log);
  EXPECT_EQ(read_all(*log), before);
  EXPECT_EQ(index_entries(0), index_before);
  EXPECT_EQ(time_entries(0), time_before);
  EXPECT_FALSE(std::filesystem::exists(dir / "00000000000000099999.index"));
}

TEST_F(fixture, torn_tail_is_truncated_on_open) {
  log_config cfg;
  uint64_t size_before = 0;
  bytes before;
  bytes half;
  {
    auto log = open(cfg);
    for (int i = 0; i < 5; ++i) append(*log, test::make_batch(3, 100 + i));
    before = read_all(*log);
    size_before = log->size_bytes();
    log->close();
  }
  bytes next = test::stamped(test::make_batch(3, 500), 15, epoch);
  half.assign(next.begin(), next.begin() + static_cast<ptrdiff_t>(next.size() / 2));
  test::append_to_file(filenames::log_file(dir, 0), half);
  ASSERT_EQ(std::filesystem::file_size(filenames::log_file(dir, 0)), size_before + half.size());

  auto log = open(cfg);
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 15);
  EXPECT_EQ(log->size_bytes(), size_before);
  EXPECT_EQ(std::filesystem::file_size(filenames::log_file(dir, 0)), size_before);
  EXPECT_EQ(read_all(*log), before);
  auto r = log->append(shared_bytes(test::make_batch(1, 600)), epoch);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_offset, 15);
  EXPECT_EQ(log->read(15, SIZE_MAX, INT64_MAX, false)->records.linearize(),
            test::stamped(test::make_batch(1, 600), 15, epoch));
}

TEST_F(fixture, tail_batch_with_bad_crc_is_truncated_on_open) {
  uint64_t first_two = 0;
  {
    auto log = open({});
    append(*log, test::make_batch(1, 1));
    append(*log, test::make_batch(1, 2));
    first_two = log->size_bytes();
    append(*log, test::make_batch(1, 3));
    // crash: no close
  }
  {
    auto path = filenames::log_file(dir, 0);
    bytes raw = test::read_file(path);
    raw.back() ^= 0xff;  // corrupt the last batch's value
    std::filesystem::remove(path);
    test::append_to_file(path, raw);
  }
  auto log = open({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 2);
  EXPECT_EQ(log->size_bytes(), first_two);
}

TEST_F(fixture, read_limits) {
  auto log = open({});
  std::vector<bytes> stored;
  for (int i = 0; i < 6; ++i) stored.push_back(append(*log, test::make_batch(3, 100 * i, 50)));
  const size_t s = stored[0].size();
  auto cat = [&](size_t from, size_t n) {
    bytes out;
    for (size_t i = from; i < from + n; ++i) out.insert(out.end(), stored[i].begin(), stored[i].end());
    return out;
  };

  auto r = log->read(0, 2 * s + 10, INT64_MAX, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size, 2 * s);
  EXPECT_EQ(r->records.linearize(), cat(0, 2));

  r = log->read(0, s - 1, INT64_MAX, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size, 0u);
  r = log->read(0, s - 1, INT64_MAX, true);  // first batch alone is larger: exactly that batch
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records.linearize(), cat(0, 1));
  r = log->read(0, 0, INT64_MAX, true);
  EXPECT_EQ(r->size, s);

  // Offset 4 lies in batch 1 (offsets 3-5): reads start at that batch.
  r = log->read(4, 3 * s, INT64_MAX, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first_offset, 3);
  EXPECT_EQ(r->records.linearize(), cat(1, 3));

  // max_offset (e.g. the high watermark): no batch whose last offset >= max_offset.
  r = log->read(0, SIZE_MAX, 9, false);  // batch 2 covers 6-8, batch 3 covers 9-11
  EXPECT_EQ(r->records.linearize(), cat(0, 3));
  r = log->read(0, SIZE_MAX, 8, false);  // batch 2's last offset is 8
  EXPECT_EQ(r->records.linearize(), cat(0, 2));
  r = log->read(6, SIZE_MAX, 8, true);   // even min_one_batch does not cross it
  EXPECT_EQ(r->size, 0u);
}

TEST_F(fixture, out_of_range_offsets) {
  auto log = open({});
  for (int i = 0; i < 4; ++i) append(*log, test::make_batch(3, i));
  EXPECT_EQ(log->read(13, 100, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
  EXPECT_EQ(log->read(-1, 100, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
  auto at_end = log->read(12, 100, INT64_MAX, true);
  ASSERT_TRUE(at_end);
  EXPECT_EQ(at_end->size, 0u);
  EXPECT_EQ(at_end->first_offset, 12);

  log->maybe_increment_log_start_offset(6);
  EXPECT_EQ(log->log_start_offset(), 6);
  EXPECT_EQ(log->read(5, 100, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
  EXPECT_EQ(log->read(6, SIZE_MAX, INT64_MAX, true)->first_offset, 6);
  log->maybe_increment_log_start_offset(3);  // never lowered
  EXPECT_EQ(log->log_start_offset(), 6);
  log->maybe_increment_log_start_offset(100);  // clamped to the end
  EXPECT_EQ(log->log_start_offset(), 12);
}

TEST_F(fixture, offset_for_timestamp) {
  log_config cfg;
  cfg.segment_bytes = 700;
  cfg.index_interval_bytes = 150;
  auto log = open(cfg);
  // Batch i: offsets 2i..2i+1, timestamps 1000i, 1000i+1; one batch out of order.
  for (int i = 0; i < 12; ++i) {
    int64_t ts = i == 7 ? 500 : 1000 * i;
    append(*log, test::make_batch(2, ts, 100));
  }
  ASSERT_GE(log->segment_count(), 3u);
  using p = std::pair<int64_t, int64_t>;
  EXPECT_EQ(log->offset_for_timestamp(0), (p{1, 0}));
  EXPECT_EQ(log->offset_for_timestamp(1), (p{1, 0}));
  EXPECT_EQ(log->offset_for_timestamp(2), (p{1001, 2}));
  EXPECT_EQ(log->offset_for_timestamp(4500), (p{5001, 10}));
  EXPECT_EQ(log->offset_for_timestamp(6002), (p{8001, 16}));  // batch 7 (ts 500) is skipped
  EXPECT_EQ(log->offset_for_timestamp(11001), (p{11001, 22}));
  EXPECT_FALSE(log->offset_for_timestamp(11002));
  // The same answers after a reopen (max timestamps then come from the time indexes).
  log->close();
  log = open(cfg);
  EXPECT_EQ(log->offset_for_timestamp(4500), (p{5001, 10}));
  EXPECT_EQ(log->offset_for_timestamp(6002), (p{8001, 16}));
  log->maybe_increment_log_start_offset(11);
  EXPECT_EQ(log->offset_for_timestamp(0), (p{5001, 11}));
}

TEST_F(fixture, rolls_by_record_time) {
  log_config cfg;
  cfg.segment_ms = 1000;
  auto log = open(cfg);
  append(*log, test::make_batch(1, 10'000));
  append(*log, test::make_batch(1, 10'900));
  append(*log, test::make_batch(1, 11'000));  // waited 1000, not > 1000
  EXPECT_EQ(log->segment_count(), 1u);
  clk.advance(1'000'000);  // wall clock does not matter for CreateTime data
  append(*log, test::make_batch(1, 10'500));
  EXPECT_EQ(log->segment_count(), 1u);
  append(*log, test::make_batch(1, 11'001));  // waited 1001 since the first batch's max timestamp
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_TRUE(std::filesystem::exists(filenames::log_file(dir, 4)));
}

TEST_F(fixture, rolls_by_wall_clock_without_timestamps) {
  log_config cfg;
  cfg.segment_ms = 1000;
  auto log = open(cfg);
  append(*log, test::make_batch(1, -1, 16, -1));
  clk.advance(1000);
  append(*log, test::make_batch(1, -1, 16, -1));
  EXPECT_EQ(log->segment_count(), 1u);
  clk.advance(1);
  append(*log, test::make_batch(1, -1, 16, -1));
  EXPECT_EQ(log->segment_count(), 2u);
  // An empty active segment never rolls by time.
  clk.advance(10'000);
  auto log2_dir = tmp.path() / "other-0";
  auto other = partition_log::open(log2_dir, {"other", 0}, cfg, clk);
  ASSERT_TRUE(other);
  clk.advance(10'000);
  ASSERT_TRUE((*other)->append(shared_bytes(test::make_batch(1, -1, 16, -1)), 0));
  EXPECT_EQ((*other)->segment_count(), 1u);
}

TEST_F(fixture, rolls_when_an_index_is_full) {
  log_config cfg;
  cfg.index_interval_bytes = 0;   // an entry for every append but the first
  cfg.segment_index_bytes = 36;   // 4 offset slots, 3 time slots (one kept for the final entry)
  auto log = open(cfg);
  bytes all;
  for (int i = 0; i < 10; ++i) {
    bytes b = append(*log, test::make_batch(1, 100 + i));
    all.insert(all.end(), b.begin(), b.end());
  }
  // Per segment: append 1 no entry, appends 2 and 3 make time entries 1 and 2 -> full -> roll.
  EXPECT_EQ(log->segment_count(), 4u);
  EXPECT_EQ(read_all(*log), all);
  log->close();
  EXPECT_EQ(time_entries(0), (std::vector<std::pair<int64_t, int64_t>>{{101, 1}, {102, 2}}));
}

TEST_F(fixture, rejects_bad_input) {
  log_config cfg;
  cfg.segment_bytes = 1000;
  cfg.max_message_bytes = 500;
  auto log = open(cfg);
  EXPECT_EQ(log->append(shared_bytes(bytes(100, 0)), 0).error(), make_error_code(errc::invalid_batch));
  EXPECT_EQ(log->append(shared_bytes(bytes{}), 0).error(), make_error_code(errc::invalid_batch));
  bytes b = test::make_batch(1, 1);
  bytes cut(b.begin(), b.end() - 1);
  EXPECT_EQ(log->append(shared_bytes(cut), 0).error(), make_error_code(errc::invalid_batch));
  bytes legacy = b;
  legacy[16] = 1;
  EXPECT_EQ(log->append(shared_bytes(legacy), 0).error(), make_error_code(errc::invalid_batch));
  EXPECT_EQ(log->append(shared_bytes(test::make_batch(1, 1, 600)), 0).error(), make_error_code(errc::message_too_large));
  bytes many;
  for (int i = 0; i < 4; ++i) {
    bytes x = test::make_batch(1, 1, 300);
    many.insert(many.end(), x.begin(), x.end());
  }
  EXPECT_EQ(log->append(shared_bytes(many), 0).error(), make_error_code(errc::batch_too_large));
  EXPECT_EQ(log->log_end_offset(), 0);
  EXPECT_EQ(log->size_bytes(), 0u);
}

TEST_F(fixture, flush_policy_moves_the_recovery_point) {
  log_config cfg;
  cfg.flush_messages = 5;
  auto log = open(cfg);
  append(*log, test::make_batch(3, 1));
  EXPECT_EQ(log->recovery_point(), 0);
  append(*log, test::make_batch(3, 2));
  EXPECT_EQ(log->recovery_point(), 6);

  log_config by_time;
  by_time.flush_ms = 1000;
  auto other = partition_log::open(tmp.path() / "t-0", {"t", 0}, by_time, clk);
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->append(shared_bytes(test::make_batch(1, 1)), 0));
  EXPECT_EQ((*other)->recovery_point(), 0);
  clk.advance(1000);
  ASSERT_TRUE((*other)->flush_if_due());
  EXPECT_EQ((*other)->recovery_point(), 1);
}

TEST_F(fixture, roll_flushes_the_old_segment) {
  log_config cfg;
  cfg.segment_bytes = 300;
  auto log = open(cfg);
  append(*log, test::make_batch(1, 1, 150));
  EXPECT_EQ(log->recovery_point(), 0);
  append(*log, test::make_batch(1, 2, 150));  // rolls: everything below offset 1 is fsync'd
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(log->recovery_point(), 1);
  ASSERT_TRUE(log->flush());
  EXPECT_EQ(log->recovery_point(), 2);
}

TEST_F(fixture, read_slices_survive_roll_and_delete) {
  log_config cfg;
  cfg.segment_bytes = 300;
  auto log = open(cfg);
  bytes first = append(*log, test::make_batch(1, 1, 150));
  auto r = log->read(0, SIZE_MAX, INT64_MAX, false);
  ASSERT_TRUE(r);
  append(*log, test::make_batch(1, 2, 150));
  ASSERT_TRUE(log->delete_log());
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));  // no -delete dir left behind
  EXPECT_EQ(r->records.linearize(), first);
  EXPECT_EQ(log->read(0, 1, INT64_MAX, true).error(), make_error_code(errc::log_closed));
}

TEST_F(fixture, stray_files_are_cleaned_on_open) {
  {
    auto log = open({});
    append(*log, test::make_batch(1, 1));
    log->close();
  }
  test::append_to_file(dir / "00000000000000000000.log.deleted", bytes(10, 1));
  test::append_to_file(dir / "00000000000000000005.index.cleaned", bytes(8, 1));
  test::append_to_file(dir / "leader-epoch-checkpoint", as_bytes("0\n0\n"));
  test::append_to_file(dir / "00000000000000000001.snapshot.tmp", bytes(3, 1));  // interrupted snapshot
  test::append_to_file(dir / "00000000000000000000.snapshot.deleted", bytes(3, 1));
  auto log = open({});
  ASSERT_TRUE(log);
  EXPECT_EQ(log->log_end_offset(), 1);
  // The producer snapshot of the clean close at the log end stays.
  EXPECT_EQ(files(), (std::set<std::string>{"00000000000000000000.log", "00000000000000000000.index",
                                            "00000000000000000000.timeindex", "00000000000000000001.snapshot",
                                            "leader-epoch-checkpoint"}));
}

TEST_F(fixture, index_interval_is_a_strict_bound) {
  // With index.interval.bytes == 2S the counter must exceed 2S. Counters before appends 0..7:
  // 0, S, 2S, 3S (entry at 3S, reset), S, 2S, 3S (entry at 6S, reset), S.
  const uint32_t s = static_cast<uint32_t>(test::make_batch(1, 0, 64).size());
  log_config cfg;
  cfg.index_interval_bytes = static_cast<int32_t>(2 * s);
  auto log = open(cfg);
  for (int i = 0; i < 8; ++i) append(*log, test::make_batch(1, 100 + i, 64));
  log->close();
  EXPECT_EQ(index_entries(0), (std::vector<offset_position>{{3, 3 * s}, {6, 6 * s}}));
}
