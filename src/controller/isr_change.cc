// ISR change notifications (Kafka's processIsrChangeNotification): partition leaders that change
// an ISR themselves write the state znode and then list the partitions in an
// /isr_change_notification/isr_change_<seq> node. The controller re-reads those states, tells
// every broker (UpdateMetadata) and each live leader (LeaderAndIsr, see below), checks whether a reassignment waiting for its new replicas to
// join the ISR has completed, and deletes the notifications it processed.
//
// A broker restarting after an unclean shutdown also writes states and notifies: it leaves the
// ISRs and, where it led, sets the leader to -1 (app/unclean_shutdown.h). A re-read state without
// a live leader therefore makes its partition Offline and goes through the offline election, so
// the remaining ISR takes over without waiting for the next broker change.

#include "controller_impl.h"

namespace gregor::controller {

asio::awaitable<void> controller::impl::delete_pending_isr_notifications() {
  auto names = co_await _zk.list_isr_change_notifications();
  if (!names || names->empty()) co_return;
  auto claim = *_claim;
  std::vector<std::string> pending = *names;
  auto r = co_await _zk.delete_isr_change_notifications(claim, std::move(pending));
  if (!r) fail_on_moved(r.error(), "deleting pending ISR change notifications");
}

asio::awaitable<void> controller::impl::process(ev_isr_change_notification&) {
  if (!active()) co_return;
  auto names = co_await watch_isr_changes();
  if (!names || names->empty()) co_return;
  std::set<topic_partition> listed;
  for (const auto& n : *names) {
    auto got = co_await _zk.get_isr_change_notification(n);
    if (!got) {
      _log->warn("cannot read ISR change notification {}: {}", n, got.error().message());
      continue;
    }
    if (*got) listed.insert((*got)->begin(), (*got)->end());
  }
  std::vector<topic_partition> refreshed;
  for (const auto& tp : listed) {
    if (_ctx.replicas_of(tp) == nullptr) continue;
    auto st = co_await _zk.get_partition_state(tp.topic, tp.partition);
    if (!st || !*st) continue;
    _ctx.leadership[tp] = partition_record{(*st)->value, (*st)->zk_version};
    refreshed.push_back(tp);
  }
  if (!refreshed.empty()) {
    _log->info("{}ISR changes reported for [{}]", state_prefix(), names_of(refreshed));
    add_update_metadata_to_all(refreshed);
    // The state goes to each live leader too. Normally it is the leader's own write, and the
    // LeaderAndIsr changes nothing there; but when a restarted broker took itself out of the ISR
    // (same leader epoch), the leader still holds the older zkVersion and every ISR write of its
    // own would fail its compare-and-set until the next leader epoch. A leader applies a
    // same-epoch state unless its partition epoch is older than the one it has.
    for (const auto& tp : refreshed) {
      if (_ctx.queued_for_deletion(tp.topic) || !_ctx.has_live_leader(tp)) continue;
      add_leader_and_isr({_ctx.leadership[tp].state.leader}, tp);
    }
    for (const auto& tp : refreshed) {
      if (_ctx.reassigning.count(tp) > 0) co_await maybe_complete_reassignment(tp);
    }
    std::vector<topic_partition> leaderless;
    for (const auto& tp : refreshed) {
      if (_ctx.queued_for_deletion(tp.topic) || _ctx.has_live_leader(tp)) continue;
      if (_ctx.partition_state(tp) == partition_state_kind::online) leaderless.push_back(tp);
    }
    if (!leaderless.empty()) {
      _log->info("{}partitions [{}] have no live leader after an ISR change; electing", state_prefix(),
                 names_of(leaderless));
      co_await handle_partition_changes(leaderless, partition_state_kind::offline);
      co_await trigger_online_partitions();
    }
  }
  auto claim = *_claim;
  std::vector<std::string> processed = *names;
  auto r = co_await _zk.delete_isr_change_notifications(claim, std::move(processed));
  if (!r) fail_on_moved(r.error(), "deleting ISR change notifications");
}

} // namespace gregor::controller
