#pragma once
// Per-partition producer state (Kafka's ProducerStateManager): for every producer id seen in the
// log, its epoch, the sequence ranges of its last five batches, the coordinator epoch of its last
// transaction marker and the first offset of its open transaction; plus the open transactions and
// the completed ones whose marker is not yet below the high watermark, which bound the last
// stable offset (LSO).
//
// Pure bookkeeping, no I/O: the partition log feeds it the producer fields of each batch it
// appends (analyze() before the write, apply() after it succeeded), snapshots it (producer_snapshot.h)
// and rebuilds it on recovery and truncation. Not thread-safe: the partition's owner calls it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "gregor/common/result.h"

namespace gregor::log {

// Where an append comes from; decides which producer checks apply (Kafka's AppendOrigin).
//  - client: a Produce request. Epoch, sequence and transaction-state checks; duplicates found.
//  - coordinator: transaction markers and the coordinators' own records. Epoch checks only.
//  - replication: a follower copying the leader, or recovery replaying the log. No checks.
enum class append_origin { client, coordinator, replication };

inline constexpr int16_t no_producer_epoch = -1;
inline constexpr int32_t no_sequence = -1;
inline constexpr int32_t no_coordinator_epoch = -1;
inline constexpr int64_t no_txn_offset = -1;

// A transaction marker (the one record of a control batch).
struct txn_marker {
  bool commit = false;
  int32_t coordinator_epoch = 0;
};

// The producer fields of one v2 batch at its final offsets, as the state needs them.
struct producer_batch_fields {
  int64_t producer_id = -1;
  int16_t producer_epoch = no_producer_epoch;
  int32_t base_sequence = no_sequence;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t max_timestamp = -1;
  bool transactional = false;
  bool control = false;
  // For a control batch: its marker, or nullopt when the batch holds no record (compaction
  // emptied it) or a control type this broker does not know. Such batches change nothing.
  std::optional<txn_marker> marker;

  bool has_producer_id() const { return producer_id >= 0; }
  // baseSequence + lastOffsetDelta, wrapping past INT32_MAX to 0 as sequences do.
  int32_t last_sequence() const;
};

// Sequence range and offsets of one retained data batch (Kafka's BatchMetadata).
struct producer_batch {
  int32_t first_seq = no_sequence;
  int32_t last_seq = no_sequence;
  int64_t last_offset = -1;
  int32_t offset_delta = 0;  // last_offset - first offset of the batch
  int64_t timestamp = -1;    // the batch's max timestamp

  int64_t first_offset() const { return last_offset - offset_delta; }
};

// One producer id's state in one partition (Kafka's ProducerStateEntry).
class producer_entry {
public:
  static constexpr size_t batches_retained = 5;

  explicit producer_entry(int64_t producer_id = -1) : producer_id(producer_id) {}

  int64_t producer_id;
  int16_t epoch = no_producer_epoch;
  int32_t coordinator_epoch = no_coordinator_epoch;
  int64_t last_timestamp = -1;
  int64_t current_txn_first_offset = no_txn_offset;  // first offset of the open transaction

  // Retained batches, oldest first.
  std::span<const producer_batch> batches() const { return {_batches.data(), _count}; }
  bool has_batches() const { return _count > 0; }
  int32_t last_seq() const { return _count == 0 ? no_sequence : _batches[_count - 1].last_seq; }
  int64_t last_data_offset() const { return _count == 0 ? -1 : _batches[_count - 1].last_offset; }
  int32_t last_offset_delta() const { return _count == 0 ? 0 : _batches[_count - 1].offset_delta; }
  bool has_open_txn() const { return current_txn_first_offset >= 0; }

  // A new epoch forgets the batches of the old one.
  void maybe_update_epoch(int16_t new_epoch);
  // Sets the epoch (see above) and retains the batch, dropping the oldest beyond five.
  void add_batch(int16_t batch_epoch, const producer_batch& b);
  // The retained batch with exactly this epoch and sequence range, if any.
  std::optional<producer_batch> find_duplicate(int16_t batch_epoch, int32_t first_seq, int32_t last_seq) const;

private:
  std::array<producer_batch, batches_retained> _batches{};
  size_t _count = 0;
};

// A transaction that ended with a marker and had data in this partition (Kafka's CompletedTxn).
struct completed_txn {
  int64_t producer_id = -1;
  int64_t first_offset = 0;  // first data batch of the transaction
  int64_t last_offset = 0;   // the marker
  bool aborted = false;
};

// An aborted transaction as the .txnindex stores it (ON-DISK-FORMAT §3): its first offset, its
// ABORT marker's offset, and the LSO right after the marker was written.
struct aborted_txn {
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  int64_t last_stable_offset = 0;

  bool operator==(const aborted_txn&) const = default;
};

// The outcome of analyze(): what apply() will change, or the original batch of a duplicate.
struct producer_append_plan {
  // Set when a client batch repeats one of the producer's last five batches: the append must not
  // be written; its answer is this batch's offsets. `entries` and `completed` are then empty.
  std::optional<producer_batch> duplicate;
  // The producers' entries as they will be after the append.
  std::vector<producer_entry> entries;
  // First offsets (with producer ids) of transactions the append opens.
  std::vector<std::pair<int64_t, int64_t>> started;  // (first offset, producer id)
  // Transactions the append's markers end, in log order.
  std::vector<completed_txn> completed;
  // One past the last offset of the append.
  int64_t end_offset = 0;
};

class producer_state {
public:
  producer_state() = default;

  // Checks `batches` (one append, in log order, at their final offsets) against the state as if
  // each were applied in turn, and returns the changes without making them. Batches without a
  // producer id change nothing. Errors (std::error_code of log::errc), per origin as Kafka:
  //  - invalid_producer_epoch: a batch or marker (client or coordinator) with an epoch below the
  //    producer's;
  //  - out_of_order_sequence (client): same epoch and first sequence != last + 1 (INT32_MAX wraps
  //    to 0), or a new epoch whose first sequence is not 0. A producer this partition has no epoch
  //    for is accepted at any sequence (Kafka since KIP-360: its state may have expired);
  //  - invalid_txn_state: a non-transactional data batch while the producer's transaction is open;
  //  - coordinator_fenced (client or coordinator): a marker whose coordinator epoch is below the
  //    last one seen for the producer.
  // For client appends, a batch with the same producer id, epoch and first and last sequence as one
  // of the producer's retained batches makes the whole append a duplicate (plan.duplicate).
  result<producer_append_plan> analyze(std::span<const producer_batch_fields> batches, append_origin origin) const;

  // Applies a plan from analyze() whose batches were written. Returns the aborted transactions
  // to add to the .txnindex of the segment that received their markers, each with the LSO right
  // after its marker (the first other open transaction, else the marker + 1).
  std::vector<aborted_txn> apply(producer_append_plan plan);

  // The smallest first offset among open transactions and completed ones not yet below the high
  // watermark; nullopt when there is none (the LSO is then the high watermark).
  std::optional<int64_t> first_unstable_offset() const;
  // Forgets completed transactions whose marker lies below `high_watermark`.
  void on_high_watermark(int64_t high_watermark);

  // Removes producers whose last batch timestamp is `expiration_ms` or more before `now_ms` and
  // that have no open transaction (producer.id.expiration.ms). Returns how many went.
  size_t remove_expired(int64_t now_ms, int64_t expiration_ms);

  // Replaces the whole state by `entries` (a snapshot) at `map_end_offset`; entries expired at
  // `now_ms` are skipped (expiration_ms <= 0 keeps all). Open transactions are rebuilt from the
  // entries' current_txn_first_offset.
  void load(std::span<const producer_entry> entries, int64_t map_end_offset, int64_t now_ms, int64_t expiration_ms);
  // Empty state at `map_end_offset`.
  void clear(int64_t map_end_offset);

  // The offset up to which the state reflects the log (all batches below it applied).
  int64_t map_end_offset() const { return _map_end_offset; }
  void set_map_end_offset(int64_t offset) { _map_end_offset = offset; }

  const producer_entry* find(int64_t producer_id) const;
  // Every producer, sorted by producer id.
  std::vector<producer_entry> entries() const;
  size_t producer_count() const { return _producers.size(); }
  bool empty() const { return _producers.empty() && _ongoing.empty() && _unreplicated.empty(); }
  // (first offset, producer id) of each open transaction, by first offset.
  const std::map<int64_t, int64_t>& open_transactions() const { return _ongoing; }

private:
  struct unreplicated_txn {
    int64_t producer_id;
    int64_t last_offset;
  };

  std::unordered_map<int64_t, producer_entry> _producers;
  std::map<int64_t, int64_t> _ongoing;                 // first offset -> producer id
  std::map<int64_t, unreplicated_txn> _unreplicated;   // first offset -> completed, marker >= HW
  int64_t _map_end_offset = 0;
};

} // namespace gregor::log
