#pragma once
// Errors of the log module. I/O failures are reported as std::system_category codes (errno);
// everything the module itself decides is one of these.

#include <system_error>

namespace gregor::log {

enum class errc {
  // A read or lookup for an offset outside [log start offset, log end offset]. The server maps it
  // to OFFSET_OUT_OF_RANGE.
  offset_out_of_range = 1,
  // The bytes handed to append() are not a sequence of complete magic-2 batches.
  invalid_batch,
  // One append is larger than segment.bytes, so no segment can hold it (RECORD_BATCH_TOO_LARGE).
  batch_too_large,
  // One batch of an append is larger than max.message.bytes (MESSAGE_TOO_LARGE).
  message_too_large,
  // The offsets of one append do not fit a segment's 32-bit relative offsets even after a roll.
  offset_overflow,
  // A .log holds bytes that are not a valid batch where one must be (a read hit them).
  corrupt_log,
  // An index file is malformed (length not a multiple of its entry size, entries out of order).
  corrupt_index,
  // An index has no free slot; the segment must roll before the next append.
  index_full,
  // The log was closed or deleted; no further calls are served.
  log_closed,
  // Another process holds the .lock of a log dir.
  log_dir_locked,
  // meta.properties names another broker id or cluster id than the one starting.
  meta_properties_mismatch,
  // meta.properties cannot be parsed or lacks a required key.
  meta_properties_invalid,
  // A sub-directory of a log dir is not a `<topic>-<partition>` name.
  invalid_partition_dir,
  // The same partition was found in two log dirs.
  duplicate_partition,
  // A checkpoint file has a wrong version, a wrong count or a malformed line.
  invalid_checkpoint,
  // A topic name that Kafka would reject (characters, length, "." or "..").
  invalid_topic_name,
  // The partition is not managed by this log manager.
  unknown_partition,
  // The log manager was not started, or was shut down.
  not_started,
  // A follower append whose first offset is below the log end offset, or whose offsets do not
  // increase (the fetcher's position and the log disagree).
  offset_out_of_order,
  // Producer state (producer_state.h), each mapped to Kafka's code of the same name:
  // a batch's sequence does not follow the producer's last one (OUT_OF_ORDER_SEQUENCE_NUMBER),
  out_of_order_sequence,
  // a batch or marker with an epoch below the producer's (INVALID_PRODUCER_EPOCH),
  invalid_producer_epoch,
  // a non-transactional batch while the producer's transaction is open (INVALID_TXN_STATE),
  invalid_txn_state,
  // a marker from an older transaction coordinator (TRANSACTION_COORDINATOR_FENCED).
  coordinator_fenced,
  // A producer-state snapshot or transaction index is malformed (bad version, size or CRC).
  corrupt_producer_state,
};

const std::error_category& log_category();
std::error_code make_error_code(errc e);

} // namespace gregor::log

template <>
struct std::is_error_code_enum<gregor::log::errc> : std::true_type {};
