// Filling the event's request batch from the controller context and sending it: per broker one
// LeaderAndIsr, one UpdateMetadata and one StopReplica at most, in that order, to brokers that are
// registered (shutting-down ones included); requests for brokers that are gone are dropped, as
// Kafka drops them.

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/stop_replica.h"
#include "gregor/protocol/reader.h"

namespace gregor::controller {

namespace {

constexpr int16_t leader_and_isr_key = 4;
constexpr int16_t stop_replica_key = 5;
constexpr int16_t update_metadata_key = 6;

// Per-partition errors of a StopReplica response for the partitions in `asked` (all of them
// failed when the response cannot be read or carries a top-level error).
std::map<topic_partition, protocol::error_code> stop_replica_errors(const result<shared_bytes>& frame,
                                                                    const std::vector<topic_partition>& asked) {
  std::map<topic_partition, protocol::error_code> out;
  for (const auto& tp : asked) out[tp] = protocol::error_code::unknown_server_error;
  if (!frame) return out;
  protocol::reader r(*frame);
  int32_t correlation = 0;
  if (!protocol::decode_response_header(r, stop_replica_key, stop_replica_version, correlation)) return out;
  protocol::stop_replica_response resp;
  if (!resp.decode(r, stop_replica_version)) return out;
  if (resp.error_code != 0) {
    for (auto& [tp, e] : out) e = static_cast<protocol::error_code>(resp.error_code);
    return out;
  }
  for (auto& [tp, e] : out) e = protocol::error_code::none;
  for (const auto& pe : resp.partition_errors) {
    topic_partition tp{pe.topic_name, pe.partition_index};
    if (auto it = out.find(tp); it != out.end()) it->second = static_cast<protocol::error_code>(pe.error_code);
  }
  return out;
}

} // namespace

void controller::impl::add_leader_and_isr(const std::vector<int32_t>& brokers, const topic_partition& tp, bool is_new) {
  auto lead = _ctx.leadership.find(tp);
  auto topic = _ctx.topics.find(tp.topic);
  if (lead == _ctx.leadership.end() || topic == _ctx.topics.end()) return;
  partition_update u;
  u.tp = tp;
  u.topic_id = topic->second.assignment.topic_id.value_or(uuid{});
  u.state = lead->second.state;
  u.zk_version = lead->second.zk_version;
  auto a = _ctx.full_assignment(tp);
  u.replicas = a.replicas;
  u.adding_replicas = a.adding;
  u.removing_replicas = a.removing;
  u.is_new = is_new;
  for (int32_t b : brokers) {
    if (_ctx.is_live_or_shutting_down(b)) _batch.add_leader_and_isr(b, u);
  }
  _batch.add_update_metadata(_ctx.live_or_shutting_down_ids(), {tp});
}

void controller::impl::add_stop_replica(int32_t broker, const topic_partition& tp, bool delete_partition) {
  if (!_ctx.is_live_or_shutting_down(broker)) return;  // never delivered to a broker that is down
  int32_t epoch = -1;
  if (auto lead = _ctx.leadership.find(tp); lead != _ctx.leadership.end()) epoch = lead->second.state.leader_epoch;
  _batch.add_stop_replica(broker, tp, delete_partition, epoch);
}

void controller::impl::add_update_metadata(const std::set<int32_t>& brokers, const std::vector<topic_partition>& tps) {
  _batch.add_update_metadata(brokers, tps);
}

void controller::impl::add_update_metadata_to_all(const std::vector<topic_partition>& tps) {
  _batch.add_update_metadata(_ctx.live_or_shutting_down_ids(), tps);
}

// A partition's UpdateMetadata entry: its current leadership (leader -2 while its topic is being
// deleted); replicas on brokers that are down or shutting down are listed offline. nullopt for a
// partition without a state yet (Kafka skips those too) or a topic no longer known.
std::optional<partition_update> controller::impl::metadata_update_for(const topic_partition& tp) const {
  auto topic = _ctx.topics.find(tp.topic);
  if (topic == _ctx.topics.end()) return std::nullopt;
  auto replicas = topic->second.assignment.partitions.find(tp.partition);
  if (replicas == topic->second.assignment.partitions.end()) return std::nullopt;
  partition_update u;
  u.tp = tp;
  u.topic_id = topic->second.assignment.topic_id.value_or(uuid{});
  u.replicas = replicas->second;
  auto lead = _ctx.leadership.find(tp);
  if (lead != _ctx.leadership.end()) {
    u.state = lead->second.state;
    u.zk_version = lead->second.zk_version;
  } else if (!_ctx.queued_for_deletion(tp.topic)) {
    return std::nullopt;
  }
  if (_ctx.queued_for_deletion(tp.topic)) u.state.leader = -2;
  for (int32_t r : u.replicas) {
    if (!_ctx.is_live(r)) u.offline_replicas.push_back(r);
  }
  return u;
}

request_envelope controller::impl::envelope_for(int32_t broker) {
  request_envelope env;
  env.controller_id = _opts.broker_id;
  env.claim = *_claim;
  auto b = _ctx.live_brokers.find(broker);
  env.broker_epoch = b == _ctx.live_brokers.end() ? -1 : b->second.broker_epoch;
  env.correlation_id = ++_correlation;
  return env;
}

void controller::impl::send_batch() {
  if (_batch.empty() || !_claim) {
    _batch.clear();
    return;
  }
  auto per_broker = _batch.take();
  for (auto& [broker, f] : per_broker) {
    if (!_ctx.is_live_or_shutting_down(broker) || !_channels.has_broker(broker)) continue;
    if (!f.leader_and_isr.empty()) {
      size_t leaders = 0;
      for (const auto& u : f.leader_and_isr) leaders += u.state.leader == broker ? 1 : 0;
      _state_log->info("{}Sending LeaderAndIsr request to broker {} for {} partitions ({} become-leader and {} "
                       "become-follower)",
                       state_prefix(), broker, f.leader_and_isr.size(), leaders, f.leader_and_isr.size() - leaders);
      for (const auto& u : f.leader_and_isr) {
        _state_log->debug("{}LeaderAndIsr to broker {}: partition {} {} replicas [{}]", state_prefix(), broker,
                          u.tp.to_string(), describe(u.state, u.zk_version), fmt::join(u.replicas, ","));
      }
      network::outbound_request req;
      req.api_key = leader_and_isr_key;
      req.api_version = leader_and_isr_version;
      req.frame = build_leader_and_isr(envelope_for(broker), f.leader_and_isr, _ctx.live_brokers,
                                       _opts.inter_broker_listener);
      _channels.send(broker, std::move(req));
    }
    if (f.update_metadata) {
      std::vector<partition_update> updates;
      for (const auto& tp : f.metadata_partitions) {
        if (auto u = metadata_update_for(tp)) updates.push_back(std::move(*u));
      }
      _state_log->info("{}Sending UpdateMetadata request to broker {} for {} partitions", state_prefix(), broker,
                       updates.size());
      network::outbound_request req;
      req.api_key = update_metadata_key;
      req.api_version = update_metadata_version;
      req.frame = build_update_metadata(envelope_for(broker), updates, _ctx.live_brokers);
      _channels.send(broker, std::move(req));
    }
    if (!f.stop_replica.empty()) {
      std::vector<topic_partition> deleting;
      for (const auto& e : f.stop_replica) {
        if (e.delete_partition) deleting.push_back(e.tp);
      }
      _state_log->info("{}Sending StopReplica request for {} replicas to broker {} ({} with deletion)", state_prefix(),
                       f.stop_replica.size(), broker, deleting.size());
      network::outbound_request req;
      req.api_key = stop_replica_key;
      req.api_version = stop_replica_version;
      req.frame = build_stop_replica(envelope_for(broker), f.stop_replica);
      if (!deleting.empty()) {
        // Deletions report back to the event queue (topic deletion waits for them).
        req.on_response = [w = weak_from_this(), broker, deleting, generation = _generation](result<shared_bytes> r) {
          auto self = w.lock();
          if (!self) return;
          ev_stop_replica_response ev;
          ev.broker = broker;
          ev.errors = stop_replica_errors(r, deleting);
          self->enqueue(std::move(ev), generation);
        };
      }
      _channels.send(broker, std::move(req));
    }
  }
}

} // namespace gregor::controller
