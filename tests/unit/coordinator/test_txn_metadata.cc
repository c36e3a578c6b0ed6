// The transaction state machine (Kafka's TransactionMetadata and the coordinator's checks): epoch
// bumps and retries, fencing of zombies and of open transactions, exhausted epochs, the EndTxn
// table, pending transitions, timeouts and expiry.

#include "txn_metadata.h"

#include <gtest/gtest.h>

#include <limits>

namespace gregor::txn {
namespace {

constexpr int64_t now = 1'000'000;

// Applies a successful write of `t`.
void commit_write(txn_metadata& m, const txn_transit& t) { ASSERT_TRUE(m.complete(t)); }

// A producer that ran InitProducerId once: id 7, epoch 0.
txn_metadata initialised() {
  txn_metadata m("t", 7, 60000, now);
  auto step = m.prepare_init(60000, std::nullopt, std::nullopt, now);
  EXPECT_EQ(step.error, error_code::none);
  EXPECT_FALSE(step.fence);
  EXPECT_TRUE(m.complete(step.transit));
  return m;
}

txn_metadata in_transaction() {
  auto m = initialised();
  std::optional<txn_transit> t;
  EXPECT_EQ(m.prepare_add_partitions(7, 0, {{"a", 0}}, now + 1, t), error_code::none);
  EXPECT_TRUE(t.has_value());
  EXPECT_TRUE(m.complete(*t));
  return m;
}

TEST(TxnMetadata, FirstInitGivesEpochZeroAndEachInitBumps) {
  auto m = initialised();
  EXPECT_EQ(m.producer_id(), 7);
  EXPECT_EQ(m.producer_epoch(), 0);
  EXPECT_EQ(m.state(), txn_state::empty);
  auto again = m.prepare_init(30000, std::nullopt, std::nullopt, now + 5);
  ASSERT_EQ(again.error, error_code::none);
  commit_write(m, again.transit);
  EXPECT_EQ(m.producer_epoch(), 1);
  EXPECT_EQ(m.timeout_ms(), 30000);
  EXPECT_EQ(m.last_update_ms(), now + 5);
}

TEST(TxnMetadata, ExpectedEpochBumpsRetriesAndFencesZombies) {
  auto m = initialised();  // epoch 0
  auto bump = m.prepare_init(60000, producer_and_epoch{7, 0}, std::nullopt, now);
  ASSERT_EQ(bump.error, error_code::none);
  commit_write(m, bump.transit);
  EXPECT_EQ(m.producer_epoch(), 1);
  EXPECT_EQ(m.last_producer_epoch(), 0);
  // The same request again (its answer was lost): same epoch, no bump.
  auto retry = m.prepare_init(60000, producer_and_epoch{7, 0}, std::nullopt, now);
  ASSERT_EQ(retry.error, error_code::none);
  EXPECT_EQ(retry.transit.producer_epoch, 1);
  m.abandon(false);
  // An older epoch, or another producer id: a zombie.
  EXPECT_EQ(m.prepare_init(60000, producer_and_epoch{7, 5}, std::nullopt, now).error, error_code::producer_fenced);
  EXPECT_EQ(m.prepare_init(60000, producer_and_epoch{8, 1}, std::nullopt, now).error, error_code::producer_fenced);
}

TEST(TxnMetadata, ExhaustedEpochRotatesTheProducerId) {
  stored_txn s;
  s.producer_id = 7;
  s.producer_epoch = std::numeric_limits<int16_t>::max() - 1;
  s.timeout_ms = 1000;
  s.state = txn_state::complete_commit;
  txn_metadata m("t", s);
  EXPECT_TRUE(m.epoch_exhausted());
  auto step = m.prepare_init(1000, producer_and_epoch{7, s.producer_epoch}, std::nullopt, now);
  EXPECT_EQ(step.error, error_code::none);
  EXPECT_TRUE(step.needs_new_producer_id);
  EXPECT_FALSE(m.pending().has_value());
  step = m.prepare_init(1000, producer_and_epoch{7, s.producer_epoch}, int64_t{42}, now);
  ASSERT_EQ(step.error, error_code::none);
  commit_write(m, step.transit);
  EXPECT_EQ(m.producer_id(), 42);
  EXPECT_EQ(m.producer_epoch(), 0);
  EXPECT_EQ(m.last_producer_id(), 7);
  EXPECT_EQ(m.last_producer_epoch(), s.producer_epoch);
  // The old id with its exhausted epoch is a retry, not a zombie.
  auto retry = m.prepare_init(1000, producer_and_epoch{7, s.producer_epoch}, std::nullopt, now);
  EXPECT_EQ(retry.error, error_code::none);
  EXPECT_EQ(retry.transit.producer_id, 42);
}

TEST(TxnMetadata, InitDuringAnOpenTransactionFencesIt) {
  auto m = in_transaction();
  auto step = m.prepare_init(60000, std::nullopt, std::nullopt, now + 2);
  ASSERT_EQ(step.error, error_code::none);
  ASSERT_TRUE(step.fence);
  EXPECT_EQ(step.transit.producer_epoch, 1);
  EXPECT_EQ(m.pending(), txn_state::prepare_epoch_fence);
  // Meanwhile the old producer cannot commit.
  EXPECT_EQ(m.prepare_end(7, 0, true, true, now).error, error_code::concurrent_transactions);
  // The coordinator aborts with the bumped epoch.
  auto end = m.prepare_end(7, step.transit.producer_epoch, false, false, now + 3);
  ASSERT_EQ(end.error, error_code::none);
  EXPECT_TRUE(end.epoch_fence);
  EXPECT_EQ(end.transit.state, txn_state::prepare_abort);
  EXPECT_EQ(end.transit.producer_epoch, 1);
  EXPECT_EQ(end.transit.partitions, (std::set<topic_partition>{{"a", 0}}));
  commit_write(m, end.transit);
  // The zombie (epoch 0) is fenced from now on.
  std::optional<txn_transit> t;
  EXPECT_EQ(m.prepare_add_partitions(7, 0, {{"a", 1}}, now, t), error_code::producer_fenced);
  EXPECT_EQ(m.prepare_end(7, 0, true, true, now).error, error_code::producer_fenced);
  // The new producer's retry waits for the abort to complete, then gets epoch 2.
  EXPECT_EQ(m.prepare_init(60000, std::nullopt, std::nullopt, now).error, error_code::concurrent_transactions);
  commit_write(m, m.prepare_complete(now + 4));
  EXPECT_EQ(m.state(), txn_state::complete_abort);
  EXPECT_TRUE(m.partitions().empty());
  auto again = m.prepare_init(60000, std::nullopt, std::nullopt, now + 5);
  ASSERT_EQ(again.error, error_code::none);
  EXPECT_EQ(again.transit.producer_epoch, 2);
}

TEST(TxnMetadata, AFailedFenceDoesNotBumpTwice) {
  auto m = in_transaction();
  auto step = m.prepare_init(60000, std::nullopt, std::nullopt, now);
  auto end = m.prepare_end(7, step.transit.producer_epoch, false, false, now);
  ASSERT_EQ(end.error, error_code::none);
  m.abandon(end.epoch_fence);  // the PrepareAbort write failed
  EXPECT_EQ(m.producer_epoch(), 1);
  EXPECT_EQ(m.state(), txn_state::ongoing);
  EXPECT_EQ(m.prepare_fence().producer_epoch, 1);
}

TEST(TxnMetadata, AddPartitionsStartsAndExtendsTheTransaction) {
  auto m = initialised();
  std::optional<txn_transit> t;
  EXPECT_EQ(m.prepare_add_partitions(8, 0, {{"a", 0}}, now, t), error_code::invalid_producer_id_mapping);
  EXPECT_EQ(m.prepare_add_partitions(7, 1, {{"a", 0}}, now, t), error_code::producer_fenced);
  ASSERT_EQ(m.prepare_add_partitions(7, 0, {{"a", 0}}, now + 10, t), error_code::none);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->start_ms, now + 10);
  // A second request while the first write is in flight.
  std::optional<txn_transit> t2;
  EXPECT_EQ(m.prepare_add_partitions(7, 0, {{"a", 1}}, now, t2), error_code::concurrent_transactions);
  commit_write(m, *t);
  EXPECT_EQ(m.state(), txn_state::ongoing);
  // Already in the transaction: nothing to write.
  EXPECT_EQ(m.prepare_add_partitions(7, 0, {{"a", 0}}, now + 20, t2), error_code::none);
  EXPECT_FALSE(t2);
  ASSERT_EQ(m.prepare_add_partitions(7, 0, {{"b", 3}}, now + 30, t2), error_code::none);
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->start_ms, now + 10);  // the transaction's start does not move
  EXPECT_EQ(t2->partitions, (std::set<topic_partition>{{"a", 0}, {"b", 3}}));
}

TEST(TxnMetadata, EndTxnFollowsKafkasTable) {
  auto m = in_transaction();
  EXPECT_EQ(m.prepare_end(8, 0, true, true, now).error, error_code::invalid_producer_id_mapping);
  EXPECT_EQ(m.prepare_end(7, 1, true, true, now).error, error_code::producer_fenced);
  auto end = m.prepare_end(7, 0, true, true, now + 50);
  ASSERT_EQ(end.error, error_code::none);
  ASSERT_TRUE(end.write);
  EXPECT_EQ(end.transit.state, txn_state::prepare_commit);
  commit_write(m, end.transit);
  // While the markers go out: a retried commit waits, an abort is a state error.
  EXPECT_EQ(m.prepare_end(7, 0, true, true, now).error, error_code::concurrent_transactions);
  EXPECT_EQ(m.prepare_end(7, 0, false, true, now).error, error_code::invalid_txn_state);
  std::optional<txn_transit> t;
  EXPECT_EQ(m.prepare_add_partitions(7, 0, {{"a", 0}}, now, t), error_code::concurrent_transactions);
  commit_write(m, m.prepare_complete(now + 60));
  EXPECT_EQ(m.state(), txn_state::complete_commit);
  // A retried commit after completion succeeds without a write; an abort is a state error.
  auto retry = m.prepare_end(7, 0, true, true, now);
  EXPECT_EQ(retry.error, error_code::none);
  EXPECT_FALSE(retry.write);
  EXPECT_EQ(m.prepare_end(7, 0, false, true, now).error, error_code::invalid_txn_state);
  // Ending a transaction that never started.
  auto fresh = initialised();
  EXPECT_EQ(fresh.prepare_end(7, 0, true, true, now).error, error_code::invalid_txn_state);
}

TEST(TxnMetadata, AFailedWriteLeavesTheStateAsItWas) {
  auto m = in_transaction();
  auto end = m.prepare_end(7, 0, false, true, now);
  ASSERT_TRUE(end.write);
  EXPECT_FALSE(m.complete(m.prepare_complete(now)));  // not the pending transition: refused
  m.abandon(false);
  EXPECT_EQ(m.state(), txn_state::ongoing);
  EXPECT_FALSE(m.pending().has_value());
  EXPECT_EQ(m.prepare_end(7, 0, false, true, now).error, error_code::none);
}

TEST(TxnMetadata, TimeoutAndExpiry) {
  auto m = in_transaction();  // started at now + 1, timeout 60 s
  EXPECT_FALSE(m.timed_out(now + 1 + 60000));
  EXPECT_TRUE(m.timed_out(now + 1 + 60001));
  EXPECT_FALSE(m.expired(now + 1'000'000'000, 1000));  // open transactions never expire
  auto end = m.prepare_end(7, 0, true, true, now + 2);
  commit_write(m, end.transit);
  EXPECT_FALSE(m.timed_out(now + 1'000'000));
  commit_write(m, m.prepare_complete(now + 3));
  EXPECT_FALSE(m.expired(now + 3 + 999, 1000));
  EXPECT_TRUE(m.expired(now + 3 + 1000, 1000));
  auto dead = m.prepare_dead();
  EXPECT_EQ(dead.state, txn_state::dead);
  EXPECT_FALSE(m.expired(now + 1'000'000, 1000));  // pending
}

TEST(TxnMetadata, TransitionTableIsKafkas) {
  using s = txn_state;
  EXPECT_TRUE(valid_transition(s::complete_abort, s::ongoing));
  EXPECT_TRUE(valid_transition(s::prepare_epoch_fence, s::prepare_abort));
  EXPECT_FALSE(valid_transition(s::empty, s::prepare_commit));
  EXPECT_FALSE(valid_transition(s::ongoing, s::complete_commit));
  EXPECT_FALSE(valid_transition(s::prepare_commit, s::complete_abort));
  EXPECT_FALSE(valid_transition(s::ongoing, s::dead));
}

} // namespace
} // namespace gregor::txn
