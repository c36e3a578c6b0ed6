#pragma once
// Per-log settings (Kafka topic configs; broker defaults come from log.* properties).
// Plain value type; copied into each partition_log.

#include <cstdint>
#include <limits>
#include <string>

namespace gregor::log {

struct log_config {
  int64_t segment_bytes = 1073741824;         // segment.bytes: roll when the .log would exceed it
  int64_t segment_ms = 604800000;             // segment.ms: roll when the segment spans this long
  int64_t segment_jitter_ms = 0;              // segment.jitter.ms: random per-segment reduction
  int32_t index_interval_bytes = 4096;        // index.interval.bytes: index entry spacing
  int32_t segment_index_bytes = 10485760;     // segment.index.bytes: preallocated index size
  int32_t max_message_bytes = 1048588;        // max.message.bytes: largest batch accepted
  bool preallocate = false;                   // preallocate: create .log at segment.bytes
  int64_t flush_messages = std::numeric_limits<int64_t>::max();  // flush.messages
  int64_t flush_ms = std::numeric_limits<int64_t>::max();        // flush.ms
  int64_t retention_ms = 604800000;           // retention.ms (-1: unlimited)
  int64_t retention_bytes = -1;               // retention.bytes (-1: unlimited)
  int64_t file_delete_delay_ms = 60000;       // file.delete.delay.ms
  std::string cleanup_policy = "delete";      // cleanup.policy: "delete", "compact" or both
  // Compaction (ON-DISK-FORMAT §9), read by the log cleaner (src/log/cleaner/).
  int64_t delete_retention_ms = 86400000;     // delete.retention.ms: tombstone lifetime after cleaning
  int64_t min_compaction_lag_ms = 0;          // min.compaction.lag.ms
  int64_t max_compaction_lag_ms = std::numeric_limits<int64_t>::max();  // max.compaction.lag.ms
  double min_cleanable_dirty_ratio = 0.5;     // min.cleanable.dirty.ratio
  // Broker-wide producer.id.expiration.ms: producer state idle this long (by batch timestamp) and
  // without an open transaction is dropped, also when a snapshot is loaded.
  int64_t producer_id_expiration_ms = 86400000;
};

} // namespace gregor::log
