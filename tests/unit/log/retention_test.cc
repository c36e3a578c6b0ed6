// Retention (ON-DISK-FORMAT §7) on small segments with a manual clock.

#include <gtest/gtest.h>

#include <set>

#include "gregor/common/clock.h"

#include "gregor/log/errc.h"
#include "gregor/log/file_deletion_queue.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

struct retention_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{1'700'000'000'000};
  std::filesystem::path dir = tmp.path() / "logs-0";
  file_deletion_queue queue;

  // One batch of ~300 bytes per segment: segment.bytes 400.
  log_config cfg() const {
    log_config c;
    c.segment_bytes = 400;
    c.retention_ms = -1;
    c.retention_bytes = -1;
    c.file_delete_delay_ms = 1000;
    return c;
  }

  std::unique_ptr<partition_log> open(const log_config& c) {
    auto log = partition_log::open(dir, {"logs", 0}, c, clk);
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }

  // Appends one 2-record batch with timestamps ts, ts+1.
  void put(partition_log& log, int64_t ts) { ASSERT_TRUE(log.append(shared_bytes(test::make_batch(2, ts, 120)), 1)); }

  std::set<std::string> files(std::string_view suffix) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      auto name = e.path().filename().string();
      if (name.ends_with(suffix)) out.insert(name);
    }
    return out;
  }
};

TEST_F(retention_fixture, by_time_deletes_old_segments_up_to_the_high_watermark) {
  auto c = cfg();
  c.retention_ms = 10'000;
  auto log = open(c);
  int64_t now = clk.now_ms();
  for (int i = 0; i < 5; ++i) put(*log, now - 60'000 + i);      // old: offsets 0..9
  for (int i = 0; i < 2; ++i) put(*log, now - 1'000 + i);       // recent: 10..13
  ASSERT_EQ(log->segment_count(), 7u);
  EXPECT_EQ(log->log_end_offset(), 14);

  // The high watermark holds deletion back: only segments ending at or below 4 may go.
  auto r = log->apply_retention(4, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 2u);
  EXPECT_EQ(log->log_start_offset(), 4);
  EXPECT_EQ(log->first_segment_base_offset(), 4);
  EXPECT_EQ(log->read(2, 1, INT64_MAX, true).error(), make_error_code(errc::offset_out_of_range));
  // Renamed, not yet removed.
  // .log .index .timeindex of two segments, and the producer snapshot taken when segment 2 was
  // rolled (segment 0 began the log: no snapshot).
  EXPECT_EQ(files(".deleted").size(), 7u);
  EXPECT_TRUE(std::filesystem::exists(dir / "00000000000000000002.snapshot.deleted"));
  EXPECT_FALSE(std::filesystem::exists(filenames::log_file(dir, 0)));
  EXPECT_EQ(queue.pending(), 7u);
  EXPECT_EQ(queue.delete_due(clk.now_ms()), 0u);
  clk.advance(1000);
  EXPECT_EQ(queue.delete_due(clk.now_ms()), 7u);
  EXPECT_TRUE(files(".deleted").empty());

  r = log->apply_retention(14, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 3u);
  EXPECT_EQ(r->log_start_offset, 10);
  EXPECT_EQ(log->segment_count(), 2u);
  auto earliest = log->read(10, SIZE_MAX, INT64_MAX, false);
  ASSERT_TRUE(earliest);
  EXPECT_EQ(earliest->first_offset, 10);

  // Everything expires: a new empty active segment is rolled first, and never deleted itself.
  clk.advance(100'000);
  r = log->apply_retention(14, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 2u);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_start_offset(), 14);
  EXPECT_EQ(log->log_end_offset(), 14);
  EXPECT_TRUE(std::filesystem::exists(filenames::log_file(dir, 14)));
  r = log->apply_retention(14, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 0u);
  put(*log, clk.now_ms());
  EXPECT_EQ(log->log_end_offset(), 16);
}

TEST_F(retention_fixture, by_size_keeps_at_most_retention_bytes) {
  auto c = cfg();
  auto log = open(c);
  for (int i = 0; i < 6; ++i) put(*log, clk.now_ms());
  uint64_t one = log->size_bytes() / 6;
  c.retention_bytes = static_cast<int64_t>(one * 3 + one / 2);  // room for 3.5 segments
  log->set_config(c);
  auto r = log->apply_retention(INT64_MAX, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 2u);
  EXPECT_EQ(r->bytes_deleted, 2 * one);
  EXPECT_EQ(log->size_bytes(), 4 * one);
  EXPECT_EQ(log->log_start_offset(), 4);
  // Kafka's rule: a segment goes only if what stays is still >= retention.bytes.
  r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(r->segments_deleted, 0u);
}

TEST_F(retention_fixture, compact_policy_applies_only_the_log_start_rule) {
  auto c = cfg();
  c.cleanup_policy = "compact";
  c.retention_ms = 1;
  c.retention_bytes = 1;
  auto log = open(c);
  for (int i = 0; i < 4; ++i) put(*log, 1000);
  auto r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(r->segments_deleted, 0u);
  // DeleteRecords-style move of the start offset into segment 2: segments 0 and 1 go.
  EXPECT_EQ(log->maybe_increment_log_start_offset(5), 5);
  r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(r->segments_deleted, 2u);
  EXPECT_EQ(log->log_start_offset(), 5);
  EXPECT_EQ(log->first_segment_base_offset(), 4);
  // Even a start offset at the log end never deletes the active segment.
  log->maybe_increment_log_start_offset(100);
  EXPECT_EQ(log->log_start_offset(), 8);
  r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->first_segment_base_offset(), 6);
}

TEST_F(retention_fixture, readers_keep_deleted_segments_readable) {
  auto c = cfg();
  c.retention_bytes = 0;
  auto log = open(c);
  put(*log, 1);
  put(*log, 2);
  auto slice = log->read(0, SIZE_MAX, INT64_MAX, false);
  ASSERT_TRUE(slice);
  bytes before = slice->records.linearize();
  auto r = log->apply_retention(INT64_MAX, queue);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->segments_deleted, 2u);
  clk.advance(5000);
  queue.delete_due(clk.now_ms());
  EXPECT_EQ(slice->records.linearize(), before);
}

TEST_F(retention_fixture, time_retention_falls_back_to_mtime_without_timestamps) {
  auto c = cfg();
  c.retention_ms = 60'000;
  clk.set(clock::system().now_ms());
  auto log = open(c);
  // max timestamp -1 (no timestamps): the segment's age is its file's mtime, i.e. just now.
  ASSERT_TRUE(log->append(shared_bytes(test::make_batch(1, -1, 250, -1)), 1));
  ASSERT_TRUE(log->append(shared_bytes(test::make_batch(1, -1, 250, -1)), 1));
  auto r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(r->segments_deleted, 0u);
  clk.set(clk.now_ms() + 3'600'000);  // the wall clock of the log moves on; mtime stays
  r = log->apply_retention(INT64_MAX, queue);
  EXPECT_EQ(r->segments_deleted, 2u);  // both expired: the active one after a roll
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(log->log_start_offset(), 2);
}

} // namespace
