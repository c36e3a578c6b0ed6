#pragma once
// partition: one topic-partition replica on this broker: its log, its leadership state as the
// controller last described it, and its high watermark.
//
// Ownership and threading: every partition has one strand (executor()) and every method that is
// not marked thread-safe must run on it (STYLE: one owner per partition). Callers hop there with
// co_spawn(partition->executor(), ...). The log it points to is owned by the log_manager and used
// only from this strand.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/bytes.h"
#include "gregor/common/clock.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/topic_partition.h"
#include "gregor/common/uuid.h"
#include "gregor/log/log_config.h"
#include "gregor/protocol/error_code.h"
#include "gregor/replication/data_waiter.h"

namespace gregor::log {
class partition_log;
}

namespace gregor::replication {

using protocol::error_code;

// Leadership as carried by LeaderAndIsr.
struct partition_state {
  int32_t leader = -1;
  int32_t leader_epoch = -1;
  int32_t partition_epoch = 0;
  int32_t controller_epoch = 0;
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

// A topic's effective settings (broker defaults merged with /config/topics/<t>).
struct topic_config {
  log::log_config log;
  int32_t min_insync_replicas = 1;
  std::string message_timestamp_type = "CreateTime";
  int64_t message_timestamp_difference_max_ms = INT64_MAX;
  std::string compression_type = "producer";
  bool message_downconversion_enable = true;  // message.downconversion.enable: serve Fetch v0-3
};

struct append_request {
  shared_bytes records;
  int16_t produce_version = 0;  // v3+ carries exactly one batch
  int16_t acks = 1;
};

struct append_outcome {
  error_code error = error_code::none;
  std::string error_message;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
};

struct read_request {
  int64_t offset = 0;
  int32_t max_bytes = 0;
  bool min_one_batch = true;
  int32_t replica_id = -1;   // >= 0: a follower broker (reads up to the log end)
  int32_t current_leader_epoch = -1;
  bool down_conversion = false;  // for Fetch v0-3 (refused when message.downconversion.enable=false)
};

struct read_outcome {
  error_code error = error_code::none;
  iobuf records;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
};

struct delete_records_outcome {
  error_code error = error_code::none;
  int64_t low_watermark = -1;  // the log start offset afterwards
};

struct offset_lookup {
  error_code error = error_code::none;
  int64_t timestamp = -1;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
};

class partition : public std::enable_shared_from_this<partition> {
public:
  using executor_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  partition(topic_partition tp, executor_type ex, int32_t self_id, clock& clk);

  // Thread-safe accessors.
  const topic_partition& tp() const { return _tp; }
  executor_type executor() const { return _executor; }

  // --- the methods below run on executor() ---

  // Applies a LeaderAndIsr state. Returns stale_controller_epoch/fenced errors as Kafka does:
  // a leader epoch older than ours is refused, an equal one is a no-op.
  error_code apply_state(log::partition_log* log, const partition_state& state, const uuid& topic_id,
                         const topic_config& config);
  // Applies a topic's new effective settings (a dynamic config change): validation limits, the
  // timestamp type and the log's own settings (roll, retention, flush) from the next operation on.
  void update_config(const topic_config& config);
  // Stops serving (StopReplica). The log stays open until the log_manager removes or closes it.
  void stop();

  append_outcome append(const append_request& request);
  read_outcome read(const read_request& request);
  offset_lookup list_offset(int64_t timestamp, int32_t current_leader_epoch, bool from_consumer);
  // DeleteRecords: raises the log start offset to `offset` (-1: the high watermark). Errors:
  // not_leader_or_follower, offset_out_of_range (offset < -1 or above the high watermark),
  // policy_violation (cleanup.policy without "delete", as Kafka refuses). Segments below the new
  // start are removed by the next retention round.
  delete_records_outcome delete_records(int64_t offset);
  // Before the first apply_state: the high watermark from replication-offset-checkpoint
  // (apply_state clamps it to the log).
  void restore_high_watermark(int64_t high_watermark);

  bool is_leader() const { return _log != nullptr && _state.leader == _self; }
  const partition_state& state() const { return _state; }
  const uuid& topic_id() const { return _topic_id; }
  int64_t high_watermark() const { return _high_watermark; }
  log::partition_log* log() const { return _log; }

  // Thread-safe: registers a fetch that waits for new data; it is notified once and forgotten.
  void add_waiter(const std::shared_ptr<data_waiter>& waiter);

private:
  void notify_waiters();
  // (timestamp, offset) of the first visible record whose timestamp is >= `timestamp`.
  std::optional<std::pair<int64_t, int64_t>> find_record_by_timestamp(int64_t timestamp, int64_t visible_end) const;
  void update_high_watermark();
  error_code check_leader_epoch(int32_t current_leader_epoch) const;

  topic_partition _tp;
  executor_type _executor;
  int32_t _self;
  clock& _clock;

  log::partition_log* _log = nullptr;
  topic_config _config;
  partition_state _state;
  uuid _topic_id;
  int64_t _high_watermark = 0;

  std::mutex _waiters_mutex;  // guards _waiters only; taken from fetching strands and this one
  std::vector<std::weak_ptr<data_waiter>> _waiters;
};

} // namespace gregor::replication
