#pragma once
// Private to the cleaner: what transactions mean for the batches of a cleaning scan (Kafka's
// CleanedTransactionMetadata). Fed every v2 batch in offset order from the scan's first batch on;
// knows the log's aborted transactions from the .txnindex entries.
//
//  - A transactional data batch is aborted when its producer's aborted transaction has begun (first
//    offset reached) and its ABORT marker has not been seen yet: its records go, and it is never
//    put in the key map (an aborted value must not supersede a committed one).
//  - An ABORT marker whose transaction still had a batch in the scan stays, and its .txnindex entry
//    is carried into the cleaned segment (take_retained()): a read_committed reader may still meet
//    that batch (kept empty as a producer's last batch). Once no batch of it is left, the marker
//    may go, and with it the entry.
//  - A COMMIT marker may go once no data batch of its transaction is left in the scan: while one is,
//    a rebuild of producer state from the log would otherwise take that batch for an open
//    transaction. An ABORT marker without a .txnindex entry (a lost entry) is treated the same way,
//    where Kafka drops it at once.
//  - A control batch without records (emptied by an earlier cleaning) may go.
// "May go" is the first step only: the caller marks such a marker with a delete horizon and drops
// it at a cleaning after that horizon, as for tombstones (ON-DISK-FORMAT §9).
//
// One instance covers one whole cleaning (every output segment), as in Kafka since 2.1, so a COMMIT
// marker in one output segment whose data lies in an earlier one is kept.

#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gregor/log/producer_state.h"

namespace gregor::log::cleaner_detail {

class cleaned_txns {
public:
  // `aborted`: the log's .txnindex entries in any order; those whose marker lies below
  // `scan_start` are ignored.
  cleaned_txns(std::span<const aborted_txn> aborted, int64_t scan_start);

  // A data batch (control bit clear) ending at `last_offset`. True when it is aborted.
  bool on_data_batch(int64_t producer_id, bool transactional, int64_t last_offset);
  // A control batch ending at `last_offset`, holding `record_count` records, whose marker is
  // `marker` (nullopt: no record, or a control type this broker does not know). True when the
  // marker may go.
  bool on_control_batch(int64_t producer_id, int64_t last_offset, int32_t record_count,
                        std::optional<txn_marker> marker);

  // The .txnindex entries of the ABORT markers kept since the last call, in marker order.
  std::vector<aborted_txn> take_retained();
  // ABORT markers met without a .txnindex entry after batches of their transaction (a damaged or
  // lost index): those batches were treated as committed, and the marker is kept while they are.
  size_t unindexed_aborts() const { return _unindexed_aborts; }

private:
  void begin_up_to(int64_t offset);

  struct ongoing_abort {
    aborted_txn txn;
    bool batch_seen = false;
  };

  std::vector<aborted_txn> _aborted;  // by first offset
  size_t _next = 0;                   // first entry of _aborted not begun yet
  std::unordered_map<int64_t, ongoing_abort> _aborting;  // producer id -> its aborted txn in progress
  std::unordered_set<int64_t> _committing;               // producers with data of a txn not aborted
  std::vector<aborted_txn> _retained;
  size_t _unindexed_aborts = 0;
};

} // namespace gregor::log::cleaner_detail
