#pragma once
// Rewrites one stored RecordBatch v2 keeping only some of its records, for the log cleaner
// (ON-DISK-FORMAT §9). Unlike batch_builder, the rewritten batch keeps everything a reader relies
// on: base offset, last offset delta, each kept record's offset delta and timestamp, partition
// leader epoch, producer fields, max timestamp and the codec (records are re-compressed with it).
//
// Pure functions; thread-safe on distinct buffers.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/record/batch_header.h"

namespace gregor::record {

// One record as the filter sees it. Views point into the (decompressed) batch and are valid only
// during the callback.
struct filter_record {
  int64_t offset = 0;
  int64_t timestamp = 0;  // as decode_records reports it
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
};

struct filter_options {
  // When at least one kept record is a tombstone (null value) and the batch has no delete horizon
  // yet: set attribute bit 6 and base timestamp = this value, re-encoding every kept record's
  // timestamp delta against it (ON-DISK-FORMAT §9, Kafka 3.1+).
  std::optional<int64_t> delete_horizon_ms;
  // Set that horizon (when given) even if no tombstone is kept: a transaction marker that may go
  // once the horizon passed.
  bool horizon_without_tombstone = false;
  // Produce a batch with zero records (header only, last offset delta kept) when no record is
  // kept, instead of dropping the batch.
  bool keep_if_empty = false;
  // With keep_if_empty: an empty result keeps no producer (id, epoch and base sequence -1, the
  // transactional bit cleared). For an empty batch kept only as a placeholder of its offsets: it
  // must not stand for a producer's batch (a replay would take an emptied transactional batch for
  // the start of a transaction).
  bool clear_producer_if_empty = false;
  // Bound on the decompressed records area.
  size_t max_uncompressed = 64 << 20;
};

struct filter_result {
  enum class kind {
    unchanged,  // every record kept and no header change: reuse the original bytes
    rewritten,  // `batch` holds the new batch
    dropped,    // no record kept (and !keep_if_empty), also when the batch had none
  };
  kind outcome = kind::unchanged;
  bytes batch;
  int32_t kept = 0;  // records kept
};

// Decodes `batch` (exactly one whole v2 batch; CRC and structure are checked as decode_records
// does) and calls `keep` for every record in order. Errors: batch_errc values.
result<filter_result> filter_batch(bytes_view batch, const std::function<bool(const filter_record&)>& keep,
                                   const filter_options& options);

} // namespace gregor::record
