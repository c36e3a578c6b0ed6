#pragma once
// One segment of a partition's log: `<base>.log` plus its `.index`, `.timeindex` and, once it
// holds an aborted transaction's marker, `.txnindex` (ON-DISK-FORMAT §2, §3). The .log holds
// whole record batches exactly as on the wire.
//
// Not thread-safe: owned by its partition_log, whose single owner calls it. Read results hand out
// the .log descriptor as a shared_ptr, so a slice stays readable after the segment is rolled,
// closed or deleted.
//
// Open files (many partitions, docs/ARCHITECTURE.md "On disk"): the .log descriptor lives in the
// process-wide fd_cache and is reopened on demand after eviction. A segment opened with
// open_lazy() (sealed, clean shutdown) maps its .index/.timeindex only when a lookup first needs
// them; the active segment keeps its indexes mapped (a mapping holds no descriptor).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/log/fd_cache.h"
#include "gregor/log/log_config.h"
#include "gregor/log/offset_index.h"
#include "gregor/log/time_index.h"
#include "gregor/log/txn_index.h"

namespace gregor::log {

// Where one batch (or legacy message-set entry) sits in a .log.
struct batch_position {
  int64_t base_offset = 0;     // first offset (magic 0/1: the entry's offset, i.e. its last)
  int64_t last_offset = 0;
  uint64_t position = 0;       // byte position of the batch in the .log
  uint32_t size = 0;           // whole entry, including the 12-byte log overhead
  int64_t max_timestamp = -1;  // -1 when the entry has none (magic 0)
  int8_t magic = 2;
  // Magic 2 only (idempotence and transactions); -1 / 0 for legacy entries.
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  bool transactional = false;
  bool control = false;
};

class segment {
public:
  // Creates an empty segment; existing files of that base are truncated.
  // `roll_jitter_ms` is subtracted from segment.ms for this segment's time-based roll.
  static result<std::unique_ptr<segment>> create(const std::filesystem::path& dir, int64_t base_offset,
                                                 const log_config& cfg, int64_t now_ms,
                                                 int64_t roll_jitter_ms);

  // Opens an existing segment. Index files are opened as found; a missing .index or .timeindex is
  // created empty and the segment is marked needs_recovery(), as is one failing its cheap check.
  static result<std::unique_ptr<segment>> open(const std::filesystem::path& dir, int64_t base_offset,
                                               const log_config& cfg, int64_t now_ms,
                                               int64_t roll_jitter_ms);

  // Opens a sealed segment of a log that was shut down cleanly, touching only the .log's metadata
  // (one stat): no descriptor is kept and the index files are neither opened nor checked until a
  // lookup (find_batch, find_batch_by_timestamp, offsets(), times()) or max_timestamp() needs
  // them. An index that then fails its cheap check (or is missing) is rebuilt from the .log's batch
  // headers and trimmed; the .log itself is never truncated here (recovery is open()'s business).
  static result<std::unique_ptr<segment>> open_lazy(const std::filesystem::path& dir, int64_t base_offset,
                                                    const log_config& cfg, int64_t now_ms, int64_t roll_jitter_ms);

  segment(const segment&) = delete;
  segment& operator=(const segment&) = delete;
  ~segment();

  // True when the indexes could not be trusted at open(); recover() fixes that.
  bool needs_recovery() const { return _needs_recovery; }

  // Called by recover() for every valid magic-2 batch: (partition leader epoch, base offset).
  using batch_epoch_observer = std::function<void(int32_t leader_epoch, int64_t base_offset)>;

  // Rebuilds both indexes from the whole .log, verifying every batch (sizes, magic-2 CRC-32C,
  // offsets within the segment and increasing). The .log is truncated at the first invalid byte.
  // Returns the number of bytes truncated. `on_batch` (optional) sees each valid v2 batch in order.
  result<uint64_t> recover(const batch_epoch_observer& on_batch = {});

  // For the log's last segment after open(): validates the indexes fully (recover() if they fail,
  // e.g. an untrimmed file after a crash), else scans and verifies the batches after the last
  // index entry to find next_offset() and the max timestamp, truncating a torn tail.
  // Returns the number of bytes truncated.
  result<uint64_t> load_tail();

  // Grows both indexes back to segment.index.bytes so the segment can take appends again.
  result<void> make_active();

  // Appends whole batches given as consecutive `pieces` (scatter-gather: written with pwritev
  // straight from the callers' memory) at size(). The append ends at `last_offset`; its largest
  // timestamp is `max_timestamp`, held by the batch whose last offset is `offset_of_max_timestamp`.
  // Index entries follow index.interval.bytes (§3). On a write error the .log is cut back.
  result<void> append(int64_t last_offset, int64_t max_timestamp, int64_t offset_of_max_timestamp,
                      std::span<const bytes_view> pieces);

  // Follower truncation (partition_log::truncate_to): removes every batch whose last offset >=
  // `offset` (whole batches) and the .txnindex entries of markers at or above it, and makes this
  // the log's active segment again (indexes re-extended to
  // segment.index.bytes). Index entries at or after the cut are dropped; the .log is cut, fsync'd
  // and served from then on by a fresh descriptor (so a cleaner snapshot of the old bytes no longer
  // matches the segment); next_offset(), the max timestamp and the index counter are recomputed
  // from what remains (header scan from the last time-index entry). Returns the base offset of the
  // first batch removed, nullopt when none was. `now_ms` restarts time-based rolling if the
  // segment ends up empty.
  result<std::optional<int64_t>> truncate_to(int64_t offset, int64_t now_ms);

  // Takes segment.bytes, segment.ms and index.interval.bytes from `cfg` (dynamic topic config).
  void update_limits(const log_config& cfg) {
    _segment_bytes = cfg.segment_bytes;
    _segment_ms = cfg.segment_ms;
    _index_interval_bytes = cfg.index_interval_bytes;
  }

  // §6 roll test for an incoming append, excluding the offset-overflow rule (see fits_offset).
  bool should_roll(int64_t incoming_bytes, int64_t incoming_max_timestamp, int64_t now_ms) const;
  // Whether `offset` can be stored relative to base_offset() (32-bit relative offsets).
  bool fits_offset(int64_t offset) const;

  // The batch starting at `position`; nullopt at or past the end of the segment.
  // Only reads the header; corrupt headers yield an error.
  result<std::optional<batch_position>> batch_at(uint64_t position) const;
  // The same through a descriptor of this segment's .log from open_file() (saves a cache lookup
  // per batch when walking a segment).
  result<std::optional<batch_position>> batch_at(const file_descriptor& file, uint64_t position) const;
  // The first batch whose last offset >= `offset` (index lookup, then a forward header scan).
  result<std::optional<batch_position>> find_batch(int64_t offset) const;
  // The first batch whose max timestamp >= `timestamp` and whose last offset >= start_offset
  // (time index, offset index, then a forward scan).
  result<std::optional<batch_position>> find_batch_by_timestamp(int64_t timestamp, int64_t start_offset) const;

  // Called when the segment stops being the active one (roll) and at close: writes the final
  // time-index entry, trims both indexes (and a preallocated .log) to their real sizes.
  result<void> seal();
  // fsync of the .log, both indexes and the .txnindex.
  result<void> flush();
  // seal(), release the index mappings and drop the cached .log descriptor; the segment opens no
  // file afterwards (call before its files are renamed or deleted). Outstanding read slices keep
  // the .log open.
  result<void> close();

  int64_t base_offset() const { return _base_offset; }
  uint64_t size() const { return _size; }
  bool empty() const { return _size == 0; }
  // Offset after the last batch. Known for the last segment (after load_tail/recover/append);
  // for other segments it is only meaningful after recover().
  int64_t next_offset() const { return _next_offset; }
  // Largest batch max timestamp in the segment (-1 if none) and the last offset of its batch.
  // For a lazily opened segment the first call reads the .timeindex's last entry (mapping it only
  // for that call); -1 if it cannot be read (logged).
  int64_t max_timestamp() const;
  int64_t offset_of_max_timestamp() const;
  int64_t created_ms() const { return _created_ms; }
  // The .log descriptor, reopened through the fd_cache if it was evicted. Errors: errno of open(2)
  // (e.g. EMFILE), errc::log_closed after close().
  result<std::shared_ptr<const file_descriptor>> open_file() const;
  // open_file() for callers without error handling: on failure (logged) a descriptor holding -1,
  // on which every read fails with EBADF. Same pointer for as long as anyone holds it.
  std::shared_ptr<const file_descriptor> file() const;
  const std::filesystem::path& log_path() const { return _log.path(); }
  // The indexes, mapped on first use. If they cannot be opened (logged), an empty detached index.
  const offset_index& offsets() const;
  const time_index& times() const;
  // Whether the index files are currently mapped (lazy segments: after the first lookup).
  bool indexes_loaded() const { return _offset_index.has_value(); }
  // The aborted transactions whose markers are in this segment (read at first use).
  txn_index& aborted_txns() { return _txn_index; }
  const txn_index& aborted_txns() const { return _txn_index; }

private:
  segment(std::filesystem::path dir, int64_t base_offset, const log_config& cfg, int64_t now_ms,
          int64_t roll_jitter_ms, uint64_t size);

  // Maps both indexes if they are not. `verify`: a lazily opened (sealed) segment's indexes get the
  // cheap check and are rebuilt from the .log when it fails; recover() passes false (it rebuilds).
  result<void> load_indexes(bool verify) const;
  // Rebuilds both (mapped) indexes of a sealed segment from its batch headers and trims them.
  result<void> rebuild_sealed_indexes() const;
  void load_max_timestamp() const;

  // Scans and verifies batches from `position` (rebuilding index entries when `index`),
  // truncating the .log at the first invalid byte. Returns bytes truncated.
  result<uint64_t> scan_from(uint64_t position, bool index, const batch_epoch_observer& on_batch = {});
  result<void> truncate_log(uint64_t size);
  int64_t rolling_timestamp() const;

  std::filesystem::path _dir;
  cached_log_file _log;
  int64_t _base_offset;
  int32_t _index_interval_bytes;
  int32_t _segment_index_bytes;
  int64_t _segment_bytes;
  int64_t _segment_ms;
  bool _preallocate;
  int64_t _created_ms;
  int64_t _roll_jitter_ms;
  uint64_t _size;
  // nullopt until mapped (lazily opened segments); mutable: lookups map them on demand.
  mutable std::optional<offset_index> _offset_index;
  mutable std::optional<time_index> _time_index;
  txn_index _txn_index;
  int64_t _next_offset;
  mutable int64_t _max_timestamp = -1;
  mutable int64_t _offset_of_max_timestamp = -1;
  mutable bool _max_timestamp_known = true;  // false for a lazy segment until read
  // Max timestamp of the first batch: time-based rolling counts from it (§6). Read lazily.
  mutable std::optional<int64_t> _rolling_timestamp;
  uint64_t _bytes_since_last_index_entry = 0;
  bool _needs_recovery = false;
  bool _sealed = false;
};

} // namespace gregor::log
