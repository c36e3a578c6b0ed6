// The partition state machine (Kafka's ZkPartitionStateMachine): the states and valid
// transitions are drawn in state_machine.h. Moving a partition to OnlinePartition either creates
// its state znode (from NewPartition) or elects a leader (from Online/OfflinePartition) with one
// of the strategies of election.h; every written state also queues LeaderAndIsr to the
// partition's replicas and UpdateMetadata to every broker.

#include <algorithm>
#include <string_view>

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "election.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

namespace {

std::string_view strategy_name(election_strategy s) {
  switch (s) {
    case election_strategy::offline: return "OfflinePartitionLeaderElectionStrategy(allowUnclean=false)";
    case election_strategy::offline_allow_unclean: return "OfflinePartitionLeaderElectionStrategy(allowUnclean=true)";
    case election_strategy::reassignment: return "ReassignPartitionLeaderElectionStrategy";
    case election_strategy::preferred: return "PreferredReplicaPartitionLeaderElectionStrategy";
    case election_strategy::controlled_shutdown: return "ControlledShutdownPartitionLeaderElectionStrategy";
  }
  return "UnknownElectionStrategy";
}

} // namespace

void controller::impl::set_partition_state(const topic_partition& tp, partition_state_kind to, const std::string& detail) {
  auto from = _ctx.partition_state(tp);
  if (to == partition_state_kind::non_existent) {
    _ctx.partition_states.erase(tp);
  } else {
    _ctx.partition_states[tp] = to;
  }
  _state_log->info("{}Changed partition {} from {} to {}{}{}", state_prefix(), tp.to_string(), to_string(from),
                   to_string(to), detail.empty() ? "" : " ", detail);
}

asio::awaitable<std::map<topic_partition, protocol::error_code>> controller::impl::handle_partition_changes(
    const std::vector<topic_partition>& tps, partition_state_kind target, election_strategy strategy) {
  std::map<topic_partition, protocol::error_code> out;
  std::vector<topic_partition> valid;
  for (const auto& tp : tps) {
    auto from = _ctx.partition_state(tp);
    if (!valid_transition(from, target)) {
      _state_log->error("{}Failed to change state of partition {} from {} to {}: not a valid transition",
                        state_prefix(), tp.to_string(), to_string(from), to_string(target));
      out[tp] = protocol::error_code::unknown_server_error;
      continue;
    }
    valid.push_back(tp);
  }
  switch (target) {
    case partition_state_kind::new_partition:
      for (const auto& tp : valid) {
        const auto* replicas = _ctx.replicas_of(tp);
        std::string detail = replicas ? fmt::format("with assigned replicas [{}]", fmt::join(*replicas, ",")) : "";
        set_partition_state(tp, target, detail);
        out[tp] = protocol::error_code::none;
      }
      break;
    case partition_state_kind::online: {
      std::vector<topic_partition> uninitialized, to_elect;
      for (const auto& tp : valid) {
        (_ctx.partition_state(tp) == partition_state_kind::new_partition ? uninitialized : to_elect).push_back(tp);
      }
      if (!uninitialized.empty()) {
        auto done = co_await initialize_partitions(uninitialized);
        std::set<topic_partition> ok(done.begin(), done.end());
        for (const auto& tp : uninitialized) {
          out[tp] = ok.count(tp) > 0 ? protocol::error_code::none : protocol::error_code::eligible_leaders_not_available;
        }
      }
      if (!to_elect.empty()) {
        auto elected = co_await elect_leaders_for(to_elect, strategy);
        out.insert(elected.begin(), elected.end());
      }
      break;
    }
    case partition_state_kind::offline:
    case partition_state_kind::non_existent:
      for (const auto& tp : valid) {
        set_partition_state(tp, target);
        out[tp] = protocol::error_code::none;
      }
      break;
  }
  co_return out;
}

asio::awaitable<void> controller::impl::trigger_online_partitions() {
  std::vector<topic_partition> tps;
  for (const auto& [tp, s] : _ctx.partition_states) {
    if ((s == partition_state_kind::new_partition || s == partition_state_kind::offline) &&
        !_ctx.queued_for_deletion(tp.topic)) {
      tps.push_back(tp);
    }
  }
  if (tps.empty()) co_return;
  co_await handle_partition_changes(tps, partition_state_kind::online, election_strategy::offline);
}

// NewPartition -> OnlinePartition: the state znode is created with leader = first live replica and
// ISR = the live replicas; LeaderAndIsr(isNew) to them. A state znode that already exists (a
// previous controller created it before failing) is adopted as it is.
asio::awaitable<std::vector<topic_partition>> controller::impl::initialize_partitions(
    const std::vector<topic_partition>& tps) {
  std::vector<topic_partition> done;
  const auto live = _ctx.live_ids();
  for (const auto& tp : tps) {
    const auto* replicas = _ctx.replicas_of(tp);
    if (replicas == nullptr) continue;
    const std::vector<int32_t> assigned = *replicas;
    auto s = initial_state(assigned, live, claim_epoch());
    if (!s) {
      _state_log->error("{}Failed to change state of partition {} from NewPartition to OnlinePartition: "
                        "none of its replicas [{}] is alive",
                        state_prefix(), tp.to_string(), fmt::join(assigned, ","));
      continue;
    }
    auto claim = *_claim;
    auto v = co_await _zk.create_partition_state(claim, tp.topic, tp.partition, *s);
    if (!v) {
      if (v.error() != zk::zk_errc::node_exists) {
        fail_on_moved(v.error(), "creating the state of " + tp.to_string());
        continue;
      }
      auto existing = co_await _zk.get_partition_state(tp.topic, tp.partition);
      if (!existing || !*existing) continue;
      _ctx.leadership[tp] = partition_record{(*existing)->value, (*existing)->zk_version};
      if (!_ctx.has_live_leader(tp)) {
        set_partition_state(tp, partition_state_kind::offline, "(state znode already existed without a live leader)");
        continue;
      }
      *s = (*existing)->value;
    } else {
      _ctx.leadership[tp] = partition_record{*s, *v};
    }
    const auto& rec = _ctx.leadership[tp];
    set_partition_state(tp, partition_state_kind::online, "with state " + describe(rec.state, rec.zk_version));
    std::vector<int32_t> recipients;
    for (int32_t r : assigned) {
      if (live.count(r) > 0) recipients.push_back(r);
    }
    add_leader_and_isr(recipients, tp, /*is_new=*/true);
    done.push_back(tp);
  }
  co_return done;
}

// unclean.leader.election.enable as a topic sees it: the topic's override, else the dynamic broker
// config (this broker's, then the cluster default), else the static one. Read at each election,
// so a change applies from the next one without a restart. No when a layer cannot be read.
asio::awaitable<bool> controller::impl::unclean_allowed(const std::string& topic) {
  static constexpr std::string_view key = "unclean.leader.election.enable";
  const std::vector<std::pair<std::string, std::string>> layers = {
      {"topics", topic}, {"brokers", std::to_string(_opts.broker_id)}, {"brokers", "<default>"}};
  for (const auto& layer : layers) {
    std::string entity_type = layer.first;
    std::string entity_name = layer.second;
    auto cfg = co_await _zk.get_entity_config(std::move(entity_type), std::move(entity_name));
    if (!cfg) {
      // An unreadable layer could hold `false` over a `true` below it: losing data needs a yes
      // we can read. (A missing config znode is an empty map, not an error.)
      _log->warn("{}cannot read /config/{}/{} ({}); no unclean election for {} this time", state_prefix(),
                 layer.first, layer.second, cfg.error().message(), topic);
      co_return false;
    }
    auto it = cfg->find(std::string(key));
    if (it != cfg->end()) co_return it->second == "true";
  }
  co_return _opts.unclean_leader_election;
}

asio::awaitable<std::map<topic_partition, protocol::error_code>> controller::impl::elect_leaders_for(
    const std::vector<topic_partition>& tps, election_strategy strategy) {
  std::map<topic_partition, protocol::error_code> out;
  const auto no_leader = strategy == election_strategy::preferred ? protocol::error_code::preferred_leader_not_available
                                                                  : protocol::error_code::eligible_leaders_not_available;
  for (const auto& tp : tps) {
    const auto* assigned = _ctx.replicas_of(tp);
    if (assigned == nullptr || _ctx.leadership.count(tp) == 0) {
      out[tp] = no_leader;
      continue;
    }
    const std::vector<int32_t> replicas = *assigned;
    out[tp] = protocol::error_code::unknown_server_error;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto current = _ctx.leadership[tp].state;
      const auto live = _ctx.live_ids();
      std::optional<zk::partition_state> next;
      switch (strategy) {
        case election_strategy::offline:
          next = elect_offline(replicas, current, live, false, claim_epoch());
          if (!next) {
            bool unclean = co_await unclean_allowed(tp.topic);
            if (unclean) next = elect_offline(replicas, current, live, true, claim_epoch());
          }
          break;
        case election_strategy::offline_allow_unclean:
          next = elect_offline(replicas, current, live, true, claim_epoch());
          break;
        case election_strategy::reassignment: {
          auto target = _ctx.full_assignment(tp).target();
          next = elect_reassignment(target, current, live, claim_epoch());
          break;
        }
        case election_strategy::preferred:
          next = elect_preferred(replicas, current, live, claim_epoch());
          break;
        case election_strategy::controlled_shutdown:
          next = elect_controlled_shutdown(replicas, current, _ctx.live_or_shutting_down_ids(), _ctx.shutting_down,
                                           claim_epoch());
          break;
      }
      if (!next) {
        _state_log->error("{}Failed to elect a leader for partition {} under {}: no eligible replica among [{}] "
                          "(isr [{}], live brokers [{}])",
                          state_prefix(), tp.to_string(), strategy_name(strategy), fmt::join(replicas, ","),
                          fmt::join(current.isr, ","), fmt::join(live, ","));
        out[tp] = no_leader;
        break;
      }
      auto from = _ctx.partition_state(tp);
      auto written = co_await write_state(tp, *next);
      if (written == write_result::conflict) continue;  // decide again on the state just read
      if (written == write_result::failed) break;
      const auto& rec = _ctx.leadership[tp];
      _ctx.partition_states[tp] = partition_state_kind::online;
      _state_log->info("{}Changed partition {} from {} to OnlinePartition with state {} ({})", state_prefix(),
                       tp.to_string(), to_string(from), describe(rec.state, rec.zk_version), strategy_name(strategy));
      if (std::find(current.isr.begin(), current.isr.end(), rec.state.leader) == current.isr.end()) {
        // An unclean election: the new leader was not in sync, so whatever the old ISR acknowledged
        // beyond its log is gone, and the other replicas truncate to it.
        // The dead leader may already have been cleared (-1) when its broker failed; the ISR then
        // still names the last replica that led (the ISR is never emptied).
        const std::string previous =
            current.leader >= 0 ? fmt::format("previous leader {} at leader epoch {}", current.leader, current.leader_epoch)
                                : fmt::format("no leader since leader epoch {}", current.leader_epoch);
        const std::string loss = fmt::format(
            "{}Unclean leader election for partition {}: replica {} was elected leader though it is not in the "
            "ISR [{}] ({}); records acknowledged by that ISR and not copied to replica {} may be lost. New state {}",
            state_prefix(), tp.to_string(), rec.state.leader, fmt::join(current.isr, ","), previous,
            rec.state.leader, describe(rec.state, rec.zk_version));
        _log->warn("{}", loss);
        _state_log->warn("{}", loss);
      }
      // Kafka's recipients: the live replicas after an offline election, the live or shutting-down
      // ones after a controlled-shutdown election, every assigned replica otherwise (requests to
      // brokers that are down are dropped when the batch is sent).
      std::vector<int32_t> recipients;
      for (int32_t r : replicas) {
        bool send = true;
        if (strategy == election_strategy::offline || strategy == election_strategy::offline_allow_unclean) {
          send = _ctx.is_live(r);
        } else if (strategy == election_strategy::controlled_shutdown) {
          send = _ctx.is_live_or_shutting_down(r);
        }
        if (send) recipients.push_back(r);
      }
      add_leader_and_isr(recipients, tp);
      out[tp] = protocol::error_code::none;
      break;
    }
  }
  co_return out;
}

asio::awaitable<controller::impl::write_result> controller::impl::write_state(const topic_partition& tp,
                                                                              const zk::partition_state& s) {
  auto it = _ctx.leadership.find(tp);
  if (it == _ctx.leadership.end()) co_return write_result::failed;
  const int32_t expected = it->second.zk_version;
  auto claim = *_claim;
  auto v = co_await _zk.update_partition_state(claim, tp.topic, tp.partition, s, expected);
  if (!v) {
    if (v.error() != zk::zk_errc::bad_version) {
      fail_on_moved(v.error(), "updating the state of " + tp.to_string());
      co_return write_result::failed;
    }
    auto existing = co_await _zk.get_partition_state(tp.topic, tp.partition);
    if (!existing || !*existing) co_return write_result::failed;
    if ((*existing)->value.controller_epoch > claim.epoch) throw controller_moved{};
    _ctx.leadership[tp] = partition_record{(*existing)->value, (*existing)->zk_version};
    co_return write_result::conflict;
  }
  _ctx.leadership[tp] = partition_record{s, *v};
  co_return write_result::written;
}

} // namespace gregor::controller
