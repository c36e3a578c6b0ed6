// The cleaner and transactions (Kafka's rules, see src/log/cleaner/cleaned_txns.h): nothing at or
// past the last stable offset is cleaned; aborted records are dropped and never supersede committed
// ones; markers stay while their transaction has a batch left and go a delete horizon after that;
// an ABORT marker that stays keeps its .txnindex entry in the cleaned segment; the batch holding a
// live producer's last sequence stays (empty), an expired producer's does not.

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
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

const topic_partition tp{"compacted", 0};
constexpr int64_t ts = 1'700'000'000'000;
constexpr int64_t retention = 10'000;  // delete.retention.ms

log_config small_segments() {
  log_config cfg;
  cfg.cleanup_policy = "compact";
  cfg.segment_bytes = 400;
  cfg.index_interval_bytes = 50;
  cfg.segment_index_bytes = 4096;
  cfg.delete_retention_ms = retention;
  return cfg;
}

// One batch as read back from the log.
struct read_batch {
  int64_t base_offset;
  int64_t last_offset;
  int64_t producer_id;
  bool control;
  bool horizon;
  std::vector<std::pair<std::string, std::string>> records;  // key, value ("" for none)
};

std::string text(const std::optional<bytes>& b) { return b ? std::string(b->begin(), b->end()) : std::string(); }

struct transaction_cleaning_test : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{ts};
  std::unique_ptr<partition_log> log;
  dedupe_map map{1 << 20, 0.9};
  std::filesystem::path dir() const { return tmp.path() / "compacted-0"; }

  void SetUp() override { reopen(); }

  void reopen(recovery_hint hint = {}) {
    if (log) log->close();
    log.reset();
    auto opened = partition_log::open(dir(), tp, small_segments(), clk, hint);
    ASSERT_TRUE(opened) << opened.error().message();
    log = std::move(*opened);
  }

  int64_t append(const bytes& batch, append_origin origin = append_origin::client) {
    auto r = log->append(shared_bytes(batch), 0, origin);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->first_offset : -1;
  }

  static bytes keyed(const std::vector<std::pair<std::string, std::string>>& kvs) {
    record::batch_builder b;
    for (const auto& [k, v] : kvs) b.add(ts, as_bytes(k), as_bytes(v));
    return b.build();
  }
  // A transactional batch of `producer` (epoch 0) at sequence `seq`.
  int64_t txn_append(int64_t producer, int32_t seq, const std::vector<std::pair<std::string, std::string>>& kvs) {
    return append(test::with_producer(keyed(kvs), producer, 0, seq, /*transactional=*/true));
  }
  int64_t end_txn(int64_t producer, bool commit) {
    int64_t at = append(test::make_marker_batch(producer, 0, commit, 0, ts), append_origin::coordinator);
    log->on_high_watermark(log->log_end_offset());
    return at;
  }
  // Plain keyed batches of a filler key until the log has `segments` segments.
  void fill_to(size_t segments) {
    while (log->segment_count() < segments) append(keyed({{"filler", "x"}}));
    log->on_high_watermark(log->log_end_offset());
  }

  int64_t first_uncleanable() {
    auto snap = snapshot_for_cleaning(*log, -1, log->log_end_offset(), clk.now_ms());
    EXPECT_TRUE(snap.has_value());
    return snap ? snap->first_uncleanable_offset : -1;
  }

  // Cleans the whole log (first dirty = log start) and swaps the result in.
  clean_stats clean() {
    auto snap = snapshot_for_cleaning(*log, -1, log->log_end_offset(), clk.now_ms());
    EXPECT_TRUE(snap);
    auto out = clean_log(*snap, map, clk.now_ms());
    EXPECT_TRUE(out) << out.error().message();
    if (!out) return {};
    auto swapped = swap_cleaned(*log, *out, nullptr, clk.now_ms());
    EXPECT_TRUE(swapped && swapped->swapped);
    return out->stats;
  }

  std::vector<read_batch> read_all() {
    std::vector<read_batch> out;
    auto r = log->read(log->log_start_offset(), SIZE_MAX, INT64_MAX, true);
    EXPECT_TRUE(r) << r.error().message();
    if (!r) return out;
    bytes all = r->records.linearize();
    for (bytes_view b : record::split_batches(all)) {
      auto h = record::parse_batch_header(b);
      EXPECT_TRUE(h);
      if (!h) continue;
      read_batch rb{h->base_offset, h->last_offset(), h->producer_id, h->is_control(), h->has_delete_horizon(), {}};
      auto recs = record::decode_records(b);
      EXPECT_TRUE(recs) << recs.error().message();
      if (recs && !h->is_control()) {
        for (auto& rec : *recs) rb.records.emplace_back(text(rec.key), text(rec.value));
      }
      if (recs && h->is_control()) rb.records.resize(recs->size());
      out.push_back(std::move(rb));
    }
    return out;
  }

  // Values of `key` in log order, over every non-control batch.
  std::vector<std::string> values_of(const std::string& key) {
    std::vector<std::string> out;
    for (const auto& b : read_all()) {
      if (b.control) continue;
      for (const auto& [k, v] : b.records) {
        if (k == key) out.push_back(v);
      }
    }
    return out;
  }
  const read_batch* batch_at(const std::vector<read_batch>& all, int64_t offset) {
    for (const auto& b : all) {
      if (b.base_offset <= offset && offset <= b.last_offset) return &b;
    }
    return nullptr;
  }
  std::vector<aborted_txn> aborted() {
    auto r = log->collect_aborted_txns(log->log_start_offset(), log->log_end_offset());
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<aborted_txn>{};
  }
};

TEST_F(transaction_cleaning_test, without_transactions_the_sealed_segments_are_cleanable) {
  fill_to(4);
  const int64_t bound = first_uncleanable();
  EXPECT_GT(bound, 0);
  EXPECT_LT(bound, log->log_end_offset());  // the active segment's base
  append(test::with_producer(test::make_batch(2, ts), 5, 0, 0));  // idempotent, not transactional
  EXPECT_EQ(first_uncleanable(), bound);
}

TEST_F(transaction_cleaning_test, an_open_transaction_bounds_cleaning_at_its_first_offset) {
  fill_to(2);
  const int64_t open_at = txn_append(7, 0, {{"k", "open"}});
  fill_to(5);
  EXPECT_EQ(first_uncleanable(), open_at);
  end_txn(7, /*commit=*/true);
  fill_to(7);
  EXPECT_GT(first_uncleanable(), open_at);  // committed and replicated: cleanable again
}

TEST_F(transaction_cleaning_test, aborted_records_are_dropped_and_never_supersede_committed_ones) {
  append(keyed({{"k", "committed"}}));
  fill_to(2);
  txn_append(9, 0, {{"k", "aborted-1"}, {"only-aborted", "x"}});
  fill_to(3);
  txn_append(9, 2, {{"k", "aborted-2"}});  // the transaction spans segments
  end_txn(9, /*commit=*/false);
  txn_append(4, 0, {{"c", "kept"}});
  end_txn(4, /*commit=*/true);
  fill_to(6);
  const auto before = aborted();
  ASSERT_EQ(before.size(), 1u);

  auto stats = clean();
  EXPECT_EQ(stats.aborted_records_dropped, 3u);
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"committed"});
  EXPECT_TRUE(values_of("only-aborted").empty());
  EXPECT_EQ(values_of("c"), std::vector<std::string>{"kept"});
  // Producer 9's last batch stays, empty, so producer state keeps its sequence; the ABORT marker
  // and its .txnindex entry stay with it.
  auto all = read_all();
  const auto* last9 = batch_at(all, before[0].last_offset - 1);
  ASSERT_NE(last9, nullptr);
  EXPECT_EQ(last9->producer_id, 9);
  EXPECT_TRUE(last9->records.empty());
  const auto* marker = batch_at(all, before[0].last_offset);
  ASSERT_NE(marker, nullptr);
  EXPECT_TRUE(marker->control);
  EXPECT_EQ(aborted(), before);

  // And so after a restart, which reads the cleaned segment's own .txnindex.
  reopen();
  EXPECT_EQ(aborted(), before);
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"committed"});
}

TEST_F(transaction_cleaning_test, a_marker_goes_a_delete_horizon_after_its_transaction_has_no_batch_left) {
  txn_append(7, 0, {{"k", "txn-1"}});
  const int64_t marker1 = end_txn(7, /*commit=*/true);
  txn_append(7, 1, {{"k", "txn-2"}});  // supersedes txn 1's record; producer 7's last batch
  const int64_t marker2 = end_txn(7, /*commit=*/true);
  fill_to(4);

  // 1st cleaning: txn 1's batch goes, but it was seen, so its marker stays unmarked.
  clean();
  auto all = read_all();
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"txn-2"});
  ASSERT_NE(batch_at(all, marker1), nullptr);
  EXPECT_FALSE(batch_at(all, marker1)->horizon);
  // 2nd: nothing of txn 1 is left, so its marker gets a delete horizon; txn 2's batch remains, so
  // its marker stays as it is.
  clean();
  all = read_all();
  ASSERT_NE(batch_at(all, marker1), nullptr);
  EXPECT_TRUE(batch_at(all, marker1)->horizon);
  ASSERT_NE(batch_at(all, marker2), nullptr);
  EXPECT_FALSE(batch_at(all, marker2)->horizon);
  // Before the horizon it stays; after it, it goes.
  clk.advance(retention / 2);
  clean();
  EXPECT_NE(batch_at(read_all(), marker1), nullptr);
  clk.advance(retention);
  clean();
  all = read_all();
  EXPECT_EQ(batch_at(all, marker1), nullptr);
  EXPECT_NE(batch_at(all, marker2), nullptr);
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"txn-2"});
}

TEST_F(transaction_cleaning_test, an_abort_marker_and_its_index_entry_go_once_the_aborted_batches_are_gone) {
  txn_append(9, 0, {{"k", "aborted"}});
  const int64_t marker = end_txn(9, /*commit=*/false);
  txn_append(9, 1, {{"k", "committed"}});  // now producer 9's last batch
  end_txn(9, /*commit=*/true);
  fill_to(4);
  ASSERT_EQ(aborted().size(), 1u);

  clean();  // the aborted batch goes (not the producer's last); its marker stays, with its entry
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"committed"});
  EXPECT_EQ(aborted().size(), 1u);
  clean();  // nothing of the aborted transaction is left: the marker is marked, the entry gone
  auto all = read_all();
  ASSERT_NE(batch_at(all, marker), nullptr);
  EXPECT_TRUE(batch_at(all, marker)->horizon);
  EXPECT_TRUE(aborted().empty());
  clk.advance(retention + 1);
  clean();
  EXPECT_EQ(batch_at(read_all(), marker), nullptr);
  reopen();
  EXPECT_TRUE(aborted().empty());
  EXPECT_EQ(values_of("k"), std::vector<std::string>{"committed"});
}

// After a crash that also lost the producer snapshots, producer state is rebuilt from the cleaned
// log alone: no transaction looks open (every kept transactional batch kept its marker), and the
// live producers keep their sequences and epochs.
TEST_F(transaction_cleaning_test, producer_state_rebuilt_from_the_cleaned_log_is_right) {
  txn_append(7, 0, {{"k", "t1"}});
  end_txn(7, /*commit=*/true);
  const int64_t last7 = txn_append(7, 1, {{"k", "t2"}});
  end_txn(7, /*commit=*/true);
  txn_append(9, 0, {{"j", "aborted"}});
  end_txn(9, /*commit=*/false);
  const int64_t last9 = txn_append(9, 1, {{"j", "committed"}});
  end_txn(9, /*commit=*/true);
  fill_to(4);
  const int64_t active_base = first_uncleanable();
  clean();
  clean();
  clk.advance(retention + 1);
  clean();  // txn 1's marker and the aborted transaction's are gone by now
  EXPECT_TRUE(aborted().empty());
  // Snapshots inside the cleaned range went with the swap.
  for (const auto& de : std::filesystem::directory_iterator(dir())) {
    if (de.path().extension() == ".snapshot") {
      EXPECT_GE(std::stoll(de.path().stem().string()), active_base);
    }
  }

  log.reset();  // a crash: no close()
  for (const auto& de : std::filesystem::directory_iterator(dir())) {
    if (de.path().extension() == ".snapshot") std::filesystem::remove(de.path());
  }
  recovery_hint crashed;
  crashed.clean_shutdown = false;
  reopen(crashed);  // replays every batch: no snapshot is left
  log->on_high_watermark(log->log_end_offset());  // only open transactions could bound the LSO now
  EXPECT_EQ(log->first_unstable_offset(), std::nullopt);
  ASSERT_NE(log->producers().find(7), nullptr);
  EXPECT_EQ(log->producers().find(7)->last_data_offset(), last7);
  ASSERT_NE(log->producers().find(9), nullptr);
  EXPECT_EQ(log->producers().find(9)->last_data_offset(), last9);
  // The next sequence is accepted; a gap is not.
  auto gap = log->append(shared_bytes(test::with_producer(keyed({{"k", "gap"}}), 7, 0, 5, true)), 0,
                         append_origin::client);
  EXPECT_FALSE(gap);
  EXPECT_GE(txn_append(7, 2, {{"k", "t3"}}), 0);
  EXPECT_EQ(values_of("k").back(), "t3");
}

TEST_F(transaction_cleaning_test, an_expired_producers_last_batch_is_not_kept) {
  append(test::with_producer(keyed({{"k", "old"}}), 5, 0, 0));
  append(keyed({{"k", "new"}}));
  fill_to(4);
  clean();
  auto all = read_all();
  const read_batch* kept = nullptr;
  for (const auto& b : all) {
    if (b.producer_id == 5) kept = &b;
  }
  ASSERT_NE(kept, nullptr);  // producer 5 is live: its last batch stays, empty
  EXPECT_TRUE(kept->records.empty());

  clk.advance(small_segments().producer_id_expiration_ms + 1);
  EXPECT_EQ(log->remove_expired_producers(), 1u);
  clean();
  for (const auto& b : read_all()) EXPECT_NE(b.producer_id, 5);
}

} // namespace
} // namespace gregor::log
