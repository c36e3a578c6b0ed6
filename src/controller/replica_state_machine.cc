// The replica state machine (Kafka's ZkReplicaStateMachine): the states and valid transitions are
// drawn in state_machine.h. What each target state does:
//   NewReplica        LeaderAndIsr with the partition's state to the new replica (never the leader)
//   OnlineReplica     LeaderAndIsr with the partition's state to the replica (none when coming from
//                     NewReplica: it already had one)
//   OfflineReplica    StopReplica(delete=false) to it; it leaves the ISR (leader -1 if it led;
//                     leader epoch + 1) and the partition's other replicas get LeaderAndIsr
//   ReplicaDeletionStarted     StopReplica(delete=true) to it
//   ReplicaDeletionSuccessful, ReplicaDeletionIneligible   bookkeeping only
//   NonExistentReplica         removed from the partition's replica set in memory

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "election.h"

namespace gregor::controller {

void controller::impl::set_replica_state(const partition_replica& r, replica_state_kind to) {
  auto from = _ctx.replica_state(r);
  if (to == replica_state_kind::non_existent) {
    _ctx.replica_states.erase(r);
  } else {
    _ctx.replica_states[r] = to;
  }
  _state_log->info("{}Changed state of replica {} for partition {} from {} to {}", state_prefix(), r.broker,
                   r.tp.to_string(), to_string(from), to_string(to));
}

asio::awaitable<void> controller::impl::handle_replica_changes(const std::vector<partition_replica>& replicas,
                                                               replica_state_kind target) {
  std::vector<partition_replica> valid;
  for (const auto& r : replicas) {
    auto from = _ctx.replica_state(r);
    if (!valid_transition(from, target)) {
      _state_log->error("{}Failed to change state of replica {} for partition {} from {} to {}: not a valid transition",
                        state_prefix(), r.broker, r.tp.to_string(), to_string(from), to_string(target));
      continue;
    }
    valid.push_back(r);
  }
  if (valid.empty()) co_return;

  switch (target) {
    case replica_state_kind::new_replica:
      for (const auto& r : valid) {
        auto lead = _ctx.leadership.find(r.tp);
        if (lead != _ctx.leadership.end()) {
          if (lead->second.state.leader == r.broker) {
            _state_log->error("{}Replica {} for partition {} cannot be moved to NewReplica: it is the leader",
                              state_prefix(), r.broker, r.tp.to_string());
            continue;
          }
          add_leader_and_isr({r.broker}, r.tp);
        }
        set_replica_state(r, target);
      }
      break;

    case replica_state_kind::online:
      for (const auto& r : valid) {
        if (_ctx.replica_state(r) == replica_state_kind::new_replica) {
          auto a = _ctx.full_assignment(r.tp);
          if (std::find(a.replicas.begin(), a.replicas.end(), r.broker) == a.replicas.end()) {
            a.replicas.push_back(r.broker);
            _ctx.set_full_assignment(r.tp, a);
          }
        } else if (_ctx.leadership.count(r.tp) > 0) {
          add_leader_and_isr({r.broker}, r.tp);
        }
        set_replica_state(r, target);
      }
      break;

    case replica_state_kind::offline: {
      std::map<int32_t, std::vector<topic_partition>> with_leadership;
      for (const auto& r : valid) {
        add_stop_replica(r.broker, r.tp, /*delete_partition=*/false);
        if (_ctx.queued_for_deletion(r.tp.topic)) continue;  // going away: its ISR no longer matters
        if (_ctx.leadership.count(r.tp) > 0) {
          with_leadership[r.broker].push_back(r.tp);
        } else {
          add_update_metadata_to_all({r.tp});
        }
      }
      for (const auto& [broker, tps] : with_leadership) {
        auto updated = co_await remove_replica_from_isr(broker, tps);
        for (const auto& tp : updated) {
          std::vector<int32_t> others;
          for (int32_t x : *_ctx.replicas_of(tp)) {
            if (x != broker) others.push_back(x);
          }
          add_leader_and_isr(others, tp);
        }
      }
      for (const auto& r : valid) set_replica_state(r, target);
      break;
    }

    case replica_state_kind::deletion_started:
      for (const auto& r : valid) {
        add_stop_replica(r.broker, r.tp, /*delete_partition=*/true);
        set_replica_state(r, target);
      }
      break;

    case replica_state_kind::deletion_successful:
    case replica_state_kind::deletion_ineligible:
      for (const auto& r : valid) set_replica_state(r, target);
      break;

    case replica_state_kind::non_existent:
      for (const auto& r : valid) {
        auto a = _ctx.full_assignment(r.tp);
        a.replicas.erase(std::remove(a.replicas.begin(), a.replicas.end(), r.broker), a.replicas.end());
        _ctx.set_full_assignment(r.tp, a);
        set_replica_state(r, target);
      }
      break;
  }
}

asio::awaitable<std::vector<topic_partition>> controller::impl::remove_replica_from_isr(
    int32_t broker, const std::vector<topic_partition>& tps) {
  std::vector<topic_partition> updated;
  for (const auto& tp : tps) {
    // Leaders write ISR changes themselves and the controller hears of them only through the
    // batched notifications: read the current state first, as Kafka's doRemoveReplicasFromIsr does,
    // or a follower the leader just added would stay in the ISR.
    const std::string topic = tp.topic;
    auto fresh = co_await _zk.get_partition_state(topic, tp.partition);
    if (fresh && *fresh && _ctx.leadership.count(tp) != 0) {
      if ((*fresh)->value.controller_epoch > claim_epoch()) throw controller_moved{};
      _ctx.leadership[tp] = partition_record{(*fresh)->value, (*fresh)->zk_version};
    }
    bool conflicted = false;
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto lead = _ctx.leadership.find(tp);
      if (lead == _ctx.leadership.end()) break;
      auto next = remove_from_isr(lead->second.state, broker, claim_epoch());
      if (!next && conflicted && _ctx.is_live(lead->second.state.leader)) {
        // Someone else took it out of the ISR meanwhile without a new leader epoch (the broker
        // itself, restarting after an unclean shutdown). The leader still holds the old zkVersion
        // and could never write its ISR again: a new epoch brings it the current state.
        next = bump_leader_epoch(lead->second.state, claim_epoch());
      }
      if (!next) break;  // not in the ISR
      auto written = co_await write_state(tp, *next);
      if (written == write_result::conflict) {
        conflicted = true;
        continue;
      }
      if (written == write_result::written) {
        const auto& rec = _ctx.leadership[tp];
        _state_log->info("{}Removed replica {} from the ISR of partition {}: {}", state_prefix(), broker,
                         tp.to_string(), describe(rec.state, rec.zk_version));
        updated.push_back(tp);
      }
      break;
    }
  }
  co_return updated;
}

} // namespace gregor::controller
