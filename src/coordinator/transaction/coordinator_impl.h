#pragma once
// The transaction coordinator's state and logic (private to src/coordinator/transaction/).
// Everything here runs on `_strand`; the public transaction_coordinator methods hop there.
//
//   transaction_coordinator.cc  public API, ownership of __transaction_state partitions (load,
//                               unload), the timeout-abort and id-expiry timers, shutdown
//   txn_requests.cc             InitProducerId, AddPartitionsToTxn, EndTxn and the writes
//   txn_markers.cc              WriteTxnMarkers to partition leaders, then Complete*
//
// A transition that must be written holds its transactional id's `pending` state across the
// write (other requests get CONCURRENT_TRANSACTIONS), and after the write is applied only if the
// id is still ours with the same coordinator epoch (NOT_COORDINATOR otherwise).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/clock.h"
#include "gregor/common/result.h"
#include "gregor/config/broker_config.h"
#include "gregor/coordinator/producer_id_manager.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/network/channel_manager.h"
#include "gregor/replication/replica_manager.h"
#include "txn_metadata.h"

namespace gregor::txn {

namespace asio = boost::asio;

// A transaction whose markers are being written (Kafka's PendingCompleteTxn).
struct marker_job {
  std::string transactional_id;
  int32_t coordinator_epoch = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool commit = false;
  std::set<topic_partition> unsent;              // waiting for a leader, a channel or a retry
  std::map<topic_partition, int32_t> in_flight;  // sent to that broker, not answered yet
  bool completing = false;                       // the Complete* write is in flight
};

class transaction_coordinator::impl : public std::enable_shared_from_this<impl> {
public:
  using strand_type = asio::strand<asio::io_context::executor_type>;

  impl(asio::io_context& io, replication::replica_manager& replicas, const metadata::metadata_cache& metadata,
       const config::broker_config& config, clock& clk, producer_id_manager& producer_ids,
       transaction_coordinator_options options);

  // --- ownership and timers (transaction_coordinator.cc) ---
  struct shard {
    bool loaded = false;
    int32_t epoch = -1;  // the coordinator epoch: the partition's leader epoch
  };
  int32_t partition_for(const std::string& id) const;
  // NONE (and the coordinator epoch) when this broker serves `id` now; NOT_COORDINATOR,
  // COORDINATOR_LOAD_IN_PROGRESS or COORDINATOR_NOT_AVAILABLE (shutting down) otherwise.
  error_code check_owner(const std::string& id, int32_t& coordinator_epoch) const;
  std::shared_ptr<txn_metadata> find(const std::string& id) const;
  // True while `m` is still the loaded state of `id` under `coordinator_epoch`.
  bool still_owned(const std::string& id, int32_t coordinator_epoch, const std::shared_ptr<txn_metadata>& m) const;
  void elected(int32_t partition, int32_t epoch);
  void resigned(int32_t partition, int32_t epoch);
  asio::awaitable<void> load(std::shared_ptr<impl> self, int32_t partition, int32_t epoch);
  void stop_all();
  void schedule_timeout_check();
  void abort_timed_out();
  void schedule_expiry_check();
  asio::awaitable<void> expire_ids(std::shared_ptr<impl> self);

  // --- requests (txn_requests.cc) ---
  asio::awaitable<init_producer_id_result> init(std::shared_ptr<impl> self, init_producer_id_request req);
  asio::awaitable<error_code> add_partitions(std::shared_ptr<impl> self, std::string id, int64_t producer_id,
                                             int16_t epoch, std::vector<topic_partition> partitions);
  // EndTxn (from_client) and the coordinator's own aborts (timeouts, fences).
  asio::awaitable<error_code> end(std::shared_ptr<impl> self, std::string id, int64_t producer_id, int16_t epoch,
                                  bool commit, bool from_client);
  // Writes `t` for `id` and applies it (see the file comment). `epoch_fence` as end_step's.
  asio::awaitable<error_code> write_transition(std::string id, int32_t coordinator_epoch,
                                               std::shared_ptr<txn_metadata> m, txn_transit t, bool epoch_fence);

  // --- admin views (txn_admin.cc) ---
  std::vector<described_transaction> describe(const std::vector<std::string>& ids) const;
  list_transactions_result list(const std::vector<std::string>& states, const std::vector<int64_t>& producer_ids,
                                int64_t duration_ms) const;

  // --- markers (txn_markers.cc) ---
  // After PrepareCommit/PrepareAbort of `m` was written (or found by a load).
  void start_markers(const txn_metadata& m, int32_t coordinator_epoch);
  void send_markers(marker_job& job);
  void on_marker_response(const std::string& id, int32_t coordinator_epoch, int32_t broker,
                          std::vector<topic_partition> asked, result<shared_bytes> response);
  // Channels follow the live brokers: a gone or moved broker's unanswered markers are resent.
  void sync_channels();
  void schedule_marker_tick();
  void marker_tick();
  asio::awaitable<void> complete_markers(std::shared_ptr<impl> self, std::string id);
  void drop_marker_jobs(int32_t partition);

  int64_t now_ms() const { return _clock.now_ms(); }

  asio::io_context& _io;
  strand_type _strand;
  replication::replica_manager& _replicas;
  const metadata::metadata_cache& _metadata;
  const config::broker_config& _config;
  clock& _clock;
  producer_id_manager& _producer_ids;
  transaction_coordinator_options _options;

  bool _stopped = false;
  std::map<int32_t, shard> _shards;
  std::unordered_map<std::string, std::shared_ptr<txn_metadata>> _txns;
  std::map<std::string, std::shared_ptr<marker_job>> _jobs;
  network::channel_manager _channels;
  std::map<int32_t, std::pair<std::string, uint16_t>> _channel_endpoints;
  int32_t _correlation = 0;
  asio::steady_timer _timeout_timer;
  asio::steady_timer _expiry_timer;
  asio::steady_timer _marker_timer;
  bool _marker_tick_armed = false;
};

} // namespace gregor::txn
