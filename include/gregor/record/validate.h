#pragma once
// Validation of untrusted record bytes (the `records` of one partition in a Produce request, or
// data fetched from a leader). Reads only; never modifies or copies the payload except into a
// bounded decompression buffer. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/errc.h"

namespace gregor::record {

struct batch_info {
  batch_header header;
  size_t position = 0;  // byte offset of the batch within the payload
};

struct validation_limits {
  // message.max.bytes / max.message.bytes: a batch's total size (log overhead included).
  size_t max_batch_size = 1048588;
  // Bomb bound: the most bytes one batch's records may decompress to.
  size_t max_uncompressed_size = 64 << 20;
  // Broker time, for the CreateTime window check below.
  int64_t now_ms = 0;
  // message.timestamp.difference.max.ms: |record timestamp - now_ms| must not exceed this for
  // CreateTime batches (-> invalid_timestamp). The default disables the check.
  int64_t max_timestamp_difference_ms = std::numeric_limits<int64_t>::max();
  // segment.bytes: a payload larger than this -> record_list_too_large.
  size_t max_payload_size = std::numeric_limits<size_t>::max();
  // true: produce input from a client. Control batches are refused, record_count >= 1 and
  // last_offset_delta == record_count - 1 with offset deltas exactly 0..n-1.
  // false: replicated/fetched log data. Control batches and compacted batches (offset deltas
  // strictly increasing within 0..last_offset_delta, possibly record_count 0) are accepted.
  bool from_client = true;
  // Produce v3+ carries exactly one batch per partition; more -> invalid_record.
  bool single_batch = false;
  // Compacted topics: a record with a null key -> invalid_record.
  bool require_keys = false;
};

// Validates every batch in `payload` (which must consist of whole v2 batches, nothing after),
// including a walk of every record (decompressing when needed, bounded by
// max_uncompressed_size). On success returns one entry per batch in payload order.
// An empty payload is valid and yields no batches. Checks, in order per batch: header fits,
// batch_length >= 49 and fits the payload (else corrupt_message), magic (unsupported_magic), size
// (message_too_large), CRC-32C (corrupt_message), codec id (unsupported_compression), header
// fields and then records (invalid_record, invalid_timestamp). A decompression failure or a
// bomb is invalid_record.
result<std::vector<batch_info>> validate_batches(bytes_view payload, const validation_limits& limits);

} // namespace gregor::record
