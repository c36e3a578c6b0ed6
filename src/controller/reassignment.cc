// Partition reassignment (ZOOKEEPER-LAYOUT §5, Kafka's KIP-455 controller steps), from
// /admin/reassign_partitions (kafka-reassign-partitions --execute) and from
// AlterPartitionReassignments; resumed on failover from both that znode and the topic znodes'
// adding/removing replicas.
//
// ORS = original replicas, TRS = target, RS = TRS + ORS, AR = TRS - ORS, RR = ORS - TRS.
//   U1  the topic znode gets RS, AR, RR (and the context too); replicas a previous, unfinished
//       reassignment was adding and this one drops are stopped and deleted.
//   While TRS is not a subset of the ISR:
//   A1  leader epoch + 1, LeaderAndIsr (with RS, AR, RR) to every replica in RS;
//   A2  the AR replicas become NewReplica (LeaderAndIsr to them: they start following).
//   Once TRS is a subset of the ISR (checked now, on ISR change notifications, when a target
//   broker starts, and on failover):
//   B1  AR replicas Online;  B2  RS = TRS in memory;
//   B3  a new leader from TRS if the leader is not in TRS (or is down), else leader epoch + 1;
//       LeaderAndIsr to TRS;
//   B4  RR replicas Offline (out of the ISR, StopReplica);  B5  RR replicas deleted
//       (StopReplica delete=true) and forgotten;
//   B6  the topic znode gets RS = TRS and no AR/RR;
//   B7  the partition leaves /admin/reassign_partitions (deleted when empty);
//   B8  UpdateMetadata to every broker.
// A topic's deletion waits while any of its partitions is being reassigned.

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "election.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

namespace {

bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

} // namespace

// ---- requests: ZooKeeper and the admin API ----

asio::awaitable<void> controller::impl::process(ev_zk_reassignment&) {
  if (!active()) co_return;
  std::string path = zk::paths::reassign_partitions();
  event again = ev_zk_reassignment{};
  bool exists = co_await watch_exists(std::move(path), std::move(again));
  if (!exists) co_return;
  auto got = co_await _zk.get_partition_reassignment();
  if (!got) {
    if (got.error() == zk::zk_errc::bad_data) {
      co_await delete_unreadable_reassignment();
    } else {
      _log->warn("cannot read /admin/reassign_partitions: {}", got.error().message());
    }
    co_return;
  }
  if (!*got) co_return;
  const auto requested = (*got)->value;
  const auto live = _ctx.live_ids();
  std::map<topic_partition, replica_assignment> to_reassign;
  std::set<topic_partition> refused;
  for (const auto& [tp, target] : requested) {
    auto next = zk_reassignment_target(tp, target, live);
    if (!next) {
      refused.insert(tp);
      continue;
    }
    // Our own rewrite of the znode fires this watch again: a reassignment already under way with
    // the same target is left alone instead of being restarted.
    if (_ctx.reassigning.count(tp) > 0 && *next == _ctx.full_assignment(tp)) continue;
    to_reassign[tp] = *next;
  }
  auto results = co_await trigger_reassignments(to_reassign);
  for (const auto& [tp, o] : results) {
    if (o.error != protocol::error_code::none) refused.insert(tp);
  }
  if (!refused.empty()) co_await remove_from_zk_reassignment(refused);
}

asio::awaitable<void> controller::impl::process(ev_alter_reassignments& ev) {
  alter_reassignments_reply reply;
  if (!active()) {
    reply.error = protocol::error_code::not_controller;
    ev.reply->set(std::move(reply));
    co_return;
  }
  const auto live = _ctx.live_ids();
  std::map<topic_partition, replica_assignment> to_reassign;
  for (const auto& [tp, target] : ev.targets) {
    if (_ctx.replicas_of(tp) == nullptr || _ctx.queued_for_deletion(tp.topic)) {
      reply.partitions[tp] = outcome(protocol::error_code::unknown_topic_or_partition, "The partition does not exist.");
      continue;
    }
    auto current = _ctx.full_assignment(tp);
    if (!target) {
      if (!current.being_reassigned()) {
        reply.partitions[tp] = outcome(protocol::error_code::no_reassignment_in_progress,
                                       "No reassignment is in progress for this partition.");
        continue;
      }
      to_reassign[tp] = current.reassign_to(current.origin());  // cancel: back to the original replicas
      continue;
    }
    if (auto why = invalid_target(current, *target, live)) {
      reply.partitions[tp] = outcome(protocol::error_code::invalid_replica_assignment, *why);
      continue;
    }
    to_reassign[tp] = current.reassign_to(*target);
  }
  // The latest request wins over one made through ZooKeeper for the same partition.
  std::set<topic_partition> superseded;
  for (const auto& [tp, a] : to_reassign) superseded.insert(tp);
  if (!superseded.empty()) co_await remove_from_zk_reassignment(superseded);
  auto results = co_await trigger_reassignments(to_reassign);
  for (auto& [tp, o] : results) reply.partitions[tp] = std::move(o);
  ev.reply->set(std::move(reply));
}

asio::awaitable<void> controller::impl::process(ev_list_reassignments& ev) {
  list_reassignments_reply reply;
  if (!active()) {
    reply.error = protocol::error_code::not_controller;
    ev.reply->set(std::move(reply));
    co_return;
  }
  std::vector<topic_partition> tps;
  if (ev.partitions) {
    tps = *ev.partitions;
  } else {
    tps.assign(_ctx.reassigning.begin(), _ctx.reassigning.end());
  }
  for (const auto& tp : tps) {
    auto a = _ctx.full_assignment(tp);
    if (!a.being_reassigned()) continue;
    reply.partitions[tp] = ongoing_reassignment{a.replicas, a.adding, a.removing};
  }
  ev.reply->set(std::move(reply));
}

// ---- the steps ----

asio::awaitable<std::map<topic_partition, election_outcome>> controller::impl::trigger_reassignments(
    const std::map<topic_partition, replica_assignment>& reassignments) {
  std::map<topic_partition, election_outcome> out;
  for (const auto& [tp, a] : reassignments) {
    if (_ctx.queued_for_deletion(tp.topic) || _ctx.replicas_of(tp) == nullptr) {
      out[tp] = outcome(protocol::error_code::unknown_topic_or_partition, "The partition does not exist.");
      continue;
    }
    co_await on_partition_reassignment(tp, a);
    out[tp] = outcome(protocol::error_code::none);
  }
  co_return out;
}

asio::awaitable<void> controller::impl::on_partition_reassignment(const topic_partition& tp,
                                                                  const replica_assignment& target) {
  std::set<std::string> topic{tp.topic};
  mark_deletion_ineligible(topic, "topic reassignment in progress");

  // U1/U2.
  auto current = _ctx.full_assignment(tp);
  if (current != target) {
    _log->info("{}reassigning {}: replicas [{}] -> [{}] (adding [{}], removing [{}])", state_prefix(), tp.to_string(),
               fmt::join(current.replicas, ","), fmt::join(target.replicas, ","), fmt::join(target.adding, ","),
               fmt::join(target.removing, ","));
    _ctx.set_full_assignment(tp, target);
    co_await write_topic_assignment(tp.topic);
    std::vector<int32_t> unneeded;
    for (int32_t r : current.replicas) {
      if (!contains(target.replicas, r)) unneeded.push_back(r);
    }
    if (!unneeded.empty()) co_await stop_removed_replicas(tp, unneeded);
  }
  _ctx.reassigning.insert(tp);

  // The ISR as ZooKeeper has it now (a leader may have changed it since we last looked).
  auto st = co_await _zk.get_partition_state(tp.topic, tp.partition);
  if (st && *st) {
    auto known = _ctx.leadership.find(tp);
    if (known == _ctx.leadership.end() || (*st)->zk_version > known->second.zk_version) {
      _ctx.leadership[tp] = partition_record{(*st)->value, (*st)->zk_version};
    }
  }
  auto lead = _ctx.leadership.find(tp);
  bool complete = lead != _ctx.leadership.end() && reassignment_complete(target, lead->second.state.isr);

  if (!complete) {
    // A1, A2.
    co_await update_leader_epoch_and_send(tp, target.replicas);
    std::vector<partition_replica> starting;
    for (int32_t r : target.adding) {
      partition_replica pr{tp, r};
      if (_ctx.replica_state(pr) == replica_state_kind::non_existent) starting.push_back(pr);
    }
    co_await handle_replica_changes(starting, replica_state_kind::new_replica);
    co_return;
  }

  // B1.
  std::vector<partition_replica> fresh, added;
  for (int32_t r : target.adding) {
    partition_replica pr{tp, r};
    if (_ctx.replica_state(pr) == replica_state_kind::non_existent) fresh.push_back(pr);
    added.push_back(pr);
  }
  co_await handle_replica_changes(fresh, replica_state_kind::new_replica);
  co_await handle_replica_changes(added, replica_state_kind::online);
  // B2.
  replica_assignment completed;
  completed.replicas = target.target();
  _ctx.set_full_assignment(tp, completed);
  // B3.
  lead = _ctx.leadership.find(tp);
  int32_t leader = lead == _ctx.leadership.end() ? -1 : lead->second.state.leader;
  if (contains(completed.replicas, leader) && _ctx.is_live(leader)) {
    co_await update_leader_epoch_and_send(tp, completed.replicas);
  } else {
    std::vector<topic_partition> one{tp};
    co_await handle_partition_changes(one, partition_state_kind::online, election_strategy::reassignment);
  }
  // B4, B5.
  co_await stop_removed_replicas(tp, target.removing);
  // B6.
  co_await write_topic_assignment(tp.topic);
  // B7.
  _ctx.reassigning.erase(tp);
  std::set<topic_partition> done{tp};
  co_await remove_from_zk_reassignment(done);
  // B8.
  add_update_metadata_to_all({tp});
  _log->info("{}reassignment of {} completed: replicas [{}]", state_prefix(), tp.to_string(),
             fmt::join(completed.replicas, ","));
  bool topic_still_moving = false;
  for (const auto& other : _ctx.reassigning) topic_still_moving = topic_still_moving || other.topic == tp.topic;
  if (!topic_still_moving) co_await resume_deletion_for(topic);
}

asio::awaitable<void> controller::impl::maybe_complete_reassignment(const topic_partition& tp) {
  if (_ctx.reassigning.count(tp) == 0) co_return;
  auto a = _ctx.full_assignment(tp);
  auto lead = _ctx.leadership.find(tp);
  if (lead == _ctx.leadership.end() || !reassignment_complete(a, lead->second.state.isr)) co_return;
  co_await on_partition_reassignment(tp, a);
}

asio::awaitable<void> controller::impl::resume_reassignments_on(const std::set<int32_t>& new_brokers) {
  const std::vector<topic_partition> moving(_ctx.reassigning.begin(), _ctx.reassigning.end());
  for (const auto& tp : moving) {
    if (_ctx.reassigning.count(tp) == 0) continue;
    auto a = _ctx.full_assignment(tp);
    bool touches = false;
    for (int32_t r : a.target()) touches = touches || new_brokers.count(r) > 0;
    if (touches) co_await on_partition_reassignment(tp, a);
  }
}

asio::awaitable<void> controller::impl::init_reassignments() {
  std::map<topic_partition, replica_assignment> pending;
  for (const auto& tp : _ctx.reassigning) pending[tp] = _ctx.full_assignment(tp);
  std::set<topic_partition> refused;
  auto got = co_await _zk.get_partition_reassignment();
  if (!got && got.error() == zk::zk_errc::bad_data) {
    co_await delete_unreadable_reassignment();
  } else if (got && *got) {
    const auto live = _ctx.live_ids();
    for (const auto& [tp, target] : (*got)->value) {
      auto next = zk_reassignment_target(tp, target, live);
      if (next) {
        pending[tp] = *next;
      } else {
        refused.insert(tp);
      }
    }
  }
  if (!pending.empty()) _log->info("{}resuming {} partition reassignment(s)", state_prefix(), pending.size());
  auto results = co_await trigger_reassignments(pending);
  for (const auto& [tp, o] : results) {
    if (o.error != protocol::error_code::none) refused.insert(tp);
  }
  if (!refused.empty()) co_await remove_from_zk_reassignment(refused);
}

asio::awaitable<bool> controller::impl::update_leader_epoch_and_send(const topic_partition& tp,
                                                                     const std::vector<int32_t>& recipients) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto lead = _ctx.leadership.find(tp);
    if (lead == _ctx.leadership.end()) break;
    auto next = bump_leader_epoch_for_replicas(lead->second.state, recipients, claim_epoch());
    auto written = co_await write_state(tp, next);
    if (written == write_result::conflict) continue;
    if (written == write_result::failed) break;
    const auto& rec = _ctx.leadership[tp];
    _state_log->info("{}Updated leader epoch of partition {} for its new replica set: {}", state_prefix(),
                     tp.to_string(), describe(rec.state, rec.zk_version));
    add_leader_and_isr(recipients, tp);
    co_return true;
  }
  _state_log->error("{}Failed to send LeaderAndIsr with the new replica set of partition {}: its leader epoch "
                    "could not be updated",
                    state_prefix(), tp.to_string());
  co_return false;
}

asio::awaitable<void> controller::impl::stop_removed_replicas(const topic_partition& tp,
                                                              const std::vector<int32_t>& removed) {
  if (removed.empty()) co_return;
  std::vector<partition_replica> replicas;
  for (int32_t r : removed) replicas.push_back({tp, r});
  co_await handle_replica_changes(replicas, replica_state_kind::offline);
  co_await handle_replica_changes(replicas, replica_state_kind::deletion_started);
  co_await handle_replica_changes(replicas, replica_state_kind::deletion_successful);
  co_await handle_replica_changes(replicas, replica_state_kind::non_existent);
}

asio::awaitable<void> controller::impl::write_topic_assignment(const std::string& topic) {
  auto t = _ctx.topics.find(topic);
  if (t == _ctx.topics.end()) co_return;
  auto claim = *_claim;
  zk::topic_assignment a = t->second.assignment;
  std::string name = topic;
  auto v = co_await _zk.set_topic_assignment(std::move(name), std::move(a), claim, -1);
  if (!v) {
    fail_on_moved(v.error(), "writing the assignment of " + topic);
    co_return;
  }
  if (auto again = _ctx.topics.find(topic); again != _ctx.topics.end()) again->second.zk_version = *v;
}

std::optional<replica_assignment> controller::impl::zk_reassignment_target(const topic_partition& tp,
                                                                          const std::vector<int32_t>& target,
                                                                          const std::set<int32_t>& live) {
  if (_ctx.replicas_of(tp) == nullptr || _ctx.queued_for_deletion(tp.topic)) {
    _log->warn("{}reassignment of {} refused: the partition does not exist", state_prefix(), tp.to_string());
    return std::nullopt;
  }
  auto current = _ctx.full_assignment(tp);
  if (auto why = invalid_target(current, target, live)) {
    _log->warn("{}reassignment of {} refused: {}", state_prefix(), tp.to_string(), *why);
    return std::nullopt;
  }
  return current.reassign_to(target);
}

asio::awaitable<void> controller::impl::delete_unreadable_reassignment() {
    _log->error("{}/admin/reassign_partitions cannot be read; deleting it", state_prefix());
    auto claim = *_claim;
    std::map<topic_partition, std::vector<int32_t>> none;
    auto r = co_await _zk.set_partition_reassignment(claim, std::move(none), -1);
    if (!r) fail_on_moved(r.error(), "deleting /admin/reassign_partitions");
}

asio::awaitable<void> controller::impl::remove_from_zk_reassignment(const std::set<topic_partition>& drop) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto got = co_await _zk.get_partition_reassignment();
    if (!got || !*got) co_return;  // absent (or unreadable: the watch handler deletes it)
    auto remaining = (*got)->value;
    size_t before = remaining.size();
    for (const auto& tp : drop) remaining.erase(tp);
    if (remaining.size() == before) co_return;
    auto claim = *_claim;
    const int32_t version = (*got)->zk_version;
    auto r = co_await _zk.set_partition_reassignment(claim, std::move(remaining), version);
    if (r) co_return;
    if (r.error() != zk::zk_errc::bad_version) {
      fail_on_moved(r.error(), "updating /admin/reassign_partitions");
      co_return;
    }
  }
}

} // namespace gregor::controller
