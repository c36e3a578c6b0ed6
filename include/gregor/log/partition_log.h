#pragma once
// One partition's log: an ordered list of segments in `<log.dir>/<topic>-<partition>/`
// (Kafka's UnifiedLog + LocalLog), its leader-epoch cache, its producer state (idempotence and
// transactions: producer_state.h, kept in step with every append, snapshotted to
// `<offset>.snapshot` on roll and close, rebuilt on recovery and truncation), crash recovery
// (ON-DISK-FORMAT §8) and retention (§7).
//
// Threading: NOT thread-safe. Exactly one owner (the partition's executor) calls it. Read results
// hold shared file descriptors and may be consumed on other threads afterwards.
//
// Offsets: [log_start_offset(), log_end_offset()) are readable. append() assigns offsets from
// log_end_offset(). Data below recovery_point() is known to be fsync'd.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>

#include "gregor/common/bytes.h"
#include "gregor/common/clock.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/leader_epoch_cache.h"
#include "gregor/log/log_config.h"
#include "gregor/log/producer_state.h"
#include "gregor/log/txn_index.h"

namespace gregor::log {

class segment;
class file_deletion_queue;

// What the log manager knows about a log from the previous run (ON-DISK-FORMAT §8). The default
// describes a new log or one closed cleanly with nothing checkpointed.
struct recovery_hint {
  // `.kafka_cleanshutdown` was present: only the last segment's tail is checked.
  bool clean_shutdown = true;
  // recovery-point-offset-checkpoint: everything below it was fsync'd. After an unclean shutdown
  // every segment from the one containing it to the end is fully verified (CRC) and re-indexed.
  int64_t recovery_point = 0;
  // log-start-offset-checkpoint, -1 when the partition has no entry.
  int64_t log_start_offset = -1;
};

// What one apply_retention() call did.
struct retention_outcome {
  size_t segments_deleted = 0;
  uint64_t bytes_deleted = 0;
  int64_t log_start_offset = 0;  // after the call
};

struct append_result {
  int64_t first_offset = -1;
  int64_t last_offset = -1;
  // Largest batch max timestamp of the append, and the last offset of the first batch holding it
  // (batch granularity, as Kafka's shallow offset of max timestamp).
  int64_t max_timestamp = -1;
  int64_t offset_of_max_timestamp = -1;
  int64_t log_start_offset = 0;
  // The (single-batch) append repeated one of its producer's last five batches: nothing was
  // written, and first/last offset and max_timestamp are the original batch's.
  bool duplicate = false;
};

struct read_result {
  iobuf records;             // whole batches, as file slices of the segments
  int64_t first_offset = 0;  // base offset of the first batch returned (the requested offset if none)
  size_t size = 0;           // bytes in `records`
};

class partition_log {
public:
  // Opens (creating `dir` if missing) the log of `tp` as ON-DISK-FORMAT §8 says: completes or
  // drops interrupted cleaner swaps, deletes stray *.deleted/*.cleaned files and index files
  // without a .log, opens segments in base-offset order rebuilding indexes that are missing or fail
  // their checks. Clean hint: the last segment is checked from its last index entry and a torn tail
  // truncated. Unclean hint: every segment from the one holding hint.recovery_point to the end is
  // verified batch by batch (sizes, offsets, CRC-32C) and re-indexed; the log is truncated at the
  // first bad batch and every later segment deleted. Then the log start offset is
  // max(hint.log_start_offset, first segment base) (a log ending below it restarts empty there), the
  // leader-epoch cache is trimmed to [log start, log end), and recovery_point() is LEO (clean) or
  // min(hint.recovery_point, LEO). `clk` must outlive the log. On failure `why` (if given) names the
  // file that could not be read or repaired, and the cause.
  static result<std::unique_ptr<partition_log>> open(std::filesystem::path dir, topic_partition tp,
                                                     log_config cfg, clock& clk, recovery_hint hint = {},
                                                     std::string* why = nullptr);

  ~partition_log();
  partition_log(const partition_log&) = delete;
  partition_log& operator=(const partition_log&) = delete;

  // Appends one or more complete, validated magic-2 batches laid out back to back. Assigns offsets
  // from log_end_offset(): each batch's base_offset and partition_leader_epoch (bytes 0-7 and
  // 12-15, outside the CRC) are written as assigned; the caller's buffer itself is not modified.
  // Rolls first when §6 says so; honours flush.messages / flush.ms. A `leader_epoch` above the
  // cache's latest starts a new leader-epoch entry at the first assigned offset (file rewritten).
  // Batches with a producer id are checked against the producer state as `origin` says
  // (producer_state::analyze): a client batch repeating one of its producer's last five is not
  // written (append_result::duplicate). Aborted transactions' markers go to the .txnindex.
  // Errors: errc::invalid_batch, errc::message_too_large (a batch > max.message.bytes),
  // errc::batch_too_large (the append > segment.bytes), errc::offset_overflow, errc::log_closed,
  // the producer-state errors (out_of_order_sequence, invalid_producer_epoch, invalid_txn_state,
  // coordinator_fenced), or a system error. A failed write leaves the log unchanged; a failed
  // fsync after the write (flush policy) is reported although the batches are in the log.
  result<append_result> append(shared_bytes batches, int32_t leader_epoch,
                               append_origin origin = append_origin::client);

  // Follower append (issue 6): `batches` are complete magic-2 batches copied from the leader, with
  // their offsets and partition leader epochs already assigned. Each batch's header is checked
  // (magic, sizes, CRC-32C over the attributes..records) and offsets must increase; the first base
  // offset must be >= log_end_offset() (gaps are allowed: compaction leaves them), otherwise
  // errc::offset_out_of_order and nothing is written. The bytes are written unchanged; a batch whose
  // partition leader epoch is above the cache's latest starts a new leader-epoch entry at its base
  // offset. Rolls and flushes as append() does; max.message.bytes is not applied (the leader did).
  // LEO afterwards = last offset of the last batch + 1.
  result<append_result> append_as_follower(shared_bytes batches);

  // Removes every batch whose last offset >= `offset` (whole batches; callers truncate at batch
  // boundaries, so LEO afterwards == offset unless `offset` fell inside a batch, when it is that
  // batch's base). No-op when offset >= log_end_offset(). Segments starting at or above the cut are
  // deleted (files removed at once), the segment holding it is cut and its indexes trimmed, the
  // leader-epoch cache loses entries from the new LEO (checkpoint rewritten), recovery_point() is
  // lowered to at most the new LEO. An offset below log_start_offset() is
  // truncate_fully_and_start_at(offset).
  result<void> truncate_to(int64_t offset);

  // Deletes every segment and starts an empty log at `offset`: log start = LEO = recovery point =
  // offset, leader-epoch cache cleared (Kafka's truncateFullyAndStartAt, used when a follower's
  // fetch offset fell below the leader's log start).
  result<void> truncate_fully_and_start_at(int64_t offset);

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
  // Replaces the settings (dynamic topic config). Takes effect for later appends, rolls, flushes
  // and retention; existing segments keep their files as they are.
  void set_config(log_config cfg);

  // Raises the log start offset to `offset` (clamped to log_end_offset()); never lowers it, and
  // trims the leader-epoch cache below it. Returns the log start offset afterwards. Used when
  // loading log-start-offset-checkpoint, by DeleteRecords and by retention. Segments wholly below
  // it go at the next apply_retention().
  int64_t maybe_increment_log_start_offset(int64_t offset);

  // Deletes old segments oldest-first per ON-DISK-FORMAT §7: segments wholly below the log start
  // offset (always), then, only when cleanup.policy contains "delete", by retention.bytes and
  // retention.ms (largest record timestamp of the segment, else its file mtime). Never deletes a
  // segment whose end (next base, or LEO) is above `high_watermark`, never the empty active segment;
  // when every segment would go, rolls a new empty one first. Deleted segments leave the map, their
  // files are renamed to `*.deleted` and handed to `deletions` (due after file.delete.delay.ms); the
  // log start offset moves to the first remaining base and the leader-epoch cache is trimmed.
  result<retention_outcome> apply_retention(int64_t high_watermark, file_deletion_queue& deletions);

  // Leader-epoch cache (Kafka's OffsetsForLeaderEpoch semantics, see leader_epoch_cache.h).
  std::optional<std::pair<int32_t, int64_t>> end_offset_for_epoch(int32_t epoch) const;
  std::optional<int32_t> latest_epoch() const;
  const leader_epoch_cache& epoch_cache() const { return _epochs; }
  // Records that `epoch` begins at the log end offset (a new leader's first epoch; appends in it
  // would do the same). Writes the checkpoint when the cache changed.
  result<void> assign_epoch_at_end(int32_t epoch);

  // Producer state (idempotence and transactions).
  const producer_state& producers() const { return _producers; }
  // The first offset of an open or not yet fully replicated transaction, never below the log
  // start; nullopt when there is none. The last stable offset is min(this, high watermark).
  std::optional<int64_t> first_unstable_offset() const;
  // The high watermark moved: transactions whose marker is below it are stable.
  void on_high_watermark(int64_t high_watermark);
  // The aborted transactions a read_committed fetch from `fetch_offset` that returns data up to
  // (not including) `upper_bound` must report (.txnindex of the segments from the one holding
  // fetch_offset on, until one entry's LSO reaches upper_bound).
  result<std::vector<aborted_txn>> collect_aborted_txns(int64_t fetch_offset, int64_t upper_bound) const;
  // Drops producers idle for producer.id.expiration.ms (producer_state::remove_expired).
  size_t remove_expired_producers();
  // Whether a snapshot holds the producer state as it is now (after close(): whether the next
  // start can trust it; if not, the log dir must not be marked cleanly shut down).
  bool producer_state_saved() const {
    return _last_snapshot_offset >= _producers.map_end_offset() || nothing_to_snapshot();
  }

  // fsyncs every segment holding data at or above recovery_point(); then recovery_point() = LEO.
  result<void> flush();
  // flush() if flush.ms has elapsed since the last flush (for a periodic scheduler).
  result<void> flush_if_due();
  // Flushes, writes final time-index entries and trims indexes, snapshots the producer state at
  // the log end offset. Idempotent; afterwards every call
  // except the accessors fails with errc::log_closed. Destroying a log without close() leaves the
  // files as a crash would (untrimmed indexes); the next open() repairs them.
  // With `sync` false nothing is fsync'd and recovery_point() stays where it was: the caller makes
  // the files durable itself (the log_manager syncs each log dir's filesystem once at shutdown
  // instead of fsyncing thousands of files one by one).
  void close(bool sync = true);
  // Closes the log, renames its dir to `<topic>-<p>.<uuid>-delete` and removes it.
  result<void> delete_log();

private:
  // The log cleaner (src/log/cleaner/) swaps cleaned segments in through this accessor.
  friend class cleaner_access;

  partition_log(std::filesystem::path dir, topic_partition tp, log_config cfg, clock& clk);

  result<void> load(const recovery_hint& hint);
  // Logs and remembers (for open()'s `why`) a load failure about `file`.
  void load_failed(const std::filesystem::path& file, const std::string& what, std::error_code ec);
  // Drops every segment (newest first, so an interruption leaves a prefix of the log) and starts
  // empty at `offset` (§8 step 4). Clears the epoch cache in memory only.
  result<void> reset_to_empty(int64_t offset);
  // Removes a segment's .log and index files of `base` at once (no *.deleted stage).
  static void remove_segment_files(const std::filesystem::path& dir, int64_t base);
  // Closes a segment already taken out of the map and removes its files at once (truncation:
  // the data is wrong, not old). Read slices handed out keep their descriptors.
  void remove_segment_now(std::unique_ptr<segment> seg);
  // The write half shared by append() and append_as_follower(): `pieces` hold whole batches with
  // their final offsets [out.first_offset, out.last_offset], `total` bytes, max timestamp as in
  // `out`. Rolls when §6 says so (also when the offsets do not fit the active segment), writes them
  // to the active segment, advances the LEO, starts the leader epochs of `epoch_starts` (each only
  // if above the cache's latest; before any flush, so a recovery point never covers data whose
  // epoch entry is not on disk). A failed write leaves no batch behind (a roll before it stays).
  // The caller then updates the producer state and runs apply_flush_policy().
  result<void> write_batches(const append_result& out, int64_t total, std::span<const bytes_view> pieces,
                             std::span<const epoch_entry> epoch_starts);
  // flush.messages / flush.ms after an append; a failed fsync is reported although the batches
  // are in the log.
  result<void> apply_flush_policy();
  // Renames the segment's files to *.deleted and queues them; the segment must be out of the map.
  void delete_segment_files(std::unique_ptr<segment> seg, file_deletion_queue& deletions);
  void persist_epochs();

  // Producer state upkeep (partition_log_producers.cc).
  // Rebuilds the state for the log as it now is: snapshots above the LEO are deleted, the newest
  // readable one at or below `replay_from` (else an empty state at the log start) is loaded, the
  // .txnindex entries of markers at or above its offset are dropped, and the batches from there to
  // the LEO are replayed (replication origin), re-adding their aborted transactions.
  result<void> rebuild_producer_state(int64_t replay_from);
  // Replays the batches of [from, LEO) into the state and the segments' .txnindex.
  result<void> replay_producer_batches(int64_t from);
  // Applies an analyzed append written to the active segment: state updated, aborted
  // transactions added to the active segment's .txnindex.
  result<void> apply_producer_plan(producer_append_plan plan);
  // An empty state at the log start: nothing a snapshot would add (as Kafka, none is written).
  bool nothing_to_snapshot() const {
    return _producers.empty() && _producers.map_end_offset() <= _log_start_offset;
  }
  // Writes `<map end offset>.snapshot` unless one was written there already.
  void take_producer_snapshot(bool sync);
  // Deletes the snapshot files whose offset is above `offset` (-1: every one).
  void delete_snapshots_above(int64_t offset);
  // Deletes the snapshot files whose offset is below `offset` (the log cleaner, after a swap).
  void delete_snapshots_below(int64_t offset);
  // Deletes the snapshot files whose offset `doomed` picks.
  void delete_snapshots_if(const std::function<bool(int64_t)>& doomed);
  // One §7 rule: deletes segments oldest-first while `should_delete(segment, next or nullptr)`
  // holds and the segment ends at or below `high_watermark`.
  using deletion_rule = std::function<bool(const segment&, const segment*)>;
  result<void> delete_old_segments(int64_t high_watermark, file_deletion_queue& deletions,
                                   const deletion_rule& should_delete, retention_outcome& out);
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
  leader_epoch_cache _epochs;
  producer_state _producers;
  int64_t _last_snapshot_offset = -1;  // offset of the newest snapshot written or loaded
  std::string _load_error;
  bool _closed = false;
  std::mt19937_64 _rng{std::random_device{}()};
};

} // namespace gregor::log
