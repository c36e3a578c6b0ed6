#pragma once
// cleaner_service: the log cleaner threads (Kafka's LogCleaner). Every log.cleaner.backoff.ms each
// thread looks at the partitions of the replica_manager whose log has "compact" in cleanup.policy,
// takes a clean_snapshot of each on the partition's strand, picks the dirtiest one that is
// cleanable (dirty ratio above min.cleanable.dirty.ratio, or older than max.compaction.lag.ms),
// cleans it on the cleaner thread (reading sealed segments through shared descriptors, never
// touching the log), swaps the result in on the strand and records the new first dirty offset in
// the log dir's cleaner-offset-checkpoint. See gregor/log/cleaner/log_cleaner.h for the rules.
//
// Threading: start()/stop() from the composition root. The cleaner threads are plain std::threads
// that only post work to partition strands and wait for it; stop() must run while the io_context
// still runs those strands (i.e. before the replica manager shuts down).

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gregor/common/clock.h"
#include "gregor/common/topic_partition.h"

namespace gregor::log {
class file_deletion_queue;
class cleaner_checkpoints;
class dedupe_map;
class io_throttle;
} // namespace gregor::log

namespace gregor::replication {

class replica_manager;

struct cleaner_service_options {
  bool enable = true;                       // log.cleaner.enable
  int32_t threads = 1;                      // log.cleaner.threads
  int64_t backoff_ms = 15000;               // log.cleaner.backoff.ms
  int64_t dedupe_buffer_bytes = 134217728;  // log.cleaner.dedupe.buffer.size (all threads together)
  double io_buffer_load_factor = 0.9;       // log.cleaner.io.buffer.load.factor
  double io_max_bytes_per_second = 1.7976931348623157e308;  // log.cleaner.io.max.bytes.per.second
};

class cleaner_service {
public:
  // `deletions` receives the files of replaced segments; it must outlive the service.
  cleaner_service(replica_manager& replicas, log::file_deletion_queue& deletions, cleaner_service_options options,
                  clock& clk);
  ~cleaner_service();
  cleaner_service(const cleaner_service&) = delete;
  cleaner_service& operator=(const cleaner_service&) = delete;

  // Starts the threads (none when disabled or threads == 0).
  void start();
  // Stops and joins the threads; a cleaning in progress is abandoned (its .cleaned files removed)
  // at its next step. Idempotent.
  void stop();

  // Applies new dynamic settings (log.cleaner.threads, .backoff.ms, .dedupe.buffer.size,
  // .io.buffer.load.factor, .io.max.bytes.per.second; `enable` stays as started, as in Kafka where
  // log.cleaner.enable is read-only). Threads beyond the new count finish their current cleaning
  // and exit; missing ones are started. Never blocks on a cleaning. Thread-safe.
  void update_options(const cleaner_service_options& options);

  // Drops the cleaner-offset-checkpoint entry of a deleted partition, so that a topic re-created
  // under the same name is cleaned from its start. Thread-safe.
  void forget(const topic_partition& tp, const std::filesystem::path& log_dir);

  // Cleanings completed since start (for tests and logs). Thread-safe.
  uint64_t cleanings() const;

private:
  void run(size_t index);
  void spawn_missing_threads();  // _mutex held
  // One pass: picks and cleans the dirtiest log. True if a log was cleaned.
  bool clean_dirtiest(log::dedupe_map& map);
  bool stopping() const;

  replica_manager& _replicas;
  log::file_deletion_queue& _deletions;
  cleaner_service_options _options;
  clock& _clock;
  std::unique_ptr<log::cleaner_checkpoints> _checkpoints;
  std::unique_ptr<log::io_throttle> _throttle;  // shared by the threads; cancelled by stop()

  mutable std::mutex _mutex;  // guards the fields below
  std::condition_variable _wake;
  bool _stopping = false;
  std::set<topic_partition> _in_progress;  // logs a thread is cleaning
  uint64_t _cleanings = 0;
  std::vector<std::thread> _threads;  // by index; an exited thread is joined before reuse
  std::vector<bool> _exited;          // _exited[i]: thread i left run() (count lowered)
  bool _started = false;
  uint64_t _generation = 0;           // bumped by update_options() to wake waiting threads
};

} // namespace gregor::replication
