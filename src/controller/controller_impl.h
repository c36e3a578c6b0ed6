#pragma once
// controller::impl — the active controller's state and the code that changes it (Kafka's
// KafkaController, split by concern):
//
//   controller.cc               public API, event queue, election, resignation
//   failover.cc                 becoming controller: reading ZooKeeper, state machine startup
//   watches.cc                  arming the controller's ZooKeeper watches
//   brokers.cc                  broker change (new, dead, bounced) and broker znode data changes
//   topics.cc                   topic change and partition modification (new partitions)
//   deletion.cc                 topic deletion (Kafka's TopicDeletionManager)
//   partition_state_machine.cc  partition state transitions and leader elections
//   replica_state_machine.cc    replica state transitions
//   send_requests.cc            the request batch -> LeaderAndIsr / UpdateMetadata / StopReplica
//   controlled_shutdown.cc      ControlledShutdown
//   preferred_election.cc       /admin/preferred_replica_election, ElectLeaders, auto leader rebalance
//   isr_change.cc               /isr_change_notification
//   reassignment.cc             /admin/reassign_partitions, Alter/ListPartitionReassignments
//
// Threading: every member runs on `_strand`, one event at a time (see drain()). Only `_active`
// and `_epoch` are read from other threads.
//
// Errors: ZooKeeper failures are logged and the event goes on with what it could do (the next
// event re-evaluates). A fenced write that finds a newer controller epoch throws controller_moved,
// which drain() catches to resign; nothing else throws.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "gregor/network/channel_manager.h"
#include "controller_context.h"
#include "events.h"
#include "gregor/controller/controller.h"
#include "gregor/zk/kafka_zk.h"
#include "request_batch.h"
#include "requests.h"

namespace gregor::controller {

namespace asio = boost::asio;

// Thrown inside event processing when a fenced write shows that another controller took over.
struct controller_moved {};

// How a partition moving to OnlinePartition gets its leader (Kafka's PartitionLeaderElectionStrategy).
enum class election_strategy {
  offline,                // leader died / partition offline: unclean only if the topic allows it
  offline_allow_unclean,  // ElectLeaders(unclean)
  reassignment,
  preferred,
  controlled_shutdown,
};

// Who asked for a preferred election (Kafka's ElectionTrigger).
enum class election_trigger { zookeeper, admin_client, auto_rebalance };

// A partition's answer to ElectLeaders / AlterPartitionReassignments; `message` only when not empty.
inline election_outcome outcome(protocol::error_code e, std::string message = {}) {
  election_outcome o;
  o.error = e;
  if (!message.empty()) o.message = std::move(message);
  return o;
}

struct controller::impl : std::enable_shared_from_this<impl> {
  using strand = asio::strand<asio::io_context::executor_type>;

  impl(asio::io_context& io, zk::kafka_zk& zk, controller_options opts);

  strand _strand;
  zk::kafka_zk& _zk;
  controller_options _opts;
  network::channel_manager _channels;
  asio::steady_timer _retry_timer;
  asio::steady_timer _idle;  // cancelled whenever the event loop goes idle (shutdown waits on it)
  asio::steady_timer _rebalance_timer;
  std::shared_ptr<spdlog::logger> _log;        // "controller" -> controller.log
  std::shared_ptr<spdlog::logger> _state_log;  // "state.change.logger" -> state-change.log

  controller_context _ctx;
  request_batch _batch;
  std::optional<zk::controller_claim> _claim;
  std::atomic<bool> _active{false};
  std::atomic<int32_t> _epoch{0};
  std::deque<queued_event> _queue;
  bool _draining = false;
  bool _stopped = false;
  int32_t _correlation = 0;
  // Term of office: bumped when this broker becomes controller and when it resigns. Watches and
  // timers armed in a term only act in that term.
  uint64_t _generation = 1;
  bool _controller_watch_armed = false;
  std::set<int32_t> _broker_watches;     // /brokers/ids/<id> data watches armed this term
  std::set<std::string> _topic_watches;  // /brokers/topics/<t> data watches armed this term

  // ---- event queue (controller.cc) ----
  void enqueue(event e, uint64_t generation = 0);
  static asio::awaitable<void> drain(std::shared_ptr<impl> self);
  asio::awaitable<void> process_event(event& e);
  // A one-shot watcher that queues `e`; term_watcher ties it to the current term.
  zk::watcher watcher_for(event e);
  zk::watcher term_watcher(event e);
  bool active() const { return _claim.has_value(); }
  int32_t claim_epoch() const { return _claim ? _claim->epoch : 0; }

  // ---- election and resignation (controller.cc) ----
  asio::awaitable<bool> watch_controller();
  asio::awaitable<void> process(ev_elect&);
  asio::awaitable<void> process(ev_controller_changed&);
  asio::awaitable<void> process(ev_resign&);
  void retry_election_later();
  void resign_locally();
  asio::awaitable<void> resign_in_zk();
  // Throws controller_moved for zk_errc::controller_moved; logs anything else.
  void fail_on_moved(const std::error_code& e, const std::string& what);
  // The "[Controller id=0 epoch=3] " prefix of state-change log lines.
  std::string state_prefix() const;

  // ---- watches (watches.cc): read and re-arm, tied to the current term ----
  asio::awaitable<result<std::vector<std::string>>> watch_children(std::string path, event e);
  asio::awaitable<result<std::vector<std::string>>> watch_broker_ids();
  asio::awaitable<result<std::vector<std::string>>> watch_topics();
  asio::awaitable<result<std::vector<std::string>>> watch_deletions();
  asio::awaitable<result<std::vector<std::string>>> watch_isr_changes();
  // Exists watch; true if the znode exists (false on error too, after logging it).
  asio::awaitable<bool> watch_exists(std::string path, event e);

  // ---- failover (failover.cc) ----
  asio::awaitable<void> failover();
  asio::awaitable<void> initialize_context();
  void initialize_states();
  void schedule_auto_rebalance(std::chrono::milliseconds delay);

  // ---- brokers (brokers.cc) ----
  asio::awaitable<void> process(ev_broker_change&);
  asio::awaitable<void> process(ev_broker_modification&);
  asio::awaitable<bool> add_live_broker(int32_t id);
  void remove_live_broker(int32_t id);
  asio::awaitable<void> on_broker_startup(const std::set<int32_t>& brokers);
  asio::awaitable<void> on_broker_failure(const std::set<int32_t>& brokers);
  asio::awaitable<void> on_replicas_offline(const std::vector<partition_replica>& replicas);

  // ---- topics (topics.cc) ----
  asio::awaitable<void> process(ev_topic_change&);
  asio::awaitable<void> process(ev_partition_modification&);
  // Reads /brokers/topics/<t> (arming its data watch once per term), gives it a topic id if a tool
  // created it without one, and reads its partition states. False if the topic could not be read.
  asio::awaitable<bool> load_topic(const std::string& topic);
  asio::awaitable<void> on_new_partitions(const std::vector<topic_partition>& tps);

  // ---- topic deletion (deletion.cc) ----
  asio::awaitable<void> process(ev_topic_deletion&);
  asio::awaitable<void> process(ev_stop_replica_response&);
  asio::awaitable<void> init_deletions(const std::vector<std::string>& marked);
  asio::awaitable<void> enqueue_deletions(const std::set<std::string>& topics);
  asio::awaitable<void> resume_deletion_for(const std::set<std::string>& topics);
  asio::awaitable<void> fail_replica_deletion(const std::vector<partition_replica>& replicas);
  asio::awaitable<void> mark_replicas_ineligible(const std::vector<partition_replica>& replicas);
  void mark_deletion_ineligible(const std::set<std::string>& topics, const std::string& reason);
  asio::awaitable<void> resume_deletions();
  asio::awaitable<void> on_topic_deletion(const std::set<std::string>& topics);
  asio::awaitable<void> on_partition_deletion(const std::set<std::string>& topics);
  asio::awaitable<void> complete_delete_topic(const std::string& topic);
  // Removes the /admin/delete_topics markers of `topics` (a fenced write).
  asio::awaitable<void> remove_deletion_markers(const std::set<std::string>& topics);

  // ---- partition state machine (partition_state_machine.cc) ----
  // Moves `tps` to `target`; for OnlinePartition new partitions are initialized and the others get
  // an election by `strategy`. Returns each partition's outcome (none = done).
  asio::awaitable<std::map<topic_partition, protocol::error_code>> handle_partition_changes(
      const std::vector<topic_partition>& tps, partition_state_kind target,
      election_strategy strategy = election_strategy::offline);
  // New and Offline partitions (not being deleted) -> Online.
  asio::awaitable<void> trigger_online_partitions();
  asio::awaitable<std::vector<topic_partition>> initialize_partitions(const std::vector<topic_partition>& tps);
  asio::awaitable<std::map<topic_partition, protocol::error_code>> elect_leaders_for(
      const std::vector<topic_partition>& tps, election_strategy strategy);
  // CAS write of a partition state (fenced) at the version the context holds. On a version
  // conflict the context then holds the re-read state (the caller may decide again).
  enum class write_result { written, conflict, failed };
  asio::awaitable<write_result> write_state(const topic_partition& tp, const zk::partition_state& s);
  asio::awaitable<bool> unclean_allowed(const std::string& topic);
  void set_partition_state(const topic_partition& tp, partition_state_kind to, const std::string& detail = {});

  // ---- replica state machine (replica_state_machine.cc) ----
  asio::awaitable<void> handle_replica_changes(const std::vector<partition_replica>& replicas,
                                               replica_state_kind target);
  void set_replica_state(const partition_replica& r, replica_state_kind to);
  // Takes `broker` out of the ISR of `tps` (leader -1 if it led). Returns the partitions written.
  asio::awaitable<std::vector<topic_partition>> remove_replica_from_isr(int32_t broker,
                                                                       const std::vector<topic_partition>& tps);

  // ---- requests to brokers (send_requests.cc) ----
  // LeaderAndIsr with the partition's current state to `brokers` (the live ones), plus an
  // UpdateMetadata for it to every broker.
  void add_leader_and_isr(const std::vector<int32_t>& brokers, const topic_partition& tp, bool is_new = false);
  void add_stop_replica(int32_t broker, const topic_partition& tp, bool delete_partition);
  void add_update_metadata(const std::set<int32_t>& brokers, const std::vector<topic_partition>& tps);
  void add_update_metadata_to_all(const std::vector<topic_partition>& tps);
  std::optional<partition_update> metadata_update_for(const topic_partition& tp) const;
  request_envelope envelope_for(int32_t broker);
  void send_batch();

  // ---- controlled shutdown (controlled_shutdown.cc) ----
  asio::awaitable<void> process(ev_controlled_shutdown&);

  // ---- preferred elections and leader balance (preferred_election.cc) ----
  asio::awaitable<void> process(ev_zk_preferred_election&);
  asio::awaitable<void> process(ev_elect_leaders&);
  asio::awaitable<void> process(ev_auto_rebalance&);
  asio::awaitable<std::map<topic_partition, election_outcome>> replica_election(
      const std::vector<topic_partition>& tps, election_type type, election_trigger trigger);

  // ---- ISR change notifications (isr_change.cc) ----
  asio::awaitable<void> process(ev_isr_change_notification&);
  asio::awaitable<void> delete_pending_isr_notifications();

  // ---- reassignment (reassignment.cc) ----
  asio::awaitable<void> process(ev_zk_reassignment&);
  asio::awaitable<void> process(ev_alter_reassignments&);
  asio::awaitable<void> process(ev_list_reassignments&);
  asio::awaitable<void> init_reassignments();
  // Starts (or continues) the reassignments; returns each partition's outcome.
  asio::awaitable<std::map<topic_partition, election_outcome>> trigger_reassignments(
      const std::map<topic_partition, replica_assignment>& reassignments);
  asio::awaitable<void> on_partition_reassignment(const topic_partition& tp, const replica_assignment& target);
  asio::awaitable<void> maybe_complete_reassignment(const topic_partition& tp);
  asio::awaitable<void> resume_reassignments_on(const std::set<int32_t>& new_brokers);
  asio::awaitable<bool> update_leader_epoch_and_send(const topic_partition& tp, const std::vector<int32_t>& recipients);
  asio::awaitable<void> stop_removed_replicas(const topic_partition& tp, const std::vector<int32_t>& removed);
  asio::awaitable<void> write_topic_assignment(const std::string& topic);
  // Drops the partitions `drop` from /admin/reassign_partitions (deleting it when empty).
  asio::awaitable<void> remove_from_zk_reassignment(const std::set<topic_partition>& drop);
  // The assignment a /admin/reassign_partitions entry asks for; nullopt (logged) when refused: the
  // partition does not exist or is being deleted, or the target is invalid (invalid_target).
  std::optional<replica_assignment> zk_reassignment_target(const topic_partition& tp, const std::vector<int32_t>& target,
                                                           const std::set<int32_t>& live);
  // Deletes /admin/reassign_partitions when its data cannot be parsed (a fenced write).
  asio::awaitable<void> delete_unreadable_reassignment();
};

} // namespace gregor::controller
