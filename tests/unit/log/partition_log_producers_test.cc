// Producer state inside partition_log: duplicates, refusals, snapshots on roll and close, the
// rebuild after a crash or a truncation, and the .txnindex of aborted transactions.

#include <gtest/gtest.h>

#include <fstream>

#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "gregor/log/producer_snapshot.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

const topic_partition tp{"payments", 0};
constexpr int64_t ts = 1'700'000'000'000;
constexpr int32_t leader_epoch = 0;

struct producers_fixture : ::testing::Test {
  test::temp_dir tmp;
  manual_clock clk{ts};
  std::filesystem::path dir = tmp.path() / "payments-0";

  log_config small_segments() const {
    log_config cfg;
    cfg.segment_bytes = 600;  // a few batches per segment
    cfg.index_interval_bytes = 100;
    cfg.segment_index_bytes = 4096;
    return cfg;
  }

  std::unique_ptr<partition_log> open(const log_config& cfg, recovery_hint hint = {}) {
    auto log = partition_log::open(dir, tp, cfg, clk, hint);
    EXPECT_TRUE(log) << log.error().message();
    return log ? std::move(*log) : nullptr;
  }

  // After a crash: everything from the segment holding `recovery_point` on is recovered.
  static recovery_hint crashed(int64_t recovery_point = 0) {
    return {.clean_shutdown = false, .recovery_point = recovery_point};
  }

  // An idempotent batch of `count` records of producer `pid`.
  static bytes idempotent(int64_t pid, int16_t epoch, int32_t seq, int32_t count = 3) {
    return test::with_producer(test::make_batch(count, ts), pid, epoch, seq);
  }
  static bytes transactional(int64_t pid, int16_t epoch, int32_t seq, int32_t count = 2) {
    return test::with_producer(test::make_batch(count, ts), pid, epoch, seq, true);
  }

  static append_result append(partition_log& log, const bytes& batch, append_origin origin = append_origin::client) {
    auto r = log.append(shared_bytes(batch), leader_epoch, origin);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : append_result{};
  }

  static std::error_code refusal(partition_log& log, const bytes& batch) {
    auto r = log.append(shared_bytes(batch), leader_epoch);
    return r ? std::error_code{} : r.error();
  }

  static bytes read_all(partition_log& log) {
    auto r = log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX, false);
    EXPECT_TRUE(r) << r.error().message();
    return r ? r->records.linearize() : bytes{};
  }

  // What a producer entry means for deduplication and sequencing.
  struct summary {
    int64_t producer_id;
    int16_t epoch;
    int32_t last_seq;
    int64_t last_offset;
    int32_t coordinator_epoch;
    int64_t txn_first_offset;
    bool operator==(const summary&) const = default;
  };
  static std::vector<summary> state_of(const partition_log& log) {
    std::vector<summary> out;
    for (const auto& e : log.producers().entries()) {
      out.push_back({e.producer_id, e.epoch, e.last_seq(), e.last_data_offset(), e.coordinator_epoch,
                     e.current_txn_first_offset});
    }
    return out;
  }

  std::vector<int64_t> snapshots() const {
    auto listed = list_producer_snapshots(dir);
    EXPECT_TRUE(listed);
    return listed ? *listed : std::vector<int64_t>{};
  }
};

TEST_F(producers_fixture, a_retried_batch_is_answered_with_its_original_offsets_and_not_written) {
  auto log = open({});
  const bytes first = idempotent(7, 0, 0);
  auto original = append(*log, first);
  append(*log, idempotent(7, 0, 3));
  append(*log, test::make_batch(2, ts));  // no producer
  const uint64_t size = log->size_bytes();

  auto retry = append(*log, first);
  EXPECT_TRUE(retry.duplicate);
  EXPECT_EQ(retry.first_offset, original.first_offset);
  EXPECT_EQ(retry.last_offset, original.last_offset);
  EXPECT_EQ(log->log_end_offset(), 8);
  EXPECT_EQ(log->size_bytes(), size);
}

TEST_F(producers_fixture, refused_batches_leave_the_log_and_the_state_unchanged) {
  auto log = open({});
  append(*log, idempotent(7, 2, 0));
  const auto before = state_of(*log);
  EXPECT_EQ(refusal(*log, idempotent(7, 2, 5)), errc::out_of_order_sequence);
  EXPECT_EQ(refusal(*log, idempotent(7, 1, 3)), errc::invalid_producer_epoch);
  EXPECT_EQ(log->log_end_offset(), 3);
  EXPECT_EQ(state_of(*log), before);
  append(*log, idempotent(7, 2, 3));
}

TEST_F(producers_fixture, a_roll_snapshots_the_state_below_the_new_segment) {
  auto log = open(small_segments());
  int32_t seq = 0;
  while (log->segment_count() < 3) {
    append(*log, idempotent(7, 0, seq));
    seq += 3;
  }
  const auto taken = snapshots();
  ASSERT_EQ(taken.size(), 2u);  // one per roll
  auto entries = read_producer_snapshot(filenames::snapshot_file(dir, taken[1]));
  ASSERT_TRUE(entries) << entries.error().message();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].last_data_offset(), taken[1] - 1);  // the last batch below the segment
  EXPECT_EQ((*entries)[0].last_seq(), taken[1] - 1);          // one sequence per offset here
}

TEST_F(producers_fixture, a_clean_restart_loads_the_snapshot_at_the_log_end) {
  bytes last;
  {
    auto log = open({});
    append(*log, idempotent(7, 0, 0));
    last = idempotent(7, 0, 3);
    append(*log, last);
    append(*log, idempotent(9, 4, 0));
    log->close();
  }
  EXPECT_EQ(snapshots(), std::vector<int64_t>{9});
  auto log = open({});
  EXPECT_EQ(state_of(*log), (std::vector<summary>{{7, 0, 5, 5, -1, -1}, {9, 4, 2, 8, -1, -1}}));
  // The retained batch is still recognised after the restart.
  EXPECT_TRUE(append(*log, last).duplicate);
  EXPECT_EQ(refusal(*log, idempotent(7, 0, 7)), errc::out_of_order_sequence);
}

TEST_F(producers_fixture, an_unclean_restart_replays_from_the_newest_snapshot) {
  std::vector<summary> expected;
  {
    auto log = open(small_segments());
    int32_t seq_a = 0, seq_b = 0;
    for (int i = 0; i < 12; ++i) {
      if (i % 3 == 2) {
        append(*log, idempotent(11, 1, seq_b));
        seq_b += 3;
      } else {
        append(*log, idempotent(7, 0, seq_a));
        seq_a += 3;
      }
    }
    ASSERT_GE(snapshots().size(), 2u);
    expected = state_of(*log);
    // Crash: no close, so no snapshot at the log end.
  }
  // Only the last segment needs recovery: the snapshot taken when it was rolled is the start.
  auto log = open(small_segments(), crashed(snapshots().back()));
  EXPECT_EQ(state_of(*log), expected);
}

TEST_F(producers_fixture, a_corrupt_snapshot_falls_back_to_an_older_one) {
  std::vector<summary> expected;
  {
    auto log = open(small_segments());
    for (int i = 0; i < 12; ++i) append(*log, idempotent(7, 0, i * 3));
    expected = state_of(*log);
  }
  const auto taken = snapshots();
  ASSERT_GE(taken.size(), 2u);
  const auto newest = filenames::snapshot_file(dir, taken.back());
  std::fstream f(newest, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(20);
  f.put('\x7f');
  f.close();
  auto log = open(small_segments(), crashed(taken.back()));
  EXPECT_EQ(state_of(*log), expected);
  EXPECT_FALSE(std::filesystem::exists(newest));
}

TEST_F(producers_fixture, snapshots_past_the_recovered_end_are_deleted) {
  {
    auto log = open(small_segments());
    for (int i = 0; i < 12; ++i) append(*log, idempotent(7, 0, i * 3));
  }
  auto taken = snapshots();
  ASSERT_GE(taken.size(), 2u);
  // The crash tore the last batch of the second newest segment: recovery cuts it and drops every
  // later segment, so the newest snapshot describes data that is gone.
  const auto torn = filenames::log_file(dir, taken[taken.size() - 2]);
  std::filesystem::resize_file(torn, std::filesystem::file_size(torn) - 10);
  auto log = open(small_segments(), crashed());
  const int64_t end = log->log_end_offset();
  EXPECT_LT(end, taken.back());
  for (int64_t s : snapshots()) EXPECT_LE(s, end);
  EXPECT_EQ(log->producers().find(7)->last_data_offset(), end - 1);
  append(*log, idempotent(7, 0, static_cast<int32_t>(end)));  // sequences equal offsets here
}

TEST_F(producers_fixture, aborted_transactions_are_indexed_where_their_marker_is) {
  auto log = open({});
  append(*log, idempotent(1, 0, 0));                      // 0-2
  append(*log, transactional(5, 0, 0));                   // 3-4: txn of 5 opens
  append(*log, transactional(6, 0, 0));                   // 5-6: txn of 6 opens
  EXPECT_EQ(log->first_unstable_offset(), 3);
  EXPECT_EQ(refusal(*log, idempotent(5, 0, 2)), errc::invalid_txn_state);
  append(*log, test::make_marker_batch(5, 0, /*commit=*/false, 0, ts), append_origin::coordinator);  // 7
  append(*log, test::make_marker_batch(6, 0, /*commit=*/true, 0, ts), append_origin::coordinator);   // 8
  // Completed, but not stable before the high watermark passes the markers.
  EXPECT_EQ(log->first_unstable_offset(), 3);
  log->on_high_watermark(8);
  EXPECT_EQ(log->first_unstable_offset(), 5);
  log->on_high_watermark(9);
  EXPECT_FALSE(log->first_unstable_offset().has_value());

  // Only the abort is indexed, with the LSO right after its marker (6's transaction was open).
  const aborted_txn expected{.producer_id = 5, .first_offset = 3, .last_offset = 7, .last_stable_offset = 5};
  auto found = log->collect_aborted_txns(0, 9);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::vector<aborted_txn>{expected});
  EXPECT_TRUE(log->collect_aborted_txns(8, 9)->empty());  // the fetch starts after its marker
  EXPECT_EQ(test::read_file(filenames::txn_index_file(dir, 0)).size(), txn_index_entry_size);

  // A stale coordinator is fenced; a marker with a bumped epoch fences the producer's old epoch.
  append(*log, transactional(5, 0, 2));
  EXPECT_EQ(log->append(shared_bytes(test::make_marker_batch(5, 0, false, -5, ts)), 0, append_origin::coordinator)
                .error(),
            errc::coordinator_fenced);
  append(*log, test::make_marker_batch(5, 1, false, 0, ts), append_origin::coordinator);
  EXPECT_EQ(refusal(*log, transactional(5, 0, 4)), errc::invalid_producer_epoch);
}

TEST_F(producers_fixture, an_abort_in_a_later_segment_is_found_for_a_fetch_of_its_data) {
  auto log = open(small_segments());
  append(*log, transactional(5, 0, 0));  // 0-1
  int32_t seq = 0;
  while (log->segment_count() < 3) {
    append(*log, idempotent(9, 0, seq));
    seq += 3;
  }
  const int64_t marker = append(*log, test::make_marker_batch(5, 0, false, 0, ts), append_origin::coordinator).first_offset;
  auto found = log->collect_aborted_txns(0, 2);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].last_offset, marker);
}

TEST_F(producers_fixture, open_transactions_and_aborts_survive_clean_and_unclean_restarts) {
  const aborted_txn abort{.producer_id = 5, .first_offset = 0, .last_offset = 2, .last_stable_offset = 3};
  {
    auto log = open({});
    append(*log, transactional(5, 0, 0));
    append(*log, test::make_marker_batch(5, 0, false, 3, ts), append_origin::coordinator);
    append(*log, transactional(6, 0, 0));  // 3-4, left open
    log->close();
  }
  {
    auto log = open({});
    EXPECT_EQ(log->first_unstable_offset(), 3);
    EXPECT_EQ(*log->collect_aborted_txns(0, 5), std::vector<aborted_txn>{abort});
    EXPECT_EQ(log->producers().find(5)->coordinator_epoch, 3);
    // Crash after more work; the abort's index entry never reached the disk.
  }
  std::filesystem::remove(filenames::txn_index_file(dir, 0));
  std::filesystem::remove(filenames::snapshot_file(dir, 5));
  auto log = open({}, crashed());
  EXPECT_EQ(log->first_unstable_offset(), 0);  // replayed: 5's abort is not known to be replicated
  log->on_high_watermark(5);
  EXPECT_EQ(log->first_unstable_offset(), 3);
  EXPECT_EQ(*log->collect_aborted_txns(0, 5), std::vector<aborted_txn>{abort});
}

TEST_F(producers_fixture, a_damaged_txnindex_is_rebuilt_on_open) {
  {
    auto log = open({});
    append(*log, transactional(5, 0, 0));
    append(*log, test::make_marker_batch(5, 0, false, 0, ts), append_origin::coordinator);
    log->close();
  }
  test::append_to_file(filenames::txn_index_file(dir, 0), bytes(5, 0xff));  // torn write
  auto log = open({});
  auto found = log->collect_aborted_txns(0, 3);
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(test::read_file(filenames::txn_index_file(dir, 0)).size(), txn_index_entry_size);
}

TEST_F(producers_fixture, a_follower_builds_the_leaders_state_and_truncation_rebuilds_it) {
  auto leader = open(small_segments());
  std::vector<std::vector<summary>> leader_states;  // after each append
  std::vector<int64_t> ends;
  int32_t next_seq[2] = {0, 0};
  for (int i = 0; i < 10; ++i) {
    if (i == 4) {
      append(*leader, transactional(20, 0, 0));
    } else if (i == 7) {
      append(*leader, test::make_marker_batch(20, 0, false, 0, ts), append_origin::coordinator);
    } else {
      append(*leader, idempotent(10 + i % 2, 0, next_seq[i % 2]));
      next_seq[i % 2] += 3;
    }
    leader_states.push_back(state_of(*leader));
    ends.push_back(leader->log_end_offset());
  }
  const bytes all = read_all(*leader);

  test::temp_dir other;
  auto follower_log = partition_log::open(other.path() / "payments-0", tp, small_segments(), clk);
  ASSERT_TRUE(follower_log);
  auto& follower = **follower_log;
  ASSERT_TRUE(follower.append_as_follower(shared_bytes(all)));
  EXPECT_EQ(state_of(follower), leader_states.back());
  EXPECT_EQ(*follower.collect_aborted_txns(0, follower.log_end_offset()),
            *leader->collect_aborted_txns(0, leader->log_end_offset()));

  // Truncating back to the end of each earlier append gives the state the leader had then.
  for (int i = 8; i >= 2; i -= 3) {
    ASSERT_TRUE(follower.truncate_to(ends[i]));
    EXPECT_EQ(state_of(follower), leader_states[i]) << "after append " << i;
  }
  EXPECT_TRUE(follower.collect_aborted_txns(0, follower.log_end_offset())->empty());
  ASSERT_TRUE(follower.truncate_fully_and_start_at(100));
  EXPECT_TRUE(follower.producers().empty());
  EXPECT_TRUE(list_producer_snapshots(other.path() / "payments-0")->empty());
}

} // namespace
