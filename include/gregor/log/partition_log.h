#pragma once
// One partition's log: an ordered list of segments in `<log.dir>/<topic>-<partition>/`
// (Kafka's UnifiedLog + LocalLog, without producer state and leader-epoch cache yet).
//
// Threading: NOT thread-safe. Exactly one owner (the partition's executor) calls it. Read results
// hold shared file descriptors and may be consumed on other threads afterwards.
//
// Offsets: [log_start_offset(), log_end_offset()) are readable. append() assigns offsets from
// log_end_offset(). Data below recovery_point() is known to be fsync'd.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <utility>

#include "gregor/common/bytes.h"
#include "gregor/common/clock.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/log_config.h"

namespace gregor::log {

class segment;

struct append_result {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  // Largest batch max timestamp of the append, and the last offset of the first batch holding it
  // (batch granularity, as Kafka's shallow offset of max timestamp).
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;
  int64_t log_start_offset = 0;
};

struct read_result {
  iobuf records;             // whole batches, as file slices of the segments
  int64_t first_offset = 0;  // base offset of the first batch returned (the requested offset if none)
  size_t size = 0;           // bytes in `records`
};

class partition_log {
public:
  // Opens (creating `dir` if missing) the log of `tp`. Loads segments in base-offset order,
  // deletes stray *.deleted/*.cleaned files and index files without a .log, rebuilds indexes that
  // are missing or fail their checks, finds the log end offset by scanning the last segment from
  // its last index entry, and truncates a torn tail. `clk` must outlive the log.
  static result<std::unique_ptr<partition_log>> open(std::filesystem::path dir, topic_partition tp,
                                                     log_config cfg, clock& clk);

  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  // Appends one or more complete, validated magic-2 batches laid out back to back. Assigns offsets
  // from log_end_offset(): each batch's base_offset and partition_leader_epoch (bytes 0-7 and
  // 12-15, outside the CRC) are written as assigned; the caller's buffer itself is not modified.
  // Rolls first when §6 says so; honours flush.messages / flush.ms.
  // Errors: errc::invalid_batch, errc::message_too_large (a batch > max.message.bytes),
  // errc::batch_too_large (the append > segment.bytes), errc::offset_overflow, errc::log_closed,
  // or a system error. A failed write leaves the log unchanged; a failed fsync after the write
  // (flush policy) is reported although the batches are in the log.
  result<append_result> append(shared_bytes batches, int32_t leader_epoch);

  // Whole batches starting with the one containing `offset`, none whose last offset >= max_offset,
  // at most max_bytes in total unless min_one_batch and the first batch alone is larger (then just
  // that batch). May span segments. Errors: errc::offset_out_of_range when offset is below
  // log_start_offset() or above log_end_offset(); offset == log_end_offset() reads nothing.
  result<read_result> read(int64_t offset, size_t max_bytes, int64_t max_offset, bool min_one_batch);

  // (timestamp, offset) for ListOffsets by time: the first batch whose max timestamp >= ts gives
  // its max timestamp and its base offset (not below log start). Batch granularity: records in that
  // batch before the first one with a timestamp >= ts are included. nullopt if no such batch.
  std::optional<std::pair<int64_t, int64_t>> offset_for_timestamp(int64_t ts) const;

  int64_t log_start_offset() const { return _log_start_offset; }
  int64_t log_end_offset() const { return _log_end_offset; }
  int64_t recovery_point() const { return _recovery_point; }
  uint64_t size_bytes() const;
  size_t segment_count() const { return _segments.size(); }
  // Base offset of the first segment (log_start_offset() may lie above it).
  int64_t first_segment_base_offset() const;

  const std::filesystem::path& dir() const { return _dir; }
  const topic_partition& tp() const { return _tp; }
  const log_config& config() const { return _cfg; }

  // Raises the log start offset to `offset` (clamped to log_end_offset()); never lowers it.
  // Used when loading log-start-offset-checkpoint; later by DeleteRecords and retention.
  void maybe_increment_log_start_offset(int64_t offset);

  // fsyncs every segment holding data at or above recovery_point(); then recovery_point() = LEO.
  result<void> flush();
  // flush() if flush.ms has elapsed since the last flush (for a periodic scheduler).
  result<void> flush_if_due();
  // Flushes, writes final time-index entries and trims indexes. Idempotent; afterwards every call
  // except the accessors fails with errc::log_closed. Destroying a log without close() leaves the
  // files as a crash would (untrimmed indexes); the next open() repairs them.
  void close();
  // Closes the log, renames its dir to `<topic>-<p>.<uuid>-delete` and removes it.
  result<void> delete_log();

private:
  partition_log(std::filesystem::path dir, topic_partition tp, log_config cfg, clock& clk);

  result<void> load();
  result<void> roll(int64_t new_base_offset);
  result<void> flush_up_to(int64_t offset);
  segment& active() { return *_segments.rbegin()->second; }
  const segment* segment_for(int64_t offset) const;
  int64_t next_roll_jitter();

  std::filesystem::path _dir;
  topic_partition _tp;
  log_config _cfg;
  clock& _clk;
  std::map<int64_t, std::unique_ptr<segment>> _segments;  // by base offset
  int64_t _log_start_offset = 0;
  int64_t _log_end_offset = 0;
  int64_t _recovery_point = 0;
  int64_t _last_flush_ms = 0;
  bool _closed = false;
  std::mt19937_64 _rng{std::random_device{}()};
};

} // namespace gregor::log
