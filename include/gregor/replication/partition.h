#pragma once
// partition: one topic-partition replica on this broker: its log, its leadership state as the
// controller last described it, and its high watermark.
//
// Ownership and threading: every partition has one strand (executor()) and every method that is
// not marked thread-safe must run on it (STYLE: one owner per partition). Callers hop there with
// co_spawn(partition->executor(), ...). The log it points to is owned by the log_manager and used
// only from this strand.

#include <cstdint>
#include <map>
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
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/common/uuid.h"
#include "gregor/log/log_config.h"
#include "gregor/log/producer_state.h"
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
  // The group coordinator's own transactional offset commits (Kafka's AppendOrigin.COORDINATOR):
  // the producer's epoch is checked, its sequence numbers are not.
  bool coordinator_origin = false;
};

struct append_outcome {
  error_code error = error_code::none;
  std::string error_message;
  int64_t base_offset = -1;
  int64_t last_offset = -1;
  int64_t log_append_time = -1;
  int64_t log_start_offset = -1;
  // The leadership term the records were appended in (see partition::replication_status).
  uint64_t leadership_term = 0;
};

// One producer of a partition as DescribeProducers reports it.
struct active_producer {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t last_sequence = -1;
  int64_t last_timestamp = -1;
  int32_t coordinator_epoch = -1;
  int64_t current_txn_start_offset = -1;  // -1: no open transaction
};

struct producers_outcome {
  error_code error = error_code::none;
  std::vector<active_producer> producers;
};

// An acks=all write waiting for its replicas (replica_manager::await_replication).
struct replication_wait {
  topic_partition tp;
  int64_t required_offset = 0;   // the appended records' last offset + 1
  uint64_t leadership_term = 0;  // append_outcome::leadership_term
};

// One transaction marker for this partition (WriteTxnMarkers from a transaction coordinator).
struct txn_marker_request {
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  bool commit = false;
  int32_t coordinator_epoch = -1;
};

struct read_request {
  int64_t offset = 0;
  int32_t max_bytes = 0;
  bool min_one_batch = true;
  int32_t replica_id = -1;   // >= 0: a follower broker (reads up to the log end)
  int32_t current_leader_epoch = -1;
  // Follower fetches (Fetch v12+): the epoch of the last batch the follower holds, for the KIP-320
  // divergence check (-1: none / not asked).
  int32_t last_fetched_epoch = -1;
  // A reader inside this broker that must see the whole log (the group coordinator loading an
  // offsets partition reads to the log end, as Kafka's does): up to LEO, no follower bookkeeping.
  bool to_log_end = false;
  bool down_conversion = false;  // for Fetch v0-3 (refused when message.downconversion.enable=false)
  // isolation_level=read_committed (consumers only): data up to the last stable offset, and the
  // aborted transactions within it.
  bool read_committed = false;
};

struct read_outcome {
  error_code error = error_code::none;
  iobuf records;
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  // read_committed: the aborted transactions overlapping the data returned (producer id and
  // first offset are what Fetch reports).
  std::vector<log::aborted_txn> aborted_transactions;
  // Follower fetch whose last_fetched_epoch/offset diverge from the leader's epoch cache: the
  // (epoch, end offset) the follower must truncate against (Fetch v12+ diverging_epoch); no records.
  std::optional<std::pair<int32_t, int64_t>> diverging_epoch;
};

// Broker settings a partition needs for replication.
struct replication_settings {
  int64_t replica_lag_time_max_ms = 30000;  // replica.lag.time.max.ms
};

// A follower's fetch position, as its replica fetcher sends it to the leader.
struct follower_position {
  int32_t leader = -1;
  int32_t leader_epoch = -1;        // sent as current_leader_epoch
  int64_t fetch_offset = 0;         // our log end offset
  int32_t last_fetched_epoch = -1;  // latest epoch in our leader-epoch cache, -1 if empty
  int64_t log_start_offset = 0;
};

// One partition of a leader's answer to a replica fetch, handed back to the follower partition.
struct leader_fetch_data {
  int32_t leader_epoch = -1;   // the epoch the fetch was sent under: stale (≠ ours) -> dropped
  int64_t fetch_offset = -1;   // the offset it was sent at: stale (≠ our LEO) -> dropped
  shared_bytes records;        // whole batches only (the fetcher cuts a partial last batch)
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
};

struct offset_for_epoch {
  error_code error = error_code::none;
  int32_t leader_epoch = -1;  // -1/-1: Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET
  int64_t end_offset = -1;
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

class isr_store;

class partition : public std::enable_shared_from_this<partition> {
public:
  using executor_type = boost::asio::strand<boost::asio::io_context::executor_type>;

  partition(topic_partition tp, executor_type ex, int32_t self_id, clock& clk);

  // Set once, before the first apply_state (replica_manager::start_replication). Without a store
  // (unit tests, a broker before replication starts) ISR changes are computed but never written.
  void set_replication(isr_store* store, replication_settings settings);

  // Thread-safe accessors.
  const topic_partition& tp() const { return _tp; }
  executor_type executor() const { return _executor; }

  // --- the methods below run on executor() ---

  // Applies a LeaderAndIsr state. A leader epoch older than ours is refused
  // (stale_controller_epoch). An equal one carries a controller-made ISR rewrite: applied (isr,
  // replicas, partition epoch) when its partition epoch is >= ours, refused (stale_controller_epoch)
  // when older, as Kafka 3.x's makeLeader/makeFollower skip a stale partition epoch. A newer one
  // makes this replica leader or follower.
  error_code apply_state(log::partition_log* log, const partition_state& state, const uuid& topic_id,
                         const topic_config& config);
  // Applies a topic's new effective settings (a dynamic config change): validation limits, the
  // timestamp type and the log's own settings (roll, retention, flush) from the next operation on.
  void update_config(const topic_config& config);
  // Stops serving (StopReplica). The log stays open until the log_manager removes or closes it.
  void stop();

  append_outcome append(const append_request& request);
  // Leader only: appends a COMMIT or ABORT control batch for the producer (coordinator origin:
  // epoch and coordinator-epoch checks; TRANSACTION_COORDINATOR_FENCED, INVALID_PRODUCER_EPOCH).
  // The caller waits for it to be replicated as for acks=all (Kafka writes markers with acks=-1).
  append_outcome write_txn_marker(const txn_marker_request& marker);
  // DescribeProducers: this replica's producer state (leader or follower; NOT_LEADER_OR_FOLLOWER
  // without a local log).
  producers_outcome describe_producers() const;
  // Leader reads. replica_id >= 0 is a follower's fetch: when last_fetched_epoch >= 0 and
  // (last_fetched_epoch, offset) is not a prefix of our log (epoch cache: the largest epoch <= it
  // ends below offset, or is a smaller epoch) diverging_epoch is set and nothing else happens;
  // otherwise the follower's log end offset becomes `offset` (Kafka's updateFollowerFetchState:
  // caught-up time, ISR expansion, high watermark) and data up to our log end is returned.
  read_outcome read(const read_request& request);

  // acks=all: the state of a produce whose records end before `required_offset` (last offset + 1).
  // nullopt: still waiting. none: the high watermark reached it and the ISR has at least
  // min.insync.replicas members. not_enough_replicas_after_append: reached, but the ISR shrank
  // below min.insync.replicas. not_leader_or_follower: leadership moved (the records may be
  // truncated by the new leader), also when we lead again in a later term than `leadership_term`
  // (append_outcome's): the records may have been truncated while we followed, and the high
  // watermark would pass other records at those offsets.
  std::optional<error_code> replication_status(int64_t required_offset, uint64_t leadership_term) const;

  // Kafka's maybeShrinkIsr (called every replica.lag.time.max.ms / 2): followers whose last
  // caught-up time is older than replica.lag.time.max.ms leave the ISR (written through the
  // isr_store; the leader itself never leaves). No-op when not leader or an ISR write is in flight.
  void maybe_shrink_isr();

  // OffsetsForLeaderEpoch on the leader (Kafka's lastOffsetForLeaderEpoch): current_leader_epoch
  // fenced as in read(); the largest epoch <= leader_epoch and its end offset (our LEO for the
  // latest epoch). Errors: not_leader_or_follower, fenced/unknown_leader_epoch.
  offset_for_epoch offset_for_leader_epoch(int32_t current_leader_epoch, int32_t leader_epoch) const;

  // --- follower side (replica fetcher), all on executor() ---
  // nullopt when this replica is not a follower with an open log (leader, stopped, leader -1).
  std::optional<follower_position> position_for_fetch() const;
  // Appends the leader's batches (partition_log::append_as_follower), then the follower high
  // watermark = min(leader's, our LEO) and the log start offset = max(ours, leader's). Stale data
  // (epoch or fetch offset not matching the current state) is dropped with error none. Errors:
  // kafka_storage_error (the log failed), corrupt_message (a batch failed its checks).
  error_code append_from_leader(const leader_fetch_data& data);
  // The leader answered diverging_epoch (epoch, end offset) to a fetch sent under `leader_epoch`.
  // KIP-279: if our cache has `diverging_epoch`, truncate to min(its end here, end_offset);
  // otherwise to min(the end of our largest epoch below it, end_offset) and let the next fetch
  // (with the new last_fetched_epoch) refine. Never below the log start. Returns our new LEO.
  result<int64_t> truncate_on_divergence(int32_t leader_epoch, int32_t diverging_epoch, int64_t end_offset);
  // OFFSET_OUT_OF_RANGE from the leader: our LEO above the leader's (an unclean election) ->
  // truncate to leader_log_end; below the leader's log start -> truncate_fully_and_start_at it.
  error_code handle_out_of_range(int32_t leader_epoch, int64_t leader_log_start, int64_t leader_log_end);

  // `read_committed` (ListOffsets v2+ isolation_level 1): consumers see up to the last stable
  // offset instead of the high watermark.
  offset_lookup list_offset(int64_t timestamp, int32_t current_leader_epoch, bool from_consumer,
                            bool read_committed = false);
  // min(high watermark, first offset of an open or not fully replicated transaction).
  int64_t last_stable_offset() const;
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
  // Thread-safe: how many waiters are listed (live or already gone); for tests.
  size_t listed_waiters() const;

private:
  // The named coroutine that awaits an isr_store write and hands the result back on the strand.
  friend struct isr_write_runner;

  void notify_waiters();
  // Leader bookkeeping of one follower (Kafka's Replica): log end offset (-1 unknown) and the
  // times that decide ISR membership (monotonic clock).
  struct follower_state {
    int64_t log_end_offset = -1;
    int64_t last_caught_up_time_ms = 0;
    int64_t last_fetch_leader_log_end_offset = -1;
    int64_t last_fetch_time_ms = 0;
  };
  // apply_state's three cases: a new leader epoch (or first state) making us leader or follower,
  // and a same-epoch ISR rewrite by the controller.
  void make_leader(bool was_leader);
  void make_follower();
  void update_assignment(const partition_state& state);
  // Kafka's resetReplicaState: one entry per other replica. A replica that was already leader
  // keeps the followers' offsets; ISR members count as caught up now, the others never.
  void reset_follower_states(bool was_leader);
  // Kafka's updateFollowerFetchState: the follower fetched at `fetch_offset` while our LEO was
  // `leader_end`.
  void update_follower_fetch_state(follower_state& f, int64_t fetch_offset, int64_t leader_end, int64_t now_ms);
  void maybe_expand_isr(int32_t replica);
  // Starts a CAS write of `new_isr` through the store; the result is applied on this strand by
  // complete_isr_write. No-op without a store.
  void propose_isr(std::vector<int32_t> new_isr);
  void complete_isr_write(uint64_t generation, int32_t leader_epoch, const std::vector<int32_t>& new_isr,
                          const result<int32_t>& written);
  // The replicas whose log end offset bounds the high watermark: the ISR plus the members of a
  // pending ISR write (Kafka's maximal ISR).
  std::vector<int32_t> maximal_isr() const;

  // (timestamp, offset) of the first visible record whose timestamp is >= `timestamp`.
  std::optional<std::pair<int64_t, int64_t>> find_record_by_timestamp(int64_t timestamp, int64_t visible_end) const;
  // The leader's write half of append() and write_txn_marker(): appends validated batches with
  // the producer checks of `origin` and fills `out` (error, offsets, leadership term); a new write
  // (not a duplicate) moves the high watermark and wakes waiters.
  void append_to_log(const shared_bytes& records, log::append_origin origin, append_outcome& out);
  // Leader: min LEO over maximal_isr() (ours for this replica), never backwards; other states:
  // clamped to [log start, LEO]. Notifies the waiters when it moved.
  void update_high_watermark();
  // NOT_LEADER_OR_FOLLOWER unless we lead; then the client's current_leader_epoch (-1: unchecked)
  // against ours: FENCED_LEADER_EPOCH if older, UNKNOWN_LEADER_EPOCH if newer.
  error_code check_leader(int32_t current_leader_epoch) const;

  topic_partition _tp;
  executor_type _executor;
  int32_t _self;
  clock& _clock;

  log::partition_log* _log = nullptr;
  topic_config _config;
  partition_state _state;
  uuid _topic_id;
  int64_t _high_watermark = 0;
  isr_store* _isr_store = nullptr;
  replication_settings _replication;
  std::map<int32_t, follower_state> _followers;  // leader only: every replica but this one
  std::optional<std::vector<int32_t>> _pending_isr;  // an ISR write in flight
  uint64_t _isr_write_generation = 0;  // identifies the write _pending_isr belongs to
  // Kafka's leaderEpochStartOffsetOpt: our LEO when this leader epoch began (-1 when not leader);
  // a follower joins the ISR only once it reached it.
  int64_t _leader_epoch_start_offset = -1;
  // A failed ISR write is not retried for the same partition epoch before a short backoff (each
  // follower fetch may want to expand the ISR).
  int32_t _failed_isr_write_epoch = -1;
  int64_t _failed_isr_write_ms = 0;

  mutable std::mutex _waiters_mutex;  // guards _waiters only; taken from fetching strands and this one
  std::vector<std::weak_ptr<data_waiter>> _waiters;
  static constexpr size_t min_waiters_prune_at = 16;
  size_t _waiters_prune_at = min_waiters_prune_at;  // guarded by _waiters_mutex
  // +1 each time this replica becomes leader after not leading (leader epoch bumps while it keeps
  // leading do not count: a produce waiting for its replicas stays valid across them).
  uint64_t _leadership_term = 0;
};

} // namespace gregor::replication
