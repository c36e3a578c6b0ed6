#include "gregor/log/producer_state.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

constexpr int64_t pid = 1000;

// A data batch of `count` records of `producer` at offsets [offset, offset + count).
producer_batch_fields data(int64_t offset, int32_t count, int32_t seq, int16_t epoch = 0, int64_t producer = pid,
                           bool transactional = false) {
  return {.producer_id = producer,
          .producer_epoch = epoch,
          .base_sequence = seq,
          .first_offset = offset,
          .last_offset = offset + count - 1,
          .max_timestamp = 1'000 + offset,
          .transactional = transactional};
}

producer_batch_fields txn_data(int64_t offset, int32_t count, int32_t seq, int64_t producer = pid, int16_t epoch = 0) {
  return data(offset, count, seq, epoch, producer, true);
}

producer_batch_fields marker(int64_t offset, bool commit, int64_t producer = pid, int16_t epoch = 0,
                             int32_t coordinator_epoch = 0) {
  return {.producer_id = producer,
          .producer_epoch = epoch,
          .base_sequence = -1,
          .first_offset = offset,
          .last_offset = offset,
          .max_timestamp = 5'000 + offset,
          .transactional = true,
          .control = true,
          .marker = txn_marker{.commit = commit, .coordinator_epoch = coordinator_epoch}};
}

// Analyzes and applies one append; fails the test on an error.
std::vector<aborted_txn> append(producer_state& s, std::vector<producer_batch_fields> batches,
                                append_origin origin = append_origin::client) {
  auto plan = s.analyze(batches, origin);
  EXPECT_TRUE(plan.has_value()) << (plan ? "" : plan.error().message());
  if (!plan) return {};
  EXPECT_FALSE(plan->duplicate.has_value());
  return s.apply(std::move(*plan));
}

std::error_code rejection(const producer_state& s, std::vector<producer_batch_fields> batches,
                          append_origin origin = append_origin::client) {
  auto plan = s.analyze(batches, origin);
  return plan ? std::error_code{} : plan.error();
}

TEST(producer_state_test, in_sequence_batches_are_accepted_and_retained) {
  producer_state s;
  append(s, {data(0, 3, 0)});
  append(s, {data(3, 2, 3)});
  const producer_entry* e = s.find(pid);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->epoch, 0);
  EXPECT_EQ(e->last_seq(), 4);
  EXPECT_EQ(e->last_data_offset(), 4);
  EXPECT_EQ(e->last_timestamp, 1'003);
  EXPECT_EQ(s.map_end_offset(), 5);
  EXPECT_EQ(e->batches().size(), 2u);
}

TEST(producer_state_test, a_gap_in_the_sequence_is_out_of_order) {
  producer_state s;
  append(s, {data(0, 3, 0)});
  EXPECT_EQ(rejection(s, {data(3, 1, 4)}), errc::out_of_order_sequence);
  EXPECT_EQ(rejection(s, {data(3, 1, 2)}), errc::out_of_order_sequence);
  // Followers and recovery copy what the leader accepted.
  EXPECT_EQ(rejection(s, {data(3, 1, 4)}, append_origin::replication), std::error_code{});
  // A rejected append changed nothing.
  EXPECT_EQ(s.find(pid)->last_seq(), 2);
}

TEST(producer_state_test, sequences_wrap_from_int32_max_to_zero) {
  constexpr int32_t max = std::numeric_limits<int32_t>::max();
  producer_state s;
  append(s, {data(0, 2, max - 1)});  // first batch of an unknown producer: any sequence
  EXPECT_EQ(s.find(pid)->last_seq(), max);
  append(s, {data(2, 3, 0)});
  EXPECT_EQ(s.find(pid)->last_seq(), 2);
  // A batch that itself crosses the wrap.
  producer_batch_fields crossing = data(10, 4, max - 1, 0, 7);
  EXPECT_EQ(crossing.last_sequence(), 1);
}

TEST(producer_state_test, a_new_epoch_must_start_at_sequence_zero) {
  producer_state s;
  append(s, {data(0, 3, 0, /*epoch=*/0)});
  EXPECT_EQ(rejection(s, {data(3, 1, 3, /*epoch=*/1)}), errc::out_of_order_sequence);
  append(s, {data(3, 1, 0, /*epoch=*/1)});
  const producer_entry* e = s.find(pid);
  EXPECT_EQ(e->epoch, 1);
  // The old epoch's batches are forgotten.
  EXPECT_EQ(e->batches().size(), 1u);
}

TEST(producer_state_test, an_older_epoch_is_fenced_except_for_followers) {
  producer_state s;
  append(s, {data(0, 1, 0, /*epoch=*/5)});
  EXPECT_EQ(rejection(s, {data(1, 1, 1, /*epoch=*/4)}), errc::invalid_producer_epoch);
  EXPECT_EQ(rejection(s, {marker(1, true, pid, /*epoch=*/4)}, append_origin::coordinator),
            errc::invalid_producer_epoch);
  EXPECT_EQ(rejection(s, {data(1, 1, 1, /*epoch=*/4)}, append_origin::replication), std::error_code{});
}

TEST(producer_state_test, an_unknown_producer_is_accepted_at_any_sequence) {
  producer_state s;
  append(s, {data(0, 1, 42)});
  EXPECT_EQ(s.find(pid)->last_seq(), 42);
  // Known from now on: the next must follow.
  EXPECT_EQ(rejection(s, {data(1, 1, 44)}), errc::out_of_order_sequence);
}

TEST(producer_state_test, each_of_the_last_five_batches_is_found_as_a_duplicate) {
  producer_state s;
  for (int i = 0; i < 6; ++i) append(s, {data(i * 10, 10, i * 10)});  // seqs 0..59 at offsets 0..59
  for (int i = 1; i < 6; ++i) {
    auto plan = s.analyze(std::vector{data(100, 10, i * 10)}, append_origin::client);
    ASSERT_TRUE(plan.has_value());
    ASSERT_TRUE(plan->duplicate.has_value()) << "batch " << i;
    EXPECT_EQ(plan->duplicate->first_offset(), i * 10);
    EXPECT_EQ(plan->duplicate->last_offset, i * 10 + 9);
    EXPECT_TRUE(plan->entries.empty());
    s.apply(std::move(*plan));  // applying a duplicate changes nothing
    EXPECT_EQ(s.map_end_offset(), 60);
  }
  // The sixth batch back is no longer retained: out of order, not a duplicate.
  EXPECT_EQ(rejection(s, {data(100, 10, 0)}), errc::out_of_order_sequence);
  // A duplicate must match epoch and both ends of the range.
  EXPECT_EQ(rejection(s, {data(100, 5, 50)}), errc::out_of_order_sequence);
  EXPECT_EQ(rejection(s, {data(100, 10, 50, /*epoch=*/1)}), errc::out_of_order_sequence);
  // Followers never deduplicate.
  auto follower = s.analyze(std::vector{data(60, 10, 50)}, append_origin::replication);
  ASSERT_TRUE(follower.has_value());
  EXPECT_FALSE(follower->duplicate.has_value());
}

TEST(producer_state_test, a_non_transactional_write_during_a_transaction_is_invalid) {
  producer_state s;
  append(s, {txn_data(0, 2, 0)});
  EXPECT_EQ(rejection(s, {data(2, 1, 2)}), errc::invalid_txn_state);
  append(s, {txn_data(2, 1, 2)});
  append(s, {marker(3, true)}, append_origin::coordinator);
  append(s, {data(4, 1, 3)});
  EXPECT_FALSE(s.find(pid)->has_open_txn());
}

TEST(producer_state_test, markers_from_an_older_coordinator_are_fenced) {
  producer_state s;
  append(s, {txn_data(0, 1, 0)});
  append(s, {marker(1, true, pid, 0, /*coordinator_epoch=*/7)}, append_origin::coordinator);
  EXPECT_EQ(s.find(pid)->coordinator_epoch, 7);
  append(s, {txn_data(2, 1, 1)});
  EXPECT_EQ(rejection(s, {marker(3, false, pid, 0, 6)}, append_origin::coordinator), errc::coordinator_fenced);
  EXPECT_EQ(rejection(s, {marker(3, false, pid, 0, 6)}, append_origin::replication), std::error_code{});
  append(s, {marker(3, false, pid, 0, 7)}, append_origin::coordinator);
}

TEST(producer_state_test, a_marker_with_a_new_epoch_fences_the_old_producer) {
  producer_state s;
  append(s, {txn_data(0, 1, 0, pid, /*epoch=*/3)});
  // The coordinator aborts with the bumped epoch (InitProducerId of a new instance).
  append(s, {marker(1, false, pid, /*epoch=*/4)}, append_origin::coordinator);
  EXPECT_EQ(s.find(pid)->epoch, 4);
  EXPECT_EQ(rejection(s, {txn_data(2, 1, 1, pid, 3)}), errc::invalid_producer_epoch);
}

TEST(producer_state_test, the_first_unstable_offset_follows_open_and_unreplicated_transactions) {
  producer_state s;
  constexpr int64_t a = 1, b = 2;
  append(s, {data(0, 5, 0, 0, 99)});                       // non-transactional: stable
  EXPECT_FALSE(s.first_unstable_offset().has_value());
  append(s, {txn_data(5, 2, 0, a)});                       // a opens at 5
  append(s, {txn_data(7, 2, 0, b)});                       // b opens at 7
  EXPECT_EQ(s.first_unstable_offset(), 5);
  append(s, {txn_data(9, 1, 2, a)});                       // a's second batch: still opened at 5
  EXPECT_EQ(s.open_transactions().size(), 2u);
  auto aborted = append(s, {marker(10, false, a)}, append_origin::coordinator);  // a aborts at 10
  ASSERT_EQ(aborted.size(), 1u);
  // The LSO right after the marker is b's first offset.
  EXPECT_EQ(aborted[0], (aborted_txn{.producer_id = a, .first_offset = 5, .last_offset = 10, .last_stable_offset = 7}));
  // a is complete but its marker is not below the high watermark yet.
  EXPECT_EQ(s.first_unstable_offset(), 5);
  s.on_high_watermark(10);
  EXPECT_EQ(s.first_unstable_offset(), 5);
  s.on_high_watermark(11);
  EXPECT_EQ(s.first_unstable_offset(), 7);
  auto committed = append(s, {marker(11, true, b)}, append_origin::coordinator);
  EXPECT_TRUE(committed.empty());  // commits are not indexed
  s.on_high_watermark(12);
  EXPECT_FALSE(s.first_unstable_offset().has_value());
}

TEST(producer_state_test, an_abort_with_no_other_open_transaction_is_stable_right_after_its_marker) {
  producer_state s;
  append(s, {txn_data(0, 3, 0)});
  auto aborted = append(s, {marker(3, false)}, append_origin::coordinator);
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].last_stable_offset, 4);
}

TEST(producer_state_test, a_marker_without_data_here_completes_nothing) {
  producer_state s;
  auto aborted = append(s, {marker(0, false)}, append_origin::coordinator);
  EXPECT_TRUE(aborted.empty());
  EXPECT_FALSE(s.first_unstable_offset().has_value());
  // The producer is known now (its epoch and coordinator epoch).
  ASSERT_NE(s.find(pid), nullptr);
  EXPECT_FALSE(s.find(pid)->has_batches());
}

TEST(producer_state_test, one_append_can_open_and_close_a_transaction) {
  producer_state s;
  auto plan = s.analyze(std::vector{txn_data(0, 2, 0), marker(2, false)}, append_origin::replication);
  ASSERT_TRUE(plan.has_value());
  ASSERT_EQ(plan->completed.size(), 1u);
  auto aborted = s.apply(std::move(*plan));
  ASSERT_EQ(aborted.size(), 1u);
  EXPECT_EQ(aborted[0].first_offset, 0);
  EXPECT_EQ(aborted[0].last_offset, 2);
  EXPECT_EQ(s.open_transactions().size(), 0u);
  EXPECT_EQ(s.first_unstable_offset(), 0);  // until the high watermark passes the marker
}

TEST(producer_state_test, batches_without_a_producer_id_change_nothing_but_the_end_offset) {
  producer_state s;
  producer_batch_fields plain = data(0, 10, -1);
  plain.producer_id = -1;
  plain.producer_epoch = -1;
  append(s, {plain});
  EXPECT_EQ(s.producer_count(), 0u);
  EXPECT_EQ(s.map_end_offset(), 10);
}

TEST(producer_state_test, expiry_skips_producers_with_an_open_transaction) {
  producer_state s;
  append(s, {data(0, 1, 0, 0, 1)});       // timestamp 1000
  append(s, {txn_data(1, 1, 0, 2)});      // timestamp 1001, open
  append(s, {data(2, 1, 0, 0, 3)});       // timestamp 1002
  EXPECT_EQ(s.remove_expired(/*now=*/1'501, /*expiration=*/500), 1u);  // only producer 1
  EXPECT_EQ(s.find(1), nullptr);
  EXPECT_NE(s.find(2), nullptr);
  EXPECT_NE(s.find(3), nullptr);
  EXPECT_EQ(s.remove_expired(100'000, 500), 1u);  // producer 3; 2's transaction is still open
  EXPECT_NE(s.find(2), nullptr);
}

TEST(producer_state_test, load_rebuilds_open_transactions_and_skips_expired_entries) {
  producer_state s;
  append(s, {data(0, 1, 0, 0, 1)});
  append(s, {txn_data(1, 1, 0, 2)});
  append(s, {data(2, 1, 0, 0, 3)});
  const auto saved = s.entries();
  ASSERT_EQ(saved.size(), 3u);
  EXPECT_EQ(saved[0].producer_id, 1);  // sorted by producer id
  producer_state loaded;
  loaded.load(saved, 3, /*now=*/1'501, /*expiration=*/500);
  EXPECT_EQ(loaded.producer_count(), 2u);
  EXPECT_EQ(loaded.map_end_offset(), 3);
  EXPECT_EQ(loaded.first_unstable_offset(), 1);
  // The loaded entry continues the sequence.
  append(loaded, {data(3, 1, 1, 0, 3)});
}

} // namespace
} // namespace gregor::log
