#pragma once
// Owns the broker's log dirs (log.dirs) and every partition_log in them (Kafka's LogManager).
//
// Threading: the map of partitions is guarded by an internal mutex, so get/get_or_create/remove/
// partitions may be called from any thread. The partition_log objects themselves are NOT
// thread-safe: each has one owner (its partition's executor). A pointer from get() stays valid
// until remove() of that partition or shutdown(); the caller ensures nobody uses it after that.
// startup() and shutdown() must not race with other calls.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gregor/common/clock.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/file_deletion_queue.h"
#include "gregor/log/log_config.h"
#include "gregor/log/partition_log.h"

namespace gregor::log {

class log_manager {
public:
  log_manager(std::vector<std::filesystem::path> dirs, log_config defaults, clock& clk);
  ~log_manager();  // shutdown() if still running
  log_manager(const log_manager&) = delete;
  log_manager& operator=(const log_manager&) = delete;

  // Per dir: create if missing, take an exclusive flock on `.lock` (errc::log_dir_locked if held
  // elsewhere), read or write meta.properties (errc::meta_properties_mismatch when broker.id or
  // cluster.id differ), note and remove `.kafka_cleanshutdown`, remove `-delete` dirs, read the
  // recovery-point, log-start-offset and replication-offset checkpoints (a malformed one is logged
  // and treated as empty: full recovery, as Kafka does), and open every `<topic>-<partition>` dir
  // (errc::invalid_partition_dir for a name that does not parse) with a recovery_hint built from
  // them (ON-DISK-FORMAT §8). On failure last_error() explains, naming the dir and file, and every
  // lock taken so far is released.
  result<void> startup(int32_t broker_id, const std::string& cluster_id);

  partition_log* get(const topic_partition& tp);
  // Existing log, or a new one in the dir holding the fewest partitions (first listed on ties).
  result<partition_log*> get_or_create(const topic_partition& tp, const log_config& cfg);
  // Deletes the partition's log (dir renamed to the -delete form, then removed), then tells the
  // removal listener.
  result<void> remove(const topic_partition& tp);
  // Called after a partition's log was deleted, with the log dir that held it (the log cleaner
  // forgets its checkpoint). Set once at startup, before any remove(); called on the remover's thread.
  using removal_listener = std::function<void(const topic_partition&, const std::filesystem::path& log_dir)>;
  void set_removal_listener(removal_listener listener) { _on_removed = std::move(listener); }
  std::vector<topic_partition> partitions() const;
  // The log dir holding `tp`, or empty.
  std::filesystem::path dir_of(const topic_partition& tp) const;
  // Whether `dir` had a `.kafka_cleanshutdown` marker at startup (false for unknown dirs).
  bool had_clean_shutdown(const std::filesystem::path& dir) const;
  // While withheld, shutdown() writes no clean-shutdown marker in the dirs that had none at
  // startup. The broker withholds it until it has applied the unclean-shutdown rule: a start
  // refused before that must leave the next start still knowing those logs may have lost a tail.
  void withhold_clean_marker_for_unclean_dirs(bool withhold) { _withhold_unclean_marker = withhold; }

  // Closes every log, writes recovery-point-offset-checkpoint, log-start-offset-checkpoint and
  // replication-offset-checkpoint per dir, then the `.kafka_cleanshutdown` marker, and releases the
  // locks. Files still waiting in deletions() stay on disk (the next startup removes them).
  // Idempotent. Call after every owner of a log stopped using it.
  void shutdown();

  // --- checkpoints (thread-safe) ---
  // The log's owner reports, from its strand, what the next checkpoint should record. Until a
  // partition reports, the values found when its log was opened are written. `first_segment_base`
  // decides whether log-start-offset-checkpoint lists the partition (only when the start lies above
  // it, as Kafka writes it); -1 lists it always. Unknown partitions are ignored.
  void note_offsets(const topic_partition& tp, int64_t recovery_point, int64_t log_start_offset,
                    int64_t first_segment_base = -1);
  void note_high_watermark(const topic_partition& tp, int64_t high_watermark);
  // The high watermark replication-offset-checkpoint held for `tp` at startup (or noted since).
  std::optional<int64_t> checkpointed_high_watermark(const topic_partition& tp) const;
  // Atomically rewrites the checkpoint files of every loaded dir from the noted values. Writes are
  // serialised; the first failure is returned after trying every dir.
  result<void> write_recovery_point_checkpoints();
  result<void> write_log_start_offset_checkpoints();
  result<void> write_high_watermark_checkpoints();
  result<void> write_checkpoints();

  // Segment files renamed to *.deleted by retention or the cleaner, removed when due.
  file_deletion_queue& deletions() { return _deletions; }

  // Human-readable cause of the last failed startup()/get_or_create()/remove().
  std::string last_error() const;
  const log_config& defaults() const { return _defaults; }

private:
  struct dir_state {
    std::filesystem::path path;
    int lock_fd = -1;
    bool clean_shutdown = false;
    bool loaded = false;
  };
  struct entry {
    std::unique_ptr<partition_log> log;
    size_t dir_index = 0;
    // What the checkpoints record (see note_offsets); guarded by _mutex.
    int64_t recovery_point = 0;
    int64_t log_start_offset = 0;
    int64_t first_segment_base = -1;
    int64_t high_watermark = -1;  // -1: none known
  };
  enum class checkpoint_kind { recovery_point, log_start_offset, high_watermark };

  result<void> startup_dir(size_t index, int32_t broker_id, const std::string& cluster_id);
  result<void> write_checkpoint(checkpoint_kind kind);
  result<void> fail(std::error_code ec, std::string message);
  void release_locks();

  std::vector<dir_state> _dirs;
  log_config _defaults;
  clock& _clk;
  mutable std::mutex _mutex;  // guards _logs, _started and _last_error
  std::mutex _checkpoint_mutex;  // serialises checkpoint writes (taken before _mutex, never inside)
  file_deletion_queue _deletions;
  std::map<topic_partition, entry> _logs;
  bool _started = false;
  bool _withhold_unclean_marker = false;  // set and read by the startup/shutdown thread only
  std::string _last_error;
  removal_listener _on_removed;
};

} // namespace gregor::log
