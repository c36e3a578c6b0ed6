// Crash safety of the cleaner's segment swap: every state a crash can leave between the first
// rename and the last is reopened with partition_log::open, which must find either the old
// segments or the cleaned one — never lost or duplicated data, and the aborted transactions a
// read_committed reader is told about (the .txnindex) always match the data.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "../test_util.h"
#include "gregor/common/clock.h"
#include "gregor/log/cleaner/dedupe_map.h"
#include "gregor/log/cleaner/log_cleaner.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/record.h"
#include "swap_recovery.h"

namespace gregor::log {
namespace {

namespace fs = std::filesystem;
using test::temp_dir;

const topic_partition tp{"t", 0};

// (offset, key, value) of every record in the log, in order; then one ("aborted", producer id,
// first..last offsets) row per aborted transaction a read_committed reader from the start is told about.
using contents = std::vector<std::tuple<int64_t, std::string, std::string>>;

contents read_contents(partition_log& log) {
  contents out;
  auto aborted = log.collect_aborted_txns(log.log_start_offset(), log.log_end_offset());
  EXPECT_TRUE(aborted);
  auto r = log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX, true);
  EXPECT_TRUE(r);
  if (!r) return out;
  bytes all = r->records.linearize();
  for (bytes_view b : record::split_batches(all)) {
    auto recs = record::decode_records(b);
    EXPECT_TRUE(recs);
    if (!recs) continue;
    for (auto& rec : *recs) {
      out.emplace_back(rec.offset, rec.key ? std::string(rec.key->begin(), rec.key->end()) : "",
                       rec.value ? std::string(rec.value->begin(), rec.value->end()) : "<null>");
    }
  }
  for (const auto& txn : aborted ? *aborted : std::vector<aborted_txn>{}) {
    out.emplace_back(txn.producer_id, "aborted", std::to_string(txn.first_offset) + ".." + std::to_string(txn.last_offset));
  }
  return out;
}

log_config small_segments() {
  log_config cfg;
  cfg.cleanup_policy = "compact";
  cfg.segment_bytes = 300;
  cfg.index_interval_bytes = 50;
  cfg.segment_index_bytes = 4096;
  return cfg;
}

// Fills `dir` with a log of many small segments holding updates to 4 keys, and in the middle an
// aborted transaction of producer 9, whose batch (its last) the cleaner keeps empty, so its ABORT
// marker and .txnindex entry stay and go into the cleaned segment's .txnindex.
void make_log(const fs::path& dir, manual_clock& clk) {
  auto log = partition_log::open(dir, tp, small_segments(), clk);
  ASSERT_TRUE(log);
  for (int i = 0; i < 60; ++i) {
    record::batch_builder b;
    std::string key = "k" + std::to_string(i % 4);
    std::string value = "value-" + std::to_string(i);
    b.add(clk.now_ms(), as_bytes(key), as_bytes(value));
    ASSERT_TRUE((*log)->append(shared_bytes(b.build()), 0));
    if (i == 30) {
      record::batch_builder t;
      t.add(clk.now_ms(), as_bytes(std::string("k1")), as_bytes(std::string("aborted")));
      ASSERT_TRUE((*log)->append(shared_bytes(test::with_producer(t.build(), 9, 0, 0, true)), 0));
      ASSERT_TRUE((*log)->append(shared_bytes(test::make_marker_batch(9, 0, false, 0, clk.now_ms())), 0,
                                 append_origin::coordinator));
    }
  }
  (*log)->on_high_watermark((*log)->log_end_offset());
  (*log)->close();
}

std::unique_ptr<partition_log> reopen(const fs::path& dir, manual_clock& clk, int64_t segment_bytes) {
  auto cfg = small_segments();
  cfg.segment_bytes = segment_bytes;
  auto log = partition_log::open(dir, tp, cfg, clk);
  EXPECT_TRUE(log) << log.error().message();
  return log ? std::move(*log) : nullptr;
}

// Cleans `dir` but stops before the swap: the .cleaned files are on disk, the log is closed.
clean_output clean_without_swap(const fs::path& dir, manual_clock& clk, int64_t segment_bytes) {
  auto log = reopen(dir, clk, segment_bytes);
  dedupe_map map(1 << 16, 0.9);
  auto snap = snapshot_for_cleaning(*log, -1, log->log_end_offset(), clk.now_ms());
  EXPECT_TRUE(snap);
  auto out = clean_log(*snap, map, clk.now_ms());
  EXPECT_TRUE(out);
  log->close();
  return *out;
}

// A segment's .txnindex exists only where aborted transactions are: skipped when absent.
void rename_to(const fs::path& p, std::string_view from_suffix, std::string_view to_suffix) {
  auto from = from_suffix.empty() ? p : filenames::with_suffix(p, from_suffix);
  auto to = to_suffix.empty() ? p : filenames::with_suffix(p, to_suffix);
  if (p.extension() == ".txnindex" && !fs::exists(from)) return;
  fs::rename(from, to);
}

// The indexes first, the .log last (the order swap_cleaned() renames them in).
std::vector<fs::path> files_of(const fs::path& dir, int64_t base) {
  return {filenames::offset_index_file(dir, base), filenames::time_index_file(dir, base),
          filenames::txn_index_file(dir, base), filenames::log_file(dir, base)};
}

// The crash points of one group's swap, in the order swap_cleaned() goes through them.
enum class crash_point {
  before_swap,            // only .cleaned files
  index_renamed_to_swap,  // .index/.timeindex/.txnindex .swap, .log still .cleaned
  all_swap,               // all three .swap, old segments untouched
  some_old_deleted,       // .swap files, the first old segment's .log renamed to .deleted
  all_old_deleted,        // .swap files, every old segment .deleted
  index_stripped,         // new .index/.timeindex regular, .log.swap and .txnindex.swap left
  log_stripped,           // new .index/.timeindex/.log regular, .txnindex.swap left
};

class swap_crash_test : public ::testing::TestWithParam<crash_point> {};

TEST_P(swap_crash_test, reopen_finds_old_or_cleaned_data) {
  temp_dir tmp;
  manual_clock clk;
  fs::path original = tmp.path() / "orig" / "t-0";
  make_log(original, clk);
  constexpr int64_t big = 1 << 20;  // every sealed segment fits one group

  // Expected states: the log as written, and the log after a complete cleaning.
  contents before;
  {
    auto log = reopen(original, clk, big);
    before = read_contents(*log);
    log->close();
  }
  fs::path ref = tmp.path() / "ref" / "t-0";
  fs::create_directories(ref.parent_path());
  fs::copy(original, ref);
  contents after;
  {
    auto log = reopen(ref, clk, big);
    dedupe_map map(1 << 16, 0.9);
    auto snap = snapshot_for_cleaning(*log, -1, log->log_end_offset(), clk.now_ms());
    ASSERT_TRUE(snap);
    auto out = clean_log(*snap, map, clk.now_ms());
    ASSERT_TRUE(out);
    auto swapped = swap_cleaned(*log, *out, nullptr, clk.now_ms());
    ASSERT_TRUE(swapped && swapped->swapped);
    after = read_contents(*log);
    log->close();
  }
  ASSERT_LT(after.size(), before.size());
  ASSERT_EQ(std::get<1>(after.back()), "aborted");  // the entry went into the cleaned .txnindex

  fs::path dir = tmp.path() / "crash" / "t-0";
  fs::create_directories(dir.parent_path());
  fs::copy(original, dir);
  auto out = clean_without_swap(dir, clk, big);
  ASSERT_EQ(out.groups.size(), 1u);
  const auto& g = out.groups[0];
  ASSERT_GT(g.replaced.size(), 2u);
  auto cleaned = files_of(dir, g.base_offset);
  ASSERT_TRUE(fs::exists(filenames::with_suffix(cleaned[2], filenames::cleaned_suffix)));
  auto point = GetParam();
  if (point >= crash_point::index_renamed_to_swap) {
    for (size_t i = 0; i < 3; ++i) rename_to(cleaned[i], filenames::cleaned_suffix, filenames::swap_suffix);
  }
  if (point >= crash_point::all_swap) rename_to(cleaned[3], filenames::cleaned_suffix, filenames::swap_suffix);
  if (point >= crash_point::some_old_deleted) {
    size_t n = point == crash_point::some_old_deleted ? 1 : g.replaced.size();
    for (size_t i = 0; i < n; ++i) {
      for (const auto& p : files_of(dir, g.replaced[i].base_offset)) {
        if (point == crash_point::some_old_deleted && p.extension() != ".log") continue;
        rename_to(p, "", filenames::deleted_suffix);
      }
    }
  }
  if (point >= crash_point::index_stripped) {
    rename_to(cleaned[0], filenames::swap_suffix, "");
    rename_to(cleaned[1], filenames::swap_suffix, "");
  }
  if (point >= crash_point::log_stripped) rename_to(cleaned[3], filenames::swap_suffix, "");

  auto log = reopen(dir, clk, big);
  ASSERT_TRUE(log);
  auto got = read_contents(*log);
  if (point <= crash_point::index_renamed_to_swap) {
    EXPECT_EQ(got, before);
  } else {
    EXPECT_EQ(got, after);
  }
  // No leftovers of the swap.
  for (const auto& de : fs::directory_iterator(dir)) {
    auto name = de.path().filename().string();
    EXPECT_EQ(name.find(".swap"), std::string::npos) << name;
    EXPECT_EQ(name.find(".cleaned"), std::string::npos) << name;
  }
  // The log keeps working after recovery: append and read back.
  record::batch_builder b;
  b.add(clk.now_ms(), as_bytes(std::string("k9")), as_bytes(std::string("late")));
  ASSERT_TRUE(log->append(shared_bytes(b.build()), 0));
  bool late = false;
  for (const auto& row : read_contents(*log)) late = late || std::get<2>(row) == "late";
  EXPECT_TRUE(late);
  log->close();
}

INSTANTIATE_TEST_SUITE_P(points, swap_crash_test,
                         ::testing::Values(crash_point::before_swap, crash_point::index_renamed_to_swap,
                                           crash_point::all_swap, crash_point::some_old_deleted,
                                           crash_point::all_old_deleted, crash_point::index_stripped,
                                           crash_point::log_stripped));

// Several groups: the first swapped completely, the second caught in the middle (.swap, old files
// still there), the rest still .cleaned. The log is valid: offsets increase, nothing duplicated,
// and every key's latest value is there.
TEST(swap_recovery, multi_group_crash_is_consistent) {
  temp_dir tmp;
  manual_clock clk;
  fs::path dir = tmp.path() / "t-0";
  make_log(dir, clk);
  contents before;
  {
    auto log = reopen(dir, clk, 300);
    before = read_contents(*log);
    log->close();
  }
  auto out = clean_without_swap(dir, clk, 600);  // groups of about two segments
  ASSERT_GE(out.groups.size(), 3u);
  // Group 0: complete swap by hand.
  for (size_t gi = 0; gi < 2; ++gi) {
    const auto& g = out.groups[gi];
    for (const auto& p : files_of(dir, g.base_offset)) rename_to(p, filenames::cleaned_suffix, filenames::swap_suffix);
    if (gi == 0) {
      for (const auto& r : g.replaced) {
        for (const auto& p : files_of(dir, r.base_offset)) rename_to(p, "", filenames::deleted_suffix);
      }
      for (const auto& p : files_of(dir, g.base_offset)) rename_to(p, filenames::swap_suffix, "");
    }
  }
  auto completed = detail::complete_interrupted_swaps(dir);
  ASSERT_TRUE(completed);
  auto log = reopen(dir, clk, 300);
  auto got = read_contents(*log);
  // The aborted transaction is still reported, whichever group holds its marker.
  auto aborted_rows = [](contents& rows) {
    contents out;
    while (!rows.empty() && std::get<1>(rows.back()) == "aborted") {
      out.push_back(rows.back());
      rows.pop_back();
    }
    return out;
  };
  auto aborted_before = aborted_rows(before);
  EXPECT_FALSE(aborted_before.empty());
  EXPECT_EQ(aborted_rows(got), aborted_before);
  std::map<std::string, std::pair<int64_t, std::string>> latest;
  for (const auto& [o, k, v] : before) latest[k] = {o, v};
  for (size_t i = 1; i < got.size(); ++i) EXPECT_LT(std::get<0>(got[i - 1]), std::get<0>(got[i]));
  for (const auto& [k, ov] : latest) {
    bool found = false;
    for (const auto& r : got) found |= std::get<0>(r) == ov.first && std::get<2>(r) == ov.second;
    EXPECT_TRUE(found) << k;
  }
  for (const auto& r : got) {
    bool was_written = false;
    for (const auto& b : before) was_written |= b == r;
    EXPECT_TRUE(was_written);
  }
  log->close();
}

} // namespace
} // namespace gregor::log
