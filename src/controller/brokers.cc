// Brokers joining, leaving and bouncing (Kafka's processBrokerChange, onBrokerStartup,
// onBrokerFailure) and broker registration changes (processBrokerModification).
//
// A broker's epoch is the czxid of its /brokers/ids/<id> registration. The same id registered
// with a new czxid is a bounced broker: it is handled as dead, then as new.

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "gregor/common/bytes.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

namespace {

std::set<int32_t> parse_ids(const std::vector<std::string>& names) {
  std::set<int32_t> ids;
  for (const auto& n : names) {
    try {
      ids.insert(std::stoi(n));
    } catch (const std::exception&) {
      // not a broker id: ignored
    }
  }
  return ids;
}

const zk::endpoint* endpoint_on(const zk::registered_broker& b, const std::string& listener) {
  for (const auto& e : b.registration.endpoints) {
    if (e.listener_name == listener) return &e;
  }
  return nullptr;
}

} // namespace

// Reads /brokers/ids/<id> (arming its data watch once per term) into the live brokers and opens
// the controller's channel to it. False if the broker is not (or no longer) registered.
asio::awaitable<bool> controller::impl::add_live_broker(int32_t id) {
  zk::watcher w;
  if (_broker_watches.count(id) == 0) w = term_watcher(ev_broker_modification{id});
  std::string path = zk::paths::broker(id);
  auto got = co_await _zk.zk().get(std::move(path), std::move(w));
  if (!got) {
    if (got.error() != zk::zk_errc::no_node) {
      _log->warn("cannot read the registration of broker {}: {}", id, got.error().message());
    }
    co_return false;
  }
  _broker_watches.insert(id);
  auto text = got->first ? as_string_view(bytes_view(*got->first)) : std::string_view{};
  auto reg = zk::decode_broker_registration(id, text);
  if (!reg) {
    _log->error("broker {} has an unreadable registration; ignored", id);
    co_return false;
  }
  zk::registered_broker b{std::move(*reg), got->second.czxid};
  const auto* e = endpoint_on(b, _opts.inter_broker_listener);
  _ctx.live_brokers[id] = b;
  if (e == nullptr) {
    _log->error("broker {} has no {} endpoint; the controller cannot reach it", id, _opts.inter_broker_listener);
  } else if (!_channels.has_broker(id)) {
    _channels.add_broker(id, e->host, static_cast<uint16_t>(e->port));
  }
  co_return true;
}

void controller::impl::remove_live_broker(int32_t id) {
  _ctx.live_brokers.erase(id);
  _channels.remove_broker(id);
}

asio::awaitable<void> controller::impl::process(ev_broker_change&) {
  if (!active()) co_return;
  auto names = co_await watch_broker_ids();
  if (!names) co_return;
  std::set<int32_t> current = parse_ids(*names);
  std::set<int32_t> added, dead, bounced;
  for (int32_t id : current) {
    if (!_ctx.is_live_or_shutting_down(id)) {
      added.insert(id);
      continue;
    }
    auto b = co_await _zk.get_broker(id);
    if (b && *b && (*b)->broker_epoch != _ctx.live_brokers[id].broker_epoch) bounced.insert(id);
  }
  for (const auto& [id, b] : _ctx.live_brokers) {
    if (current.count(id) == 0) dead.insert(id);
  }
  if (added.empty() && dead.empty() && bounced.empty()) co_return;
  _log->info("{}newly added brokers: [{}], deleted brokers: [{}], bounced brokers: [{}], all live brokers: [{}]",
             state_prefix(), fmt::join(added, ","), fmt::join(dead, ","), fmt::join(bounced, ","),
             fmt::join(current, ","));

  // The dead leave at once, so that no election below picks one of them.
  for (int32_t id : dead) remove_live_broker(id);
  if (!added.empty()) {
    std::set<int32_t> up;
    for (int32_t id : added) {
      if (co_await add_live_broker(id)) up.insert(id);
    }
    co_await on_broker_startup(up);
  }
  if (!bounced.empty()) {
    for (int32_t id : bounced) remove_live_broker(id);
    co_await on_broker_failure(bounced);
    // Send what the failure produced now: requests to the bounced brokers are dropped while they
    // are not live, instead of reaching their new incarnation after its LeaderAndIsr.
    send_batch();
    std::set<int32_t> up;
    for (int32_t id : bounced) {
      if (co_await add_live_broker(id)) up.insert(id);
    }
    co_await on_broker_startup(up);
  }
  if (!dead.empty()) co_await on_broker_failure(dead);
}

asio::awaitable<void> controller::impl::on_broker_startup(const std::set<int32_t>& brokers) {
  if (brokers.empty()) co_return;
  _log->info("{}new broker startup callback for [{}]", state_prefix(), fmt::join(brokers, ","));
  std::set<int32_t> existing;
  for (int32_t id : _ctx.live_or_shutting_down_ids()) {
    if (brokers.count(id) == 0) existing.insert(id);
  }
  // The others learn the new broker list; the new ones learn every partition.
  add_update_metadata(existing, {});
  add_update_metadata(brokers, _ctx.all_partitions());
  auto replicas = _ctx.replicas_on_brokers(brokers);
  std::vector<partition_replica> for_deletion, others;
  for (const auto& r : replicas) (_ctx.queued_for_deletion(r.tp.topic) ? for_deletion : others).push_back(r);
  co_await handle_replica_changes(others, replica_state_kind::online);
  co_await trigger_online_partitions();
  co_await resume_reassignments_on(brokers);
  if (!for_deletion.empty()) {
    std::set<std::string> topics;
    for (const auto& r : for_deletion) topics.insert(r.tp.topic);
    co_await resume_deletion_for(topics);
  }
}

asio::awaitable<void> controller::impl::on_broker_failure(const std::set<int32_t>& brokers) {
  if (brokers.empty()) co_return;
  _log->info("{}broker failure callback for [{}]", state_prefix(), fmt::join(brokers, ","));
  for (int32_t id : brokers) _ctx.shutting_down.erase(id);
  auto replicas = _ctx.replicas_on_brokers(brokers);
  co_await on_replicas_offline(replicas);
}

asio::awaitable<void> controller::impl::on_replicas_offline(const std::vector<partition_replica>& replicas) {
  std::vector<partition_replica> for_deletion, others;
  for (const auto& r : replicas) (_ctx.queued_for_deletion(r.tp.topic) ? for_deletion : others).push_back(r);
  std::vector<topic_partition> offline_leader;
  for (const auto& [tp, rec] : _ctx.leadership) {
    if (!_ctx.has_live_leader(tp) && !_ctx.queued_for_deletion(tp.topic)) offline_leader.push_back(tp);
  }
  co_await handle_partition_changes(offline_leader, partition_state_kind::offline);
  co_await trigger_online_partitions();
  co_await handle_replica_changes(others, replica_state_kind::offline);
  if (!for_deletion.empty()) co_await fail_replica_deletion(for_deletion);
  // Every broker learns the new broker list even when no partition changed.
  if (offline_leader.empty()) add_update_metadata(_ctx.live_or_shutting_down_ids(), {});
}

asio::awaitable<void> controller::impl::process(ev_broker_modification& ev) {
  _broker_watches.erase(ev.broker);  // this was its one firing
  if (!active()) co_return;
  auto known = _ctx.live_brokers.find(ev.broker);
  if (known == _ctx.live_brokers.end()) co_return;  // the broker change event handles (re)registration
  auto before = known->second;
  zk::watcher w = term_watcher(ev_broker_modification{ev.broker});
  std::string path = zk::paths::broker(ev.broker);
  auto got = co_await _zk.zk().get(std::move(path), std::move(w));
  if (!got) co_return;
  _broker_watches.insert(ev.broker);
  if (got->second.czxid != before.broker_epoch) co_return;  // a new registration: broker change's job
  auto text = got->first ? as_string_view(bytes_view(*got->first)) : std::string_view{};
  auto reg = zk::decode_broker_registration(ev.broker, text);
  if (!reg) co_return;
  if (reg->endpoints == before.registration.endpoints && reg->features == before.registration.features &&
      reg->rack == before.registration.rack) {
    co_return;
  }
  std::vector<std::string> endpoints;
  for (const auto& e : reg->endpoints) endpoints.push_back(fmt::format("{}://{}:{}", e.listener_name, e.host, e.port));
  _log->info("{}broker {} changed its registration: endpoints [{}]", state_prefix(), ev.broker,
             fmt::join(endpoints, ","));
  _ctx.live_brokers[ev.broker].registration = std::move(*reg);
  const auto* now = endpoint_on(_ctx.live_brokers[ev.broker], _opts.inter_broker_listener);
  const auto* was = endpoint_on(before, _opts.inter_broker_listener);
  if (now != nullptr && (was == nullptr || was->host != now->host || was->port != now->port)) {
    _channels.remove_broker(ev.broker);
    _channels.add_broker(ev.broker, now->host, static_cast<uint16_t>(now->port));
  }
  add_update_metadata(_ctx.live_or_shutting_down_ids(), {});
}

} // namespace gregor::controller
