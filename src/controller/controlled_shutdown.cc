// ControlledShutdown (ZOOKEEPER-LAYOUT §7, Kafka's doControlledShutdown). The broker is marked
// shutting down (until it leaves /brokers/ids): no election picks it any more. For each partition
// with more than one replica that is not being deleted:
//   - it leads: controlled-shutdown election (first replica live, in the ISR and not shutting
//     down; ISR without the shutting-down brokers);
//   - it follows: StopReplica(delete=false) to it, and it leaves the ISR (leader epoch + 1,
//     LeaderAndIsr to the other replicas).
// The reply lists the partitions (RF > 1) it still leads; the broker retries until that is empty.

#include <fmt/ranges.h>

#include "controller_impl.h"

namespace gregor::controller {

asio::awaitable<void> controller::impl::process(ev_controlled_shutdown& ev) {
  controlled_shutdown_reply reply;
  if (!active()) {
    reply.error = protocol::error_code::not_controller;
    ev.reply->set(std::move(reply));
    co_return;
  }
  auto known = _ctx.live_brokers.find(ev.broker);
  if (known == _ctx.live_brokers.end()) {
    _log->info("{}controlled shutdown of broker {} refused: not registered", state_prefix(), ev.broker);
    reply.error = protocol::error_code::broker_not_available;
    ev.reply->set(std::move(reply));
    co_return;
  }
  // -1: a request version without broker epochs.
  if (ev.broker_epoch != -1 && ev.broker_epoch < known->second.broker_epoch) {
    _log->info("{}controlled shutdown of broker {} refused: broker epoch {} is older than {}", state_prefix(),
               ev.broker, ev.broker_epoch, known->second.broker_epoch);
    reply.error = protocol::error_code::stale_broker_epoch;
    ev.reply->set(std::move(reply));
    co_return;
  }
  _log->info("{}shutting down broker {}", state_prefix(), ev.broker);
  _ctx.shutting_down.insert(ev.broker);

  std::vector<topic_partition> led, followed;
  for (const auto& [tp, rec] : _ctx.leadership) {
    const auto* replicas = _ctx.replicas_of(tp);
    if (replicas == nullptr || replicas->size() <= 1 || _ctx.queued_for_deletion(tp.topic)) continue;
    if (std::find(replicas->begin(), replicas->end(), ev.broker) == replicas->end()) continue;
    (rec.state.leader == ev.broker ? led : followed).push_back(tp);
  }
  co_await handle_partition_changes(led, partition_state_kind::online, election_strategy::controlled_shutdown);
  std::vector<partition_replica> following;
  for (const auto& tp : followed) following.push_back({tp, ev.broker});
  // OfflineReplica sends the StopReplica(delete=false) and takes the broker out of the ISR.
  co_await handle_replica_changes(following, replica_state_kind::offline);

  for (const auto& [tp, rec] : _ctx.leadership) {
    const auto* replicas = _ctx.replicas_of(tp);
    if (rec.state.leader == ev.broker && replicas != nullptr && replicas->size() > 1 &&
        !_ctx.queued_for_deletion(tp.topic)) {
      reply.remaining.push_back(tp);
    }
  }
  _log->info("{}controlled shutdown of broker {}: {} partition(s) moved, {} still led by it", state_prefix(),
             ev.broker, led.size() - reply.remaining.size(), reply.remaining.size());
  ev.reply->set(std::move(reply));
}

} // namespace gregor::controller
