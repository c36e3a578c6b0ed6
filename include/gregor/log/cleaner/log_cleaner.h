#pragma once
// Log compaction (ON-DISK-FORMAT §9), split by thread:
//
//  1. snapshot_for_cleaning()  on the log's owner (the partition strand): picks the clean and dirty
//     ranges and records the sealed segments involved (their shared descriptors). Cheap.
//  2. clean_log()              on a cleaner thread, touching no partition_log: reads the snapshot's
//     segments (sealed segments are immutable), builds the key -> latest offset map and writes
//     `<base>.log.cleaned` / `.index.cleaned` / `.timeindex.cleaned` (and `.txnindex.cleaned` when
//     aborted transactions stay), fsync'd, per group of neighbouring segments.
//  3. swap_cleaned()           on the log's owner again: checks that the snapshot's segments are still
//     the log's (retention may have removed some meanwhile: then nothing changes and the .cleaned
//     files are removed), then per group renames .cleaned -> .swap, the replaced segments' files ->
//     .deleted (file_deletion_queue), strips .swap and opens the new segment. A crash at any step is
//     completed or undone by detail::complete_interrupted_swaps at the next open.
//  The caller then writes clean_output::first_dirty_offset to cleaner-offset-checkpoint.
//
// Record rules: the latest record per key survives (with its original offset); a tombstone survives
// its first cleaning with its batch marked (attribute bit 6, base timestamp = now +
// delete.retention.ms) and is dropped by a later cleaning once now >= that horizon; keyless records
// are dropped. Transactions (Kafka's rules, see cleaned_txns.h): records of aborted transactions
// are dropped and never mapped; a transaction marker whose transaction has no batch left is marked
// with a delete horizon like a tombstone and dropped after it; an ABORT marker that stays keeps its
// .txnindex entry, which goes into the cleaned segment's own `.txnindex`. Kept batches keep base
// offset, last offset delta, max timestamp and codec. A batch left without records is dropped,
// except (a) the last batch of each output segment, kept empty so the segment's offset range stays
// known (swap recovery and log end offset rely on it), and (b) the batch holding the last data
// offset of each producer the log's producer state still knows (or, for one without data, its
// marker at its current epoch), kept empty so producer state rebuilt from the log finds its last
// sequence and epoch.
// Legacy magic 0/1 entries are copied unchanged.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/log_config.h"
#include "gregor/log/producer_state.h"

namespace gregor::log {

class partition_log;
class file_deletion_queue;
class dedupe_map;
class io_throttle;

// Whether cleanup.policy names "compact" ("compact" or "compact,delete" in any order).
bool is_compacted(const log_config& cfg);

// One sealed segment as a snapshot sees it.
struct cleaner_segment {
  int64_t base_offset = 0;
  int64_t end_offset = 0;        // the next segment's base offset
  uint64_t size = 0;             // .log bytes
  uint64_t index_bytes = 0;      // .index + .timeindex bytes (trimmed)
  int64_t max_timestamp = -1;
  std::shared_ptr<const file_descriptor> file;  // also identifies the segment at swap time
};

// What the cleaner needs of one producer the log's producer state knows (Kafka's LastRecord).
struct cleaner_producer {
  int64_t last_data_offset = -1;  // last offset of its last data batch; -1: none retained
  int16_t epoch = no_producer_epoch;
};

struct clean_snapshot {
  std::filesystem::path dir;
  topic_partition tp;
  log_config cfg;
  int64_t log_start_offset = 0;
  int64_t first_dirty_offset = 0;        // clean range is [log start, first dirty)
  int64_t first_uncleanable_offset = 0;  // dirty range is [first dirty, first uncleanable)
  uint64_t clean_bytes = 0;
  uint64_t dirty_bytes = 0;
  // Oldest dirty data is older than max.compaction.lag.ms: clean whatever the ratio.
  bool max_lag_exceeded = false;
  // Sealed segments from the first one up to the last with base < first_uncleanable_offset.
  std::vector<cleaner_segment> segments;
  // Every .txnindex entry of the log (aborted transactions), in marker order.
  std::vector<aborted_txn> aborted_txns;
  // The producers the log's producer state knows (expired ones are gone), by producer id.
  std::unordered_map<int64_t, cleaner_producer> producers;

  double dirty_ratio() const {
    uint64_t total = clean_bytes + dirty_bytes;
    return total == 0 ? 0.0 : static_cast<double>(dirty_bytes) / static_cast<double>(total);
  }
  // Worth cleaning now: ratio above min.cleanable.dirty.ratio, or max lag exceeded.
  bool cleanable() const {
    return dirty_bytes > 0 && (max_lag_exceeded || dirty_ratio() > cfg.min_cleanable_dirty_ratio);
  }
};

// On the log's owner. `checkpointed_first_dirty` comes from cleaner-offset-checkpoint (-1 if
// none); it is reset to the log start offset when outside [log start, log end]. The dirty range
// ends at min(active segment base, high_watermark, last stable offset, base of the first segment
// newer than now - min.compaction.lag.ms); at the log start when a .txnindex cannot be read (the
// next open rebuilds it). nullopt if the log is closed.
std::optional<clean_snapshot> snapshot_for_cleaning(const partition_log& log, int64_t checkpointed_first_dirty,
                                                    int64_t high_watermark, int64_t now_ms);

// One group of neighbouring segments rewritten as one `.cleaned` segment.
struct cleaned_group {
  int64_t base_offset = 0;   // = the first replaced segment's base
  int64_t next_offset = 0;   // after the group's last batch
  uint64_t size = 0;         // bytes of the cleaned .log
  std::vector<cleaner_segment> replaced;
};

struct clean_stats {
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t records_read = 0;
  uint64_t records_kept = 0;
  uint64_t tombstones_dropped = 0;
  uint64_t aborted_records_dropped = 0;
  uint64_t keys_mapped = 0;
};

struct clean_output {
  std::filesystem::path dir;
  std::vector<cleaned_group> groups;
  // The new first dirty offset: everything below it is now clean.
  int64_t first_dirty_offset = 0;
  clean_stats stats;
};

// Broker-side settings of one cleaner thread.
struct cleaner_options {
  size_t dedupe_buffer_bytes = 128 << 20;  // log.cleaner.dedupe.buffer.size / log.cleaner.threads
  double io_buffer_load_factor = 0.9;      // log.cleaner.io.buffer.load.factor
};

// Off the strand. Uses (and clears) `map`. On error no .cleaned file is left behind. Every byte
// read or written is charged to `throttle` when given (log.cleaner.io.max.bytes.per.second).
result<clean_output> clean_log(const clean_snapshot& snapshot, dedupe_map& map, int64_t now_ms,
                               io_throttle* throttle = nullptr);

struct swap_result {
  bool swapped = false;       // false: the log changed meanwhile; nothing was replaced
  size_t segments_replaced = 0;
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

// On the log's owner. Replaces the groups' segments (see the header comment). Files of replaced
// segments go to `deletions` due after file.delete.delay.ms, or are removed at once when it is
// null. When the log no longer holds exactly the snapshot's segments (or is closed) the output is
// discarded and swapped == false. An error after the first rename leaves the log dir in a state
// the next open() completes; the in-memory log then lacks the affected segments until reopened.
result<swap_result> swap_cleaned(partition_log& log, const clean_output& output, file_deletion_queue* deletions,
                                 int64_t now_ms);

// Removes the `.cleaned` files of `output` (a cleaning that will not be swapped in).
void discard_cleaned(const clean_output& output);

} // namespace gregor::log
