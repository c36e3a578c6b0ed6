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
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gregor/common/clock.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
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
  // cluster.id differ), note and remove `.kafka_cleanshutdown`, remove `-delete` dirs, open every
  // `<topic>-<partition>` dir (errc::invalid_partition_dir for a name that does not parse) and apply
  // log-start-offset-checkpoint. On failure last_error() explains, naming the dir, and every lock
  // taken so far is released.
  result<void> startup(int32_t broker_id, const std::string& cluster_id);

  partition_log* get(const topic_partition& tp);
  // Existing log, or a new one in the dir holding the fewest partitions (first listed on ties).
  result<partition_log*> get_or_create(const topic_partition& tp, const log_config& cfg);
  // Deletes the partition's log (dir renamed to the -delete form, then removed).
  result<void> remove(const topic_partition& tp);
  std::vector<topic_partition> partitions() const;
  // The log dir holding `tp`, or empty.
  std::filesystem::path dir_of(const topic_partition& tp) const;
  // Whether `dir` had a `.kafka_cleanshutdown` marker at startup (false for unknown dirs).
  bool had_clean_shutdown(const std::filesystem::path& dir) const;

  // Closes every log, writes recovery-point-offset-checkpoint and log-start-offset-checkpoint per
  // dir, then the `.kafka_cleanshutdown` marker, and releases the locks. Idempotent.
  void shutdown();

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
  };

  result<void> startup_dir(size_t index, int32_t broker_id, const std::string& cluster_id);
  result<void> fail(std::error_code ec, std::string message);
  void release_locks();

  std::vector<dir_state> _dirs;
  log_config _defaults;
  clock& _clk;
  mutable std::mutex _mutex;  // guards _logs, _started and _last_error
  std::map<topic_partition, entry> _logs;
  bool _started = false;
  std::string _last_error;
};

} // namespace gregor::log
