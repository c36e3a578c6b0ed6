#pragma once
// replica_manager: the partitions this broker hosts, and the entry points the request handlers use
// to reach them (Kafka's ReplicaManager). It applies the controller's LeaderAndIsr and StopReplica
// decisions, creating and removing logs through the log_manager.
//
// Threading: public methods are thread-safe and may be called from any executor; each one hops to
// the partition's strand for the work on that partition and returns to the caller's executor.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gregor/common/clock.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/log_config.h"
#include "gregor/replication/partition.h"
#include "gregor/replication/replica_fetcher_manager.h"

namespace gregor::log {
class log_manager;
}

namespace gregor::replication {

// Gives the effective log configuration of a topic (broker defaults merged with its overrides).
using topic_config_provider = std::function<boost::asio::awaitable<topic_config>(std::string topic)>;

struct leader_and_isr_partition {
  topic_partition tp;
  uuid topic_id;
  partition_state state;
  bool is_new = false;
  // The leader's inter-broker endpoint (LeaderAndIsr's live_leaders), needed when this broker
  // becomes a follower; nullopt when the leader is not among them (then no fetching starts).
  std::optional<broker_endpoint> leader_endpoint;
};

struct stop_replica_partition {
  topic_partition tp;
  int32_t leader_epoch = -1;  // -2: topic deletion; -1: any
  bool delete_partition = false;
};

class replica_manager {
public:
  replica_manager(boost::asio::io_context& io, log::log_manager& logs, int32_t broker_id, clock& clk,
                  topic_config_provider configs);

  int32_t broker_id() const { return _broker_id; }

  // Turns on replication (issue 6), before the first LeaderAndIsr: partitions write ISR changes
  // through `store`, followers fetch with a replica_fetcher_manager built from `fetchers`, and a
  // timer runs partition::maybe_shrink_isr every replica.lag.time.max.ms / 2. Without this call
  // (unit tests) followers never fetch and the ISR never changes here. `store` must outlive this.
  void start_replication(isr_store& store, replication_settings settings, replica_fetcher_options fetchers);

  // Controller epoch fencing: false (STALE_CONTROLLER_EPOCH) when `epoch` is older than the newest
  // seen; otherwise remembers it.
  bool accept_controller_epoch(int32_t epoch);

  boost::asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> apply_leader_and_isr(
      std::vector<leader_and_isr_partition> partitions);
  boost::asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> stop_replicas(
      std::vector<stop_replica_partition> partitions);

  std::shared_ptr<partition> get(const topic_partition& tp) const;
  std::vector<std::shared_ptr<partition>> all() const;

  boost::asio::awaitable<append_outcome> append(const topic_partition& tp, append_request request);
  boost::asio::awaitable<append_outcome> write_txn_marker(const topic_partition& tp, txn_marker_request marker);
  // DescribeProducers of one partition (UNKNOWN_TOPIC_OR_PARTITION when not hosted here).
  boost::asio::awaitable<producers_outcome> describe_producers(const topic_partition& tp);
  boost::asio::awaitable<read_outcome> read(const topic_partition& tp, read_request request);
  // acks=all: see partition::replication_status. unknown_topic_or_partition when not hosted.
  boost::asio::awaitable<std::optional<error_code>> replication_status(const topic_partition& tp,
                                                                     int64_t required_offset,
                                                                     uint64_t leadership_term);
  // Waits until replication_status is final for every write or `timeout` passes. One outcome per
  // write, in order: none, not_enough_replicas_after_append, not_leader_or_follower (also when the
  // partition is no longer hosted here) or request_timed_out. Between checks it sleeps on one
  // data_waiter registered with every partition still pending BEFORE their status is checked, so
  // a high-watermark move between the check and the wait still wakes it. For acks=all produces
  // and the group coordinator's writes.
  boost::asio::awaitable<std::vector<error_code>> await_replication(std::vector<replication_wait> writes,
                                                                    std::chrono::milliseconds timeout);
  // OffsetsForLeaderEpoch: see partition::offset_for_leader_epoch.
  boost::asio::awaitable<offset_for_epoch> offset_for_leader_epoch(const topic_partition& tp,
                                                                   int32_t current_leader_epoch, int32_t leader_epoch);
  // ListOffsets: see partition::list_offset.
  boost::asio::awaitable<offset_lookup> list_offset(const topic_partition& tp, int64_t timestamp,
                                                   int32_t current_leader_epoch, bool from_consumer,
                                                   bool read_committed = false);
  // DeleteRecords for one partition (see partition::delete_records); unknown_topic_or_partition
  // when this broker does not host it.
  boost::asio::awaitable<delete_records_outcome> delete_records(const topic_partition& tp, int64_t offset);

  // Gives every local partition of `topic` its new effective settings (on each partition's strand).
  // Returns the number of partitions updated.
  boost::asio::awaitable<size_t> update_topic_config(std::string topic, topic_config config);

  // Kafka's onLeadershipChange: called after a LeaderAndIsr made this broker leader (true) or a
  // follower (false) of a partition, and after StopReplica (false; leader_epoch as requested, -1
  // for any), on no particular executor. The group and transaction coordinators load and unload
  // their partitions through it. Register before the first LeaderAndIsr; not thread-safe.
  using leadership_listener = std::function<void(const topic_partition& tp, bool leader, int32_t leader_epoch)>;
  void add_leadership_listener(leadership_listener listener) { _leadership_listeners.push_back(std::move(listener)); }

  // Stops every partition (on their strands). Call before the log_manager shuts down.
  boost::asio::awaitable<void> shutdown();

private:
  std::shared_ptr<partition> get_or_add(const topic_partition& tp);
  void remove(const topic_partition& tp);
  // Every replica.lag.time.max.ms / 2 until shutdown: maybe_shrink_isr on each partition's strand.
  static boost::asio::awaitable<void> run_isr_expiration(replica_manager* self,
                                                         std::shared_ptr<boost::asio::steady_timer> timer,
                                                         std::chrono::milliseconds interval);

  boost::asio::io_context& _io;
  log::log_manager& _logs;
  int32_t _broker_id;
  clock& _clock;
  topic_config_provider _configs;

  mutable std::shared_mutex _mutex;  // guards _partitions and _controller_epoch
  std::unordered_map<topic_partition, std::shared_ptr<partition>> _partitions;
  int32_t _controller_epoch = -1;
  std::vector<leadership_listener> _leadership_listeners;
  isr_store* _isr_store = nullptr;
  replication_settings _replication;
  std::unique_ptr<replica_fetcher_manager> _fetchers;  // set by start_replication
  std::shared_ptr<boost::asio::steady_timer> _isr_timer;
  std::atomic<bool> _stopping{false};  // shutdown began: the ISR timer loop ends
};

} // namespace gregor::replication
