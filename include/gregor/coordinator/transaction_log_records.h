#pragma once
// The records the transaction coordinator keeps in __transaction_state, in Kafka's formats
// (ON-DISK-FORMAT.md §11), and the replay that rebuilds a partition's transactions from them.
//
// Key: int16 version 0, then the transactional id. Value: TransactionLogValue; we write v0 (what
// a ZooKeeper-mode Kafka 3.x writes) and read v0 and the flexible v1 of Kafka 4. A null value is
// a tombstone: the transactional id expired. The partition list is null exactly when the state is
// Empty, as Kafka writes it.
//
// Pure functions and plain data: no I/O, no threads.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"

namespace gregor::txn {

// Kafka's TransactionState. prepare_epoch_fence lives only in memory (never written).
enum class txn_state : int8_t {
  empty = 0,
  ongoing = 1,
  prepare_commit = 2,
  prepare_abort = 3,
  complete_commit = 4,
  complete_abort = 5,
  dead = 6,
  prepare_epoch_fence = 7,
};

// The state's name as DescribeTransactions and ListTransactions report it ("Empty", "Ongoing",
// "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence").
std::string_view state_name(txn_state s);
// The state of a name (exact spelling, as ListTransactions' filter uses), or nullopt.
std::optional<txn_state> state_from_name(std::string_view name);

// One transactional id's stored state (TransactionLogValue).
struct stored_txn {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t timeout_ms = 0;
  txn_state state = txn_state::empty;
  std::set<topic_partition> partitions;
  int64_t last_update_ms = -1;
  int64_t start_ms = -1;  // -1 while Empty
  friend bool operator==(const stored_txn&, const stored_txn&) = default;
};

bytes encode_txn_key(std::string_view transactional_id);
// Version 0. Refuses nothing: the caller never writes prepare_epoch_fence.
bytes encode_txn_value(const stored_txn& value);

// Errors: a key of another version, or bytes that do not parse.
result<std::string> decode_txn_key(bytes_view key);
// Errors: an unknown version or state, or bytes that do not parse.
result<stored_txn> decode_txn_value(bytes_view value);

// Rebuilds the transactions of one __transaction_state partition from its records, in log order.
class txn_replay {
public:
  void apply(std::optional<bytes_view> key, std::optional<bytes_view> value);
  // Records that could not be decoded (skipped, as Kafka skips nothing but logs them).
  size_t skipped() const { return _skipped; }
  std::map<std::string, stored_txn> take() { return std::move(_txns); }

private:
  std::map<std::string, stored_txn> _txns;
  size_t _skipped = 0;
};

} // namespace gregor::txn
