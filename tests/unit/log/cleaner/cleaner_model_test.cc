// Randomized model test of compaction: a log with small segments gets random keyed/keyless records,
// tombstones and codecs; it is cleaned repeatedly under a manual clock and compared with a model
// (the append history plus the cleaning rules of ON-DISK-FORMAT §9).

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "../test_util.h"
#include "gregor/common/clock.h"
#include "gregor/log/cleaner/dedupe_map.h"
#include "gregor/log/cleaner/log_cleaner.h"
#include "gregor/log/partition_log.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/record.h"

namespace gregor::log {
namespace {

using test::temp_dir;

struct appended {
  int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

struct read_record {
  int64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool batch_has_horizon;
};

std::optional<std::string> str(const std::optional<bytes>& b) {
  if (!b) return std::nullopt;
  return std::string(b->begin(), b->end());
}

// Reads the whole log, checking batch structure (CRC included) and offset order.
std::vector<read_record> read_all(partition_log& log) {
  std::vector<read_record> out;
  auto r = log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX, true);
  EXPECT_TRUE(r) << r.error().message();
  if (!r) return out;
  bytes all = r->records.linearize();
  int64_t previous_last = -1;
  for (bytes_view b : record::split_batches(all)) {
    auto h = record::parse_batch_header(b);
    EXPECT_TRUE(h);
    EXPECT_GT(h->base_offset, previous_last);
    previous_last = h->last_offset();
    auto recs = record::decode_records(b);
    EXPECT_TRUE(recs) << recs.error().message();
    if (!recs) continue;
    for (auto& rec : *recs) {
      EXPECT_LE(rec.offset, h->last_offset());
      out.push_back({rec.offset, str(rec.key), str(rec.value), h->has_delete_horizon()});
    }
  }
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LT(out[i - 1].offset, out[i].offset);
  return out;
}

class model_test : public ::testing::TestWithParam<int> {};

TEST_P(model_test, compaction_matches_model) {
  const int seed = GetParam();
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };

  temp_dir dir;
  manual_clock clk;
  log_config cfg;
  cfg.cleanup_policy = "compact";
  cfg.segment_bytes = 400 + pick(1600);
  cfg.index_interval_bytes = 64 + pick(256);
  cfg.segment_index_bytes = 4096;
  cfg.delete_retention_ms = 10'000;
  auto path = dir.path() / "t-0";
  topic_partition tp{"t", 0};
  auto opened = partition_log::open(path, tp, cfg, clk);
  ASSERT_TRUE(opened) << opened.error().message();
  std::unique_ptr<partition_log> log = std::move(*opened);

  // Some seeds get a map so small that a cleaning covers only a prefix of the dirty range.
  size_t map_bytes = seed % 3 == 0 ? 24 * 16 : 1 << 20;
  dedupe_map map(map_bytes, 0.9);

  const int key_count = 3 + pick(20);
  const compression::codec codecs[] = {compression::codec::none, compression::codec::gzip, compression::codec::snappy,
                                       compression::codec::lz4, compression::codec::zstd};
  std::vector<appended> history;
  std::map<std::string, int64_t> latest;           // key -> offset of its latest record
  std::map<int64_t, int64_t> tombstone_horizon;    // tombstone offset -> horizon the model expects
  std::set<int64_t> expired;                       // tombstones dropped once their horizon passed
  int64_t first_dirty = -1;                        // what cleaner-offset-checkpoint would hold
  int cleanings = 0;

  for (int step = 0; step < 300; ++step) {
    record::batch_builder b(codecs[pick(5)]);
    int n = 1 + pick(5);
    std::vector<appended> batch;
    for (int i = 0; i < n; ++i) {
      appended a{0, std::nullopt, std::nullopt};
      if (pick(10) != 0) a.key = "k" + std::to_string(pick(key_count));
      if (pick(6) != 0) a.value = "v" + std::to_string(step) + "-" + std::to_string(i) + std::string(pick(40), 'x');
      batch.push_back(a);
      std::optional<bytes_view> kv;
      std::optional<bytes_view> vv;
      if (batch.back().key) kv = as_bytes(*batch.back().key);
      if (batch.back().value) vv = as_bytes(*batch.back().value);
      b.add(clk.now_ms(), kv, vv);
    }
    auto appended_at = log->append(shared_bytes(b.build()), 0);
    ASSERT_TRUE(appended_at) << appended_at.error().message();
    for (int i = 0; i < n; ++i) {
      batch[static_cast<size_t>(i)].offset = appended_at->first_offset + i;
      history.push_back(batch[static_cast<size_t>(i)]);
      if (batch[static_cast<size_t>(i)].key) latest[*batch[static_cast<size_t>(i)].key] = appended_at->first_offset + i;
    }
    clk.advance(pick(1500));

    if (pick(12) == 0) {
      // Clean (HW = LEO, as a leader with no followers).
      int64_t now = clk.now_ms();
      auto snap = snapshot_for_cleaning(*log, first_dirty, log->log_end_offset(), now);
      ASSERT_TRUE(snap);
      auto out = clean_log(*snap, map, now);
      ASSERT_TRUE(out) << out.error().message();
      auto swapped = swap_cleaned(*log, *out, nullptr, now);
      ASSERT_TRUE(swapped) << swapped.error().message();
      ASSERT_TRUE(swapped->swapped);
      int64_t previous_dirty = snap->first_dirty_offset;
      first_dirty = out->first_dirty_offset;
      ASSERT_GE(first_dirty, previous_dirty);
      ++cleanings;

      if (out->groups.empty()) continue;  // nothing was recopied: nothing changed
      // Model: tombstones that are the latest of their key and were in this cleaning's mapped
      // range get their horizon the first time; those whose horizon passed are gone.
      for (auto it = tombstone_horizon.begin(); it != tombstone_horizon.end();) {
        if (now >= it->second) {
          expired.insert(it->first);
          it = tombstone_horizon.erase(it);
        } else {
          ++it;
        }
      }
      for (const auto& a : history) {
        if (a.key && !a.value && a.offset < first_dirty && latest[*a.key] == a.offset &&
            !tombstone_horizon.contains(a.offset) && !expired.contains(a.offset)) {
          tombstone_horizon[a.offset] = now + cfg.delete_retention_ms;
        }
      }
      // Tombstones superseded by a later record are simply gone; forget them.
      for (auto it = tombstone_horizon.begin(); it != tombstone_horizon.end();) {
        const auto& a = *std::find_if(history.begin(), history.end(), [&](const appended& x) { return x.offset == it->first; });
        it = latest[*a.key] != a.offset ? tombstone_horizon.erase(it) : std::next(it);
      }

      // Check the log against the model.
      auto got = read_all(*log);
      std::map<int64_t, const read_record*> by_offset;
      std::set<std::string> clean_keys;
      for (const auto& r : got) {
        by_offset[r.offset] = &r;
        auto hit = std::find_if(history.begin(), history.end(), [&](const appended& x) { return x.offset == r.offset; });
        ASSERT_NE(hit, history.end()) << "offset " << r.offset << " was never appended";
        EXPECT_EQ(r.key, hit->key) << "offset " << r.offset;
        EXPECT_EQ(r.value, hit->value) << "offset " << r.offset;
        if (r.offset < first_dirty) {
          ASSERT_TRUE(r.key) << "keyless record kept in the clean section at " << r.offset;
          EXPECT_TRUE(clean_keys.insert(*r.key).second) << "key " << *r.key << " twice in the clean section";
          int64_t l = latest[*r.key];
          if (l < first_dirty) {
            EXPECT_EQ(r.offset, l) << "key " << *r.key << " not at its latest offset";
          }
          if (!r.value && l == r.offset) {
            EXPECT_TRUE(r.batch_has_horizon) << "tombstone at " << r.offset << " cleaned without a horizon";
            EXPECT_TRUE(tombstone_horizon.contains(r.offset)) << "tombstone at " << r.offset << " kept past its horizon";
          }
        }
      }
      for (const auto& a : history) {
        if (a.offset >= first_dirty) {
          EXPECT_TRUE(by_offset.contains(a.offset)) << "dirty record at " << a.offset << " lost";
        } else if (a.key && latest[*a.key] == a.offset) {
          if (a.value) {
            EXPECT_TRUE(by_offset.contains(a.offset)) << "latest value of " << *a.key << " at " << a.offset << " lost";
          } else {
            EXPECT_EQ(by_offset.contains(a.offset), tombstone_horizon.contains(a.offset))
                << "tombstone of " << *a.key << " at " << a.offset;
          }
        }
      }
      if (::testing::Test::HasFailure()) return;
    }

    if (pick(60) == 0) {
      // Reopen: what was swapped in must be what the next open finds.
      auto before = read_all(*log);
      log->close();
      log.reset();
      auto again = partition_log::open(path, tp, cfg, clk);
      ASSERT_TRUE(again) << again.error().message();
      log = std::move(*again);
      auto after = read_all(*log);
      ASSERT_EQ(before.size(), after.size());
      for (size_t i = 0; i < before.size(); ++i) {
        EXPECT_EQ(before[i].offset, after[i].offset);
        EXPECT_EQ(before[i].value, after[i].value);
      }
    }
  }
  EXPECT_GT(cleanings, 5);
  log->close();
}

INSTANTIATE_TEST_SUITE_P(seeds, model_test, ::testing::Range(1, 17));

} // namespace
} // namespace gregor::log
