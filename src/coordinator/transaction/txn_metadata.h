#pragma once
// One transactional id's state and the transitions of Kafka's transaction state machine
// (TransactionMetadata plus the checks of TransactionCoordinator), as pure code.
//
// A transition is two steps, as in Kafka: prepare_*() checks the request against the state,
// records the target as `pending` and returns what must be written to __transaction_state;
// after the write, complete() applies it, or abandon() forgets it when the write failed. While a
// transition is pending, other requests get CONCURRENT_TRANSACTIONS.
//
//   Empty ──AddPartitions──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers──▶ CompleteCommit
//     ▲                         │  └──EndTxn(abort), timeout, fence──▶ PrepareAbort ──▶ CompleteAbort
//     └── InitProducerId (epoch bump) from Empty, CompleteCommit, CompleteAbort; expiry: ──▶ Dead
//
// Not thread-safe: the coordinator calls it on its strand.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "gregor/common/topic_partition.h"
#include "gregor/coordinator/transaction_log_records.h"
#include "gregor/protocol/error_code.h"

namespace gregor::txn {

using protocol::error_code;

inline constexpr int64_t no_producer_id = -1;
inline constexpr int16_t no_producer_epoch = -1;

struct producer_and_epoch {
  int64_t producer_id = no_producer_id;
  int16_t epoch = no_producer_epoch;
};

// The state a transition writes (Kafka's TxnTransitMetadata).
struct txn_transit {
  int64_t producer_id = no_producer_id;
  int64_t last_producer_id = no_producer_id;
  int16_t producer_epoch = no_producer_epoch;
  int16_t last_producer_epoch = no_producer_epoch;
  int32_t timeout_ms = 0;
  txn_state state = txn_state::empty;
  std::set<topic_partition> partitions;
  int64_t start_ms = -1;
  int64_t last_update_ms = -1;

  stored_txn to_stored() const;
};

// What InitProducerId does with an existing id.
struct init_step {
  error_code error = error_code::none;
  // Set when the id's epoch is exhausted: the caller fetches a new producer id and asks again.
  bool needs_new_producer_id = false;
  // Set with no error: an Ongoing transaction must be aborted first (state prepare_epoch_fence;
  // the caller ends it with end(abort, from_client=false) at transit.producer_epoch and answers
  // CONCURRENT_TRANSACTIONS). Otherwise `transit` is the Empty state to write and answer with.
  bool fence = false;
  txn_transit transit;
};

// What EndTxn does.
struct end_step {
  error_code error = error_code::none;
  // The coordinator's abort of a fenced transaction: the bumped epoch is already in memory; if the
  // write fails, pass true to abandon().
  bool epoch_fence = false;
  // False with no error: the transaction already ended that way (a retry); answer NONE, no write.
  bool write = false;
  txn_transit transit;  // PrepareCommit or PrepareAbort
};

class txn_metadata {
public:
  // A new id (InitProducerId for an id never seen): Empty, no epoch yet.
  txn_metadata(std::string transactional_id, int64_t producer_id, int32_t timeout_ms, int64_t now_ms);
  // An id loaded from __transaction_state (Kafka keeps no previous id or epoch across a load).
  txn_metadata(std::string transactional_id, const stored_txn& stored);

  const std::string& transactional_id() const { return _id; }
  int64_t producer_id() const { return _producer_id; }
  int64_t last_producer_id() const { return _last_producer_id; }
  int16_t producer_epoch() const { return _producer_epoch; }
  int16_t last_producer_epoch() const { return _last_producer_epoch; }
  int32_t timeout_ms() const { return _timeout_ms; }
  txn_state state() const { return _state; }
  const std::set<topic_partition>& partitions() const { return _partitions; }
  int64_t start_ms() const { return _start_ms; }
  int64_t last_update_ms() const { return _last_update_ms; }
  const std::optional<txn_state>& pending() const { return _pending; }
  bool epoch_exhausted() const;

  // InitProducerId (Kafka's prepareInitProducerIdTransit). `new_producer_id` is used when the epoch
  // is exhausted; without one that case answers needs_new_producer_id.
  init_step prepare_init(int32_t timeout_ms, std::optional<producer_and_epoch> expected,
                         std::optional<int64_t> new_producer_id, int64_t now_ms);
  // AddPartitionsToTxn / AddOffsetsToTxn. NONE and nullopt: every partition is already in the
  // ongoing transaction (nothing to write).
  error_code prepare_add_partitions(int64_t producer_id, int16_t epoch, const std::set<topic_partition>& added,
                                    int64_t now_ms, std::optional<txn_transit>& out);
  // EndTxn, and the coordinator's own aborts (timeout, fence) with from_client = false.
  end_step prepare_end(int64_t producer_id, int16_t epoch, bool commit, bool from_client, int64_t now_ms);
  // After every marker was written: CompleteCommit or CompleteAbort, no partitions.
  txn_transit prepare_complete(int64_t now_ms);
  // The coordinator aborts a timed-out transaction: the epoch goes up by one (not past
  // INT16_MAX, and not again after a fence whose write failed), pending prepare_epoch_fence.
  txn_transit prepare_fence();
  // Expiry of the transactional id (only from Empty and Complete*).
  txn_transit prepare_dead();

  // The write of `t` succeeded: `t` becomes the state. False (and nothing changes) when `t` is not
  // the pending transition (a bug in the caller; Kafka throws).
  bool complete(const txn_transit& t);
  // The write failed or the coordinator gave up: the pending transition is forgotten. After a
  // failed fence, the next fence keeps the already-bumped epoch (Kafka's hasFailedEpochFence).
  void abandon(bool was_epoch_fence);

  // Timed out at `now_ms`: Ongoing, nothing pending, and started more than timeout_ms ago.
  bool timed_out(int64_t now_ms) const;
  // Expirable at `now_ms`: Empty or Complete*, nothing pending, idle for `expiration_ms`.
  bool expired(int64_t now_ms, int64_t expiration_ms) const;

private:
  txn_transit transit_to(txn_state state, int64_t producer_id, int16_t epoch, int16_t last_epoch, int32_t timeout_ms,
                         std::set<topic_partition> partitions, int64_t start_ms, int64_t update_ms);
  bool valid_producer_id(const producer_and_epoch& expected) const;

  std::string _id;
  int64_t _producer_id = no_producer_id;
  int64_t _last_producer_id = no_producer_id;
  int16_t _producer_epoch = no_producer_epoch;
  int16_t _last_producer_epoch = no_producer_epoch;
  int32_t _timeout_ms = 0;
  txn_state _state = txn_state::empty;
  std::set<topic_partition> _partitions;
  int64_t _start_ms = -1;
  int64_t _last_update_ms = -1;
  std::optional<txn_state> _pending;
  bool _failed_epoch_fence = false;
};

// Whether `to` may follow `from` (Kafka's TransactionState.validPreviousStates).
bool valid_transition(txn_state from, txn_state to);

} // namespace gregor::txn
