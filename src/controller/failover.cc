// Becoming the controller (Kafka's onControllerFailover), in ZOOKEEPER-LAYOUT §5's order:
//   1. watches: children of /brokers/ids, /brokers/topics, /admin/delete_topics and
//      /isr_change_notification; exists watches on /admin/reassign_partitions and
//      /admin/preferred_replica_election (a data watch on each /brokers/ids/<id> and
//      /brokers/topics/<t> comes with reading them);
//   2. pending ISR change notifications deleted (every state is read afresh anyway);
//   3. live brokers (broker epochs), topics (topic ids added), assignments, partition states;
//   4. topic deletions queued; partition and replica states initialised;
//   5. replica state machine startup (LeaderAndIsr for every online replica), partition state
//      machine startup (elections for new and offline partitions);
//   6. reassignments resumed, deletions resumed, pending preferred elections run;
//   7. auto leader rebalance scheduled (first after 5 s).
// UpdateMetadata with every partition goes to every broker with this event's batch.

#include "controller_impl.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

asio::awaitable<void> controller::impl::failover() {
  _log->info("{}starting controller fail-over", state_prefix());
  auto marked = co_await watch_deletions();
  if (!marked) throw std::runtime_error("cannot read /admin/delete_topics: " + marked.error().message());
  auto isr_changes = co_await watch_isr_changes();
  if (!isr_changes) _log->warn("cannot watch /isr_change_notification: {}", isr_changes.error().message());
  std::string reassign_path = zk::paths::reassign_partitions();
  event reassign_event = ev_zk_reassignment{};
  (void)co_await watch_exists(std::move(reassign_path), std::move(reassign_event));
  std::string preferred_path = zk::paths::preferred_replica_election();
  event preferred_event = ev_zk_preferred_election{};
  bool preferred_pending = co_await watch_exists(std::move(preferred_path), std::move(preferred_event));

  co_await delete_pending_isr_notifications();
  co_await initialize_context();
  co_await init_deletions(*marked);
  initialize_states();

  // Every broker learns the live brokers and every partition.
  add_update_metadata_to_all(_ctx.all_partitions());

  // Replica state machine startup.
  std::vector<partition_replica> online, offline;
  for (const auto& [r, s] : _ctx.replica_states) {
    (s == replica_state_kind::online ? online : offline).push_back(r);
  }
  co_await handle_replica_changes(online, replica_state_kind::online);
  co_await handle_replica_changes(offline, replica_state_kind::offline);
  // Partition state machine startup.
  co_await trigger_online_partitions();

  co_await init_reassignments();
  co_await resume_deletions();
  if (preferred_pending) {
    ev_zk_preferred_election e;
    co_await process(e);
  }
  if (_opts.auto_leader_rebalance_enable) schedule_auto_rebalance(std::chrono::seconds(5));
  _log->info("{}fail-over done: {} live broker(s), {} topic(s), {} partition(s)", state_prefix(),
             _ctx.live_brokers.size(), _ctx.topics.size(), _ctx.partition_states.size());
}

asio::awaitable<void> controller::impl::initialize_context() {
  auto ids = co_await watch_broker_ids();
  if (!ids) throw std::runtime_error("cannot read /brokers/ids: " + ids.error().message());
  for (const auto& name : *ids) {
    int32_t id = 0;
    try {
      id = std::stoi(name);
    } catch (const std::exception&) {
      _log->warn("ignoring /brokers/ids/{}: not a broker id", name);
      continue;
    }
    co_await add_live_broker(id);
  }
  auto topics = co_await watch_topics();
  if (!topics) throw std::runtime_error("cannot read /brokers/topics: " + topics.error().message());
  for (const auto& t : *topics) co_await load_topic(t);
  for (const auto& [name, t] : _ctx.topics) {
    for (const auto& [p, r] : t.assignment.partitions) {
      if (assignment_of(t.assignment, p).being_reassigned()) _ctx.reassigning.insert({name, p});
    }
  }
}

// Kafka sets the first states directly (no transition is logged): a partition with a state znode
// is Online when its leader is live, else Offline; without one it is New. A replica is Online on a
// live broker, else ReplicaDeletionIneligible.
void controller::impl::initialize_states() {
  for (const auto& tp : _ctx.all_partitions()) {
    if (_ctx.leadership.count(tp) > 0) {
      _ctx.partition_states[tp] =
          _ctx.has_live_leader(tp) ? partition_state_kind::online : partition_state_kind::offline;
    } else {
      _ctx.partition_states[tp] = partition_state_kind::new_partition;
    }
    for (int32_t r : *_ctx.replicas_of(tp)) {
      _ctx.replica_states[{tp, r}] =
          _ctx.is_live(r) ? replica_state_kind::online : replica_state_kind::deletion_ineligible;
    }
  }
}

void controller::impl::schedule_auto_rebalance(std::chrono::milliseconds delay) {
  _rebalance_timer.expires_after(delay);
  _rebalance_timer.async_wait([w = weak_from_this(), generation = _generation](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = w.lock()) self->enqueue(ev_auto_rebalance{}, generation);
  });
}

} // namespace gregor::controller
