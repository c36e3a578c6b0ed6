// Kafka's transaction rules for one cleaning scan (src/log/cleaner/cleaned_txns.h), batch by batch.

#include <gtest/gtest.h>

#include <vector>

#include "cleaner/cleaned_txns.h"

namespace gregor::log::cleaner_detail {
namespace {

constexpr txn_marker commit{true, 0};
constexpr txn_marker abort_marker{false, 0};

TEST(cleaned_txns, data_of_a_begun_aborted_transaction_is_aborted_until_its_marker) {
  const std::vector<aborted_txn> aborted = {{9, 10, 20, 21}};
  cleaned_txns t(aborted, 0);
  EXPECT_FALSE(t.on_data_batch(9, true, 5));    // before the aborted transaction began
  EXPECT_FALSE(t.on_control_batch(9, 6, 1, commit));
  EXPECT_TRUE(t.on_data_batch(9, true, 12));
  EXPECT_FALSE(t.on_data_batch(8, true, 13));   // another producer
  EXPECT_FALSE(t.on_data_batch(9, false, 14));  // not transactional
  EXPECT_TRUE(t.on_data_batch(9, true, 15));
  // The marker stays (a batch of its transaction was seen) and keeps its index entry.
  EXPECT_FALSE(t.on_control_batch(9, 20, 1, abort_marker));
  EXPECT_EQ(t.take_retained(), aborted);
  EXPECT_TRUE(t.take_retained().empty());
  EXPECT_FALSE(t.on_data_batch(9, true, 25));   // a later transaction of the same producer
}

TEST(cleaned_txns, an_abort_marker_without_batches_left_may_go_and_loses_its_entry) {
  const std::vector<aborted_txn> aborted = {{9, 10, 20, 21}};
  cleaned_txns t(aborted, 0);
  EXPECT_FALSE(t.on_data_batch(1, false, 12));
  EXPECT_TRUE(t.on_control_batch(9, 20, 1, abort_marker));
  EXPECT_TRUE(t.take_retained().empty());
}

TEST(cleaned_txns, an_abort_marker_without_an_index_entry_stays_while_its_data_is_there) {
  cleaned_txns t({}, 0);  // the entry was lost
  EXPECT_FALSE(t.on_data_batch(9, true, 3));          // taken for committed data
  EXPECT_FALSE(t.on_control_batch(9, 4, 1, abort_marker));
  EXPECT_EQ(t.unindexed_aborts(), 1u);
  EXPECT_TRUE(t.take_retained().empty());
  EXPECT_TRUE(t.on_control_batch(9, 9, 1, abort_marker));  // no batch of it left: may go
  EXPECT_EQ(t.unindexed_aborts(), 1u);
}

TEST(cleaned_txns, a_commit_marker_stays_while_its_data_is_there) {
  cleaned_txns t({}, 0);
  EXPECT_FALSE(t.on_data_batch(7, true, 3));
  EXPECT_FALSE(t.on_control_batch(7, 4, 1, commit));
  EXPECT_TRUE(t.on_control_batch(7, 9, 1, commit));  // its transaction had no batch in the scan
}

TEST(cleaned_txns, empty_and_unknown_control_batches) {
  cleaned_txns t({}, 0);
  EXPECT_TRUE(t.on_control_batch(7, 4, 0, std::nullopt));   // emptied by an earlier cleaning
  EXPECT_FALSE(t.on_control_batch(7, 5, 1, std::nullopt));  // a control type we do not know
}

TEST(cleaned_txns, entries_whose_marker_is_before_the_scan_are_ignored) {
  // Producer 9's aborted transaction ended before the scan: its later batches are committed data.
  const std::vector<aborted_txn> aborted = {{9, 1, 3, 4}, {5, 2, 30, 31}};
  cleaned_txns t(aborted, 10);
  EXPECT_FALSE(t.on_data_batch(9, true, 12));
  // Producer 5's began before the scan and ends inside it.
  EXPECT_TRUE(t.on_data_batch(5, true, 11));
  EXPECT_FALSE(t.on_control_batch(5, 30, 1, abort_marker));
  EXPECT_EQ(t.take_retained(), std::vector<aborted_txn>{aborted[1]});
}

} // namespace
} // namespace gregor::log::cleaner_detail
