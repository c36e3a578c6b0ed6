#pragma once
// log_maintenance: the broker's periodic log work (Kafka's LogManager and ReplicaManager scheduler
// tasks). Timers on the io_context; for each partition that has a log the work hops to the
// partition's strand (the log's one owner) and reports what it saw to the log_manager, which
// writes the checkpoint files.
//
//   every flush_check_interval         flush_if_due (flush.ms), note recovery point / log start
//   every retention_check_interval     apply_retention (ON-DISK-FORMAT §7), note offsets
//   every file_delete_check_interval   remove *.deleted files whose file.delete.delay.ms passed
//   every recovery_point_checkpoint    write recovery-point-offset-checkpoint
//   every log_start_checkpoint         write log-start-offset-checkpoint
//   every high_watermark_checkpoint    write replication-offset-checkpoint
//   every per_partition_interval       per_partition hook (if set), e.g. for the log cleaner
//
// Threading: start() and stop() from any one coroutine; the tasks run on the io_context and
// touch a partition only on its strand. Lifetime: stop() must complete before the replica manager
// shuts down and before this object is destroyed.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gregor/common/clock.h"
#include "gregor/replication/replica_manager.h"

namespace gregor::log {
class log_manager;
}

namespace gregor::replication {

struct log_maintenance_options {
  using ms = std::chrono::milliseconds;
  ms flush_check_interval{ms::max()};            // log.flush.scheduler.interval.ms
  ms retention_check_interval{300000};           // log.retention.check.interval.ms
  ms file_delete_check_interval{1000};           // how often due *.deleted files are looked for
  ms recovery_point_checkpoint_interval{60000};  // log.flush.offset.checkpoint.interval.ms
  ms log_start_checkpoint_interval{60000};       // log.flush.start.offset.checkpoint.interval.ms
  ms high_watermark_checkpoint_interval{5000};   // replica.high.watermark.checkpoint.interval.ms
  ms producer_expiration_check_interval{600000}; // producer.id.expiration.check.interval.ms
  // Optional: run on each partition's strand (with its log set) every per_partition_interval.
  std::function<void(partition&)> per_partition;
  ms per_partition_interval{15000};  // log.cleaner.backoff.ms when used by the cleaner
};

class log_maintenance {
public:
  log_maintenance(boost::asio::io_context& io, replica_manager& replicas, log::log_manager& logs, clock& clk,
                  log_maintenance_options options);
  ~log_maintenance();
  log_maintenance(const log_maintenance&) = delete;
  log_maintenance& operator=(const log_maintenance&) = delete;

  void start();
  // Cancels the timers, waits for running tasks, then notes every partition's offsets and high
  // watermark one last time (the log_manager writes them at its shutdown).
  boost::asio::awaitable<void> stop();

  // One round of each task, now (tests and shutdown use them; each awaits every partition).
  boost::asio::awaitable<void> flush_round();
  boost::asio::awaitable<void> retention_round();
  boost::asio::awaitable<void> note_all_offsets();
  boost::asio::awaitable<void> note_all_high_watermarks();
  // Drops idle producers' state (producer.id.expiration.ms) from every partition log.
  boost::asio::awaitable<void> producer_expiration_round();

private:
  enum class task {
    flush,
    retention,
    file_delete,
    recovery_checkpoint,
    start_checkpoint,
    hw_checkpoint,
    producer_expiration,
    per_partition
  };
  boost::asio::awaitable<void> loop(task t, std::chrono::milliseconds interval, std::shared_ptr<boost::asio::steady_timer> timer);
  boost::asio::awaitable<void> run(task t);
  boost::asio::awaitable<void> for_each_partition(std::function<void(partition&)> fn);

  boost::asio::io_context& _io;
  replica_manager& _replicas;
  log::log_manager& _logs;
  clock& _clock;
  log_maintenance_options _options;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> _timers;
  std::atomic<bool> _stopping{false};
  std::atomic<size_t> _running{0};
};

} // namespace gregor::replication
