// The cleaner and transactions (issue 7): nothing at or past the last stable offset is cleaned,
// and nothing from the first aborted transaction or the first segment holding .txnindex entries on
// (the cleaner does not carry .txnindex entries into cleaned segments yet, so cleaning there would
// show aborted data as committed).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "../test_util.h"
#include "gregor/common/clock.h"
#include "gregor/log/cleaner/log_cleaner.h"
#include "gregor/log/partition_log.h"

namespace gregor::log {
namespace {

const topic_partition tp{"compacted", 0};
constexpr int64_t ts = 1'700'000'000'000;

log_config small_segments() {
  log_config cfg;
  cfg.cleanup_policy = "compact";
  cfg.segment_bytes = 400;
  cfg.index_interval_bytes = 50;
  cfg.segment_index_bytes = 4096;
  return cfg;
}

struct transaction_bound_test : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{ts};
  std::unique_ptr<partition_log> log;

  void SetUp() override {
    auto opened = partition_log::open(tmp.path() / "compacted-0", tp, small_segments(), clk);
    ASSERT_TRUE(opened);
    log = std::move(*opened);
  }

  void append(const bytes& batch, append_origin origin = append_origin::client) {
    auto r = log->append(shared_bytes(batch), 0, origin);
    ASSERT_TRUE(r) << r.error().message();
  }

  // Plain batches until the log has `segments` segments.
  void fill_to(size_t segments) {
    while (log->segment_count() < segments) append(test::make_batch(2, ts));
  }

  int64_t first_uncleanable() {
    auto snap = snapshot_for_cleaning(*log, -1, log->log_end_offset(), clk.now_ms());
    EXPECT_TRUE(snap.has_value());
    return snap ? snap->first_uncleanable_offset : -1;
  }
};

TEST_F(transaction_bound_test, without_transactions_the_sealed_segments_are_cleanable) {
  fill_to(4);
  const int64_t bound = first_uncleanable();
  EXPECT_GT(bound, 0);
  EXPECT_LT(bound, log->log_end_offset());  // the active segment's base
  // Idempotent (non-transactional) producer batches change nothing.
  append(test::with_producer(test::make_batch(2, ts), 5, 0, 0));
  EXPECT_EQ(first_uncleanable(), bound);
}

TEST_F(transaction_bound_test, an_open_transaction_bounds_cleaning_at_its_first_offset) {
  fill_to(2);
  const int64_t open_at = log->log_end_offset();
  append(test::with_producer(test::make_batch(2, ts), 7, 0, 0, /*transactional=*/true));
  fill_to(5);
  EXPECT_EQ(first_uncleanable(), open_at);
  append(test::make_marker_batch(7, 0, /*commit=*/true, 0, ts), append_origin::coordinator);
  log->on_high_watermark(log->log_end_offset());
  fill_to(7);
  EXPECT_GT(first_uncleanable(), open_at);  // committed and replicated: cleanable again
}

TEST_F(transaction_bound_test, an_aborted_transaction_bounds_cleaning_even_when_its_marker_is_later) {
  fill_to(2);
  const int64_t aborted_at = log->log_end_offset();
  append(test::with_producer(test::make_batch(2, ts), 9, 0, 0, /*transactional=*/true));
  fill_to(4);
  append(test::make_marker_batch(9, 0, /*commit=*/false, 0, ts), append_origin::coordinator);
  log->on_high_watermark(log->log_end_offset());
  fill_to(7);
  EXPECT_EQ(first_uncleanable(), aborted_at);
}

TEST_F(transaction_bound_test, a_segment_holding_aborted_transactions_is_never_rewritten) {
  fill_to(2);  // the active segment now holds one plain batch
  const int64_t segment_base = log->log_end_offset() - 2;
  append(test::with_producer(test::make_batch(2, ts), 11, 0, 0, /*transactional=*/true));
  append(test::make_marker_batch(11, 0, /*commit=*/false, 0, ts), append_origin::coordinator);
  log->on_high_watermark(log->log_end_offset());
  fill_to(5);
  std::string name = std::to_string(segment_base);
  name = std::string(20 - name.size(), '0') + name + ".txnindex";
  ASSERT_TRUE(std::filesystem::exists(tmp.path() / "compacted-0" / name));  // the marker is in that segment
  // The aborted data begins after the segment's base, but cleaning must stop at the base: a rewrite
  // would drop the segment's .txnindex and show the aborted records as committed.
  EXPECT_EQ(first_uncleanable(), segment_base);
}

} // namespace
} // namespace gregor::log
