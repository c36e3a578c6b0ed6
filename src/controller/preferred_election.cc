// Preferred and unclean leader elections asked for by an operator (Kafka's
// processReplicaLeaderElection): through /admin/preferred_replica_election (kafka-preferred-
// replica-election, old kafka-leader-election), through ElectLeaders, and by the auto leader
// rebalance timer (auto.leader.rebalance.enable, leader.imbalance.per.broker.percentage).

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "gregor/zk/znodes.h"
#include "leader_balance.h"

namespace gregor::controller {

asio::awaitable<std::map<topic_partition, election_outcome>> controller::impl::replica_election(
    const std::vector<topic_partition>& tps, election_type type, election_trigger trigger) {
  std::map<topic_partition, election_outcome> out;
  std::vector<topic_partition> electable;
  for (const auto& tp : tps) {
    const auto* replicas = _ctx.replicas_of(tp);
    if (replicas == nullptr || replicas->empty()) {
      out[tp] = outcome(protocol::error_code::unknown_topic_or_partition, "The partition does not exist.");
      continue;
    }
    if (_ctx.queued_for_deletion(tp.topic)) {
      out[tp] = outcome(protocol::error_code::unknown_topic_or_partition, "The topic is being deleted.");
      continue;
    }
    auto lead = _ctx.leadership.find(tp);
    int32_t leader = lead == _ctx.leadership.end() ? -1 : lead->second.state.leader;
    bool needed = type == election_type::preferred ? leader != replicas->front()
                                                   : leader < 0 || !_ctx.is_live(leader);
    if (!needed) {
      out[tp] = outcome(protocol::error_code::election_not_needed,
                        "Leader election not needed for topic partition.");
      continue;
    }
    electable.push_back(tp);
  }
  if (!electable.empty()) {
    auto strategy = election_strategy::preferred;
    if (type == election_type::unclean) {
      // Unclean only when an operator asked for it through the admin API, as Kafka.
      strategy = trigger == election_trigger::admin_client ? election_strategy::offline_allow_unclean
                                                           : election_strategy::offline;
    }
    _log->info("{}{} leader election for [{}] ({})", state_prefix(),
               type == election_type::preferred ? "preferred" : "unclean",
               names_of(electable),
               trigger == election_trigger::zookeeper        ? "ZooKeeper-triggered"
               : trigger == election_trigger::admin_client ? "admin-client-triggered"
                                                           : "auto-triggered");
    auto results = co_await handle_partition_changes(electable, partition_state_kind::online, strategy);
    for (const auto& [tp, e] : results) {
      if (e == protocol::error_code::none) {
        out[tp] = outcome(e);
      } else {
        out[tp] = outcome(e, fmt::format("Failed to elect leader for partition {} under strategy {}", tp.to_string(),
                                         type == election_type::preferred ? "PreferredReplicaPartitionLeaderElectionStrategy"
                                                                          : "OfflinePartitionLeaderElectionStrategy"));
      }
    }
  }
  co_return out;
}

asio::awaitable<void> controller::impl::process(ev_zk_preferred_election&) {
  if (!active()) co_return;
  std::string path = zk::paths::preferred_replica_election();
  event again = ev_zk_preferred_election{};
  bool exists = co_await watch_exists(std::move(path), std::move(again));
  if (!exists) co_return;
  auto got = co_await _zk.get_preferred_replica_election();
  if (!got && got.error() != zk::zk_errc::bad_data) {
    _log->warn("cannot read /admin/preferred_replica_election: {}", got.error().message());
    co_return;
  }
  if (got && !*got) co_return;  // deleted meanwhile
  if (got) {
    std::vector<topic_partition> tps = **got;
    auto results = co_await replica_election(tps, election_type::preferred, election_trigger::zookeeper);
    for (const auto& [tp, o] : results) {
      if (o.error != protocol::error_code::none && o.error != protocol::error_code::election_not_needed) {
        _log->warn("{}preferred election of {} failed: {}", state_prefix(), tp.to_string(), o.message.value_or(""));
      }
    }
  } else {
    _log->error("{}/admin/preferred_replica_election cannot be read; deleting it", state_prefix());
  }
  auto claim = *_claim;
  auto removed = co_await _zk.delete_preferred_replica_election(claim);
  if (!removed) fail_on_moved(removed.error(), "deleting /admin/preferred_replica_election");
}

asio::awaitable<void> controller::impl::process(ev_elect_leaders& ev) {
  elect_leaders_reply reply;
  if (!active()) {
    reply.error = protocol::error_code::not_controller;
    ev.reply->set(std::move(reply));
    co_return;
  }
  std::vector<topic_partition> tps = ev.partitions ? *ev.partitions : _ctx.all_partitions();
  reply.partitions = co_await replica_election(tps, ev.type, election_trigger::admin_client);
  ev.reply->set(std::move(reply));
}

asio::awaitable<void> controller::impl::process(ev_auto_rebalance&) {
  if (!active() || !_opts.auto_leader_rebalance_enable) co_return;
  std::map<topic_partition, partition_leadership> partitions;
  for (const auto& tp : _ctx.all_partitions()) {
    if (_ctx.queued_for_deletion(tp.topic)) continue;
    partition_leadership p;
    p.replicas = *_ctx.replicas_of(tp);
    if (p.replicas.empty()) continue;
    auto lead = _ctx.leadership.find(tp);
    // Without a state yet, a partition counts for its preferred broker but not against it (Kafka).
    p.leader = lead == _ctx.leadership.end() ? p.replicas.front() : lead->second.state.leader;
    partitions[tp] = std::move(p);
  }
  auto imbalanced = imbalanced_partitions(partitions, _opts.leader_imbalance_per_broker_percentage);
  std::vector<topic_partition> candidates;
  for (const auto& [broker, tps] : imbalanced) {
    for (const auto& tp : tps) {
      if (_ctx.reassigning.count(tp) > 0) continue;
      auto lead = _ctx.leadership.find(tp);
      if (lead == _ctx.leadership.end()) continue;
      const auto& isr = lead->second.state.isr;
      // The preferred replica can lead: live, not shutting down, in the ISR.
      if (!_ctx.is_live(broker) || std::find(isr.begin(), isr.end(), broker) == isr.end()) continue;
      candidates.push_back(tp);
    }
  }
  if (!candidates.empty()) {
    std::vector<int32_t> brokers;
    for (const auto& [broker, tps] : imbalanced) brokers.push_back(broker);
    _log->info("{}leader imbalance over {}% on broker(s) [{}]: moving {} partition(s) back to their preferred leader",
               state_prefix(), _opts.leader_imbalance_per_broker_percentage, fmt::join(brokers, ","),
               candidates.size());
    co_await replica_election(candidates, election_type::preferred, election_trigger::auto_rebalance);
  }
  schedule_auto_rebalance(_opts.leader_imbalance_check_interval);
}

} // namespace gregor::controller
