// The public face of the group coordinator (hops to its strand), the ownership of
// __consumer_offsets partitions (loading on election, unloading on resignation), the per-group
// deadline timers and shutdown.

#include "gregor/coordinator/group_coordinator.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "coordinator_impl.h"
#include "gregor/common/logger.h"
#include "gregor/common/uuid.h"
#include "../coordinator_log.h"
#include "../on_strand.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/control.h"
#include "gregor/record/record.h"

namespace gregor::group {

namespace {

auto logger() { return get_logger("group-coordinator"); }

// Waits for a callback-style operation that runs on `strand`: `start(reply)` is posted there and
// must see to it that `reply` is called exactly once (every member callback is answered on
// completion, on removal, on unload and on shutdown). The value comes back on the caller's
// executor.
template <typename T, typename Start>
asio::awaitable<T> await_reply(group_coordinator::impl::strand_type strand, Start start) {
  auto initiation = [strand, start = std::move(start)](auto handler) mutable {
    using handler_type = decltype(handler);
    auto h = std::make_shared<handler_type>(std::move(handler));
    reply<T> done = [h](T value) {
      auto ex = asio::get_associated_executor(*h);
      asio::post(ex, [h, v = std::move(value)]() mutable { std::move (*h)(std::move(v)); });
    };
    asio::post(strand, [start = std::move(start), done = std::move(done)]() mutable { start(std::move(done)); });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(T)>(std::move(initiation),
                                                                                  asio::use_awaitable);
}

using coordinator_detail::on_strand;

} // namespace

// ---------------------------------------------------------------------------------------------
// impl: ownership

group_coordinator::impl::impl(asio::io_context& io, replication::replica_manager& replicas,
                              const metadata::metadata_cache& metadata, const config::broker_config& config,
                              clock& clk)
  : _io(io), _strand(asio::make_strand(io)), _replicas(replicas), _metadata(metadata), _config(config),
    _clock(clk) {}

int32_t group_coordinator::impl::partition_for(const std::string& group_id) const {
  int32_t count = _config.offsets_topic_num_partitions();
  auto snap = _metadata.snapshot();
  if (const auto* t = snap->find_topic(offsets_topic); t != nullptr && !t->partitions.empty()) {
    count = static_cast<int32_t>(t->partitions.size());
  }
  return partition_for_key(group_id, count);
}

error_code group_coordinator::impl::check_owner(const std::string& group_id) const {
  if (_stopped) return error_code::coordinator_not_available;
  auto it = _shards.find(partition_for(group_id));
  if (it == _shards.end()) return error_code::not_coordinator;
  if (it->second.status == shard_status::loading) return error_code::coordinator_load_in_progress;
  return error_code::none;
}

group_slot* group_coordinator::impl::find(const std::string& group_id) {
  auto it = _groups.find(group_id);
  return it == _groups.end() ? nullptr : it->second.get();
}

group_slot& group_coordinator::impl::get_or_create(const std::string& group_id) {
  auto& slot = _groups[group_id];
  if (!slot) {
    slot = std::make_unique<group_slot>(_strand);
    slot->g.id = group_id;
    slot->g.partition = partition_for(group_id);
    slot->g.state_timestamp_ms = now_ms();
  }
  return *slot;
}

void group_coordinator::impl::erase_group(const std::string& group_id) {
  auto it = _groups.find(group_id);
  if (it == _groups.end()) return;
  it->second->timer.cancel();
  // The timer's pending handler holds only the group id, so destroying the slot here is safe.
  _groups.erase(it);
}

void group_coordinator::impl::elected(int32_t partition, int32_t epoch) {
  if (_stopped) return;
  auto it = _shards.find(partition);
  if (it != _shards.end()) {
    // Already ours (a new leader epoch of the same leadership): keep what is loaded.
    it->second.epoch = std::max(it->second.epoch, epoch);
    return;
  }
  _shards[partition] = shard{shard_status::loading, epoch};
  logger()->debug("loading groups and offsets of {}-{} (leader epoch {})", offsets_topic, partition, epoch);
  auto self = shared_from_this();
  asio::co_spawn(_strand, load(self, partition, epoch), asio::detached);
}

void group_coordinator::impl::resigned(int32_t partition, int32_t epoch) {
  auto it = _shards.find(partition);
  if (it == _shards.end()) return;
  if (epoch >= 0 && it->second.epoch > epoch) return;  // a stale resignation
  _shards.erase(it);
  std::vector<std::string> ids;
  for (const auto& [id, slot] : _groups) {
    if (slot->g.partition == partition) ids.push_back(id);
  }
  for (const auto& id : ids) unload_group(*_groups.at(id));
  for (const auto& id : ids) erase_group(id);
  logger()->info("unloaded {} groups of {}-{}", ids.size(), offsets_topic, partition);
}

asio::awaitable<void> group_coordinator::impl::load(std::shared_ptr<impl> self, int32_t partition, int32_t epoch) {
  (void)self;
  topic_partition tp{offsets_topic, partition};
  offsets_replay replay;
  auto started = mono_ms();
  auto still_ours = [this, partition, epoch] {
    auto it = _shards.find(partition);
    return !_stopped && it != _shards.end() && it->second.epoch == epoch;
  };
  coordinator_log::replay_visitor visitor;
  visitor.still_wanted = still_ours;
  visitor.on_record = [&replay](const record::batch_header& h, std::optional<bytes_view> key,
                                std::optional<bytes_view> value) {
    if (h.is_transactional() && h.producer_id >= 0) {
      replay.apply_transactional(h.producer_id, key, value);  // TxnOffsetCommit: pending until its marker
    } else {
      replay.apply(key, value);
    }
  };
  // Transaction markers complete or drop the producer's pending offsets (their key, version 0 and
  // a type, must never reach the offset-key decoder).
  visitor.on_control = [&replay](const record::batch_header& h, bytes_view batch) {
    auto records = record::decode_records(batch);
    if (!records || records->empty()) return;
    if (auto marker = record::parse_end_txn_marker(records->front())) {
      replay.complete_transaction(h.producer_id, marker->type == record::control_type::commit);
    }
  };
  auto replayed = co_await coordinator_log::replay_partition(_replicas, tp, _config.offsets_load_buffer_size(), visitor);
  if (replayed.abandoned || !still_ours()) co_return;  // resigned meanwhile
  if (replayed.error != error_code::none) {
    logger()->error("cannot load {}: {}; groups of this partition stay unavailable", tp.to_string(),
                    protocol::error_name(replayed.error));
    co_return;
  }
  if (replayed.undecodable_batches != 0) {
    logger()->error("{}: skipped {} undecodable batches", tp.to_string(), replayed.undecodable_batches);
  }
  if (replay.skipped() != 0) logger()->warn("{}: skipped {} undecodable records", tp.to_string(), replay.skipped());
  auto state = replay.take();
  size_t groups = state.groups.size();
  install(partition, std::move(state));
  _shards.find(partition)->second.status = shard_status::loaded;
  logger()->info("loaded {}: {} records, {} groups with metadata, in {} ms", tp.to_string(), replayed.records, groups,
                 mono_ms() - started);
}

void group_coordinator::impl::install(int32_t partition, replayed_partition state) {
  int64_t mono = mono_ms();
  for (auto& [id, stored] : state.groups) {
    if (partition_for(id) != partition) continue;  // not ours (partition count changed?)
    auto& slot = get_or_create(id);
    group& g = slot.g;
    g.generation = stored.generation;
    g.protocol_type = stored.protocol_type.empty() ? std::nullopt : std::optional<std::string>(stored.protocol_type);
    g.protocol = stored.protocol;
    g.leader = stored.leader;
    g.state_timestamp_ms = stored.current_state_timestamp >= 0 ? stored.current_state_timestamp : now_ms();
    for (auto& sm : stored.members) {
      member m;
      m.id = sm.member_id;
      m.instance_id = sm.group_instance_id;
      m.client_id = sm.client_id;
      m.client_host = sm.client_host;
      m.rebalance_timeout_ms = sm.rebalance_timeout_ms >= 0 ? sm.rebalance_timeout_ms : sm.session_timeout_ms;
      m.session_timeout_ms = sm.session_timeout_ms;
      m.protocol_type = stored.protocol_type;
      if (stored.protocol) m.protocols.emplace_back(*stored.protocol, std::move(sm.subscription));
      m.assignment = std::move(sm.assignment);
      m.heartbeat_deadline_ms = mono + m.session_timeout_ms;
      if (m.instance_id) g.static_members[*m.instance_id] = m.id;
      std::string mid = m.id;
      g.members.insert_or_assign(mid, std::move(m));
    }
    // A group with members comes back Stable (they keep heartbeating), otherwise Empty.
    g.state = g.members.empty() ? group_state::empty : group_state::stable;
    if (g.leader && g.members.count(*g.leader) == 0) g.leader.reset();
    schedule(slot);
  }
  for (auto& [id, offsets] : state.offsets) {
    if (partition_for(id) != partition) continue;
    auto& slot = get_or_create(id);
    slot.g.offsets = std::move(offsets);
  }
  for (auto& [producer, groups] : state.pending_txn_offsets) {
    for (auto& [id, offsets] : groups) {
      if (partition_for(id) != partition || offsets.empty()) continue;
      get_or_create(id).g.pending_txn_offsets[producer] = std::move(offsets);
    }
  }
}

void group_coordinator::impl::unload_group(group_slot& slot) {
  group& g = slot.g;
  g.state = group_state::dead;
  for (auto& [id, m] : g.members) {
    if (m.awaiting_join) {
      auto cb = std::move(m.awaiting_join);
      m.awaiting_join = nullptr;
      join_group_result r;
      r.error = error_code::not_coordinator;
      r.member_id = id;
      cb(std::move(r));
    }
    if (m.awaiting_sync) {
      auto cb = std::move(m.awaiting_sync);
      m.awaiting_sync = nullptr;
      sync_group_result r;
      r.error = error_code::not_coordinator;
      cb(std::move(r));
    }
  }
  slot.timer.cancel();
}

void group_coordinator::impl::stop_all() {
  _stopped = true;
  for (auto& [id, slot] : _groups) unload_group(*slot);
  _groups.clear();
  _shards.clear();
  if (_retention_timer) _retention_timer->cancel();
}

std::string group_coordinator::impl::new_member_id(const std::string& prefix) const {
  auto u = uuid::random();
  char buf[40];
  const auto& b = u.bytes;
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return prefix + "-" + buf;
}

// ---------------------------------------------------------------------------------------------
// impl: deadlines

void group_coordinator::impl::schedule(group_slot& slot) {
  const group& g = slot.g;
  int64_t next = INT64_MAX;
  auto consider = [&next](int64_t t) {
    if (t > 0) next = std::min(next, t);
  };
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join && !m.awaiting_sync) consider(m.heartbeat_deadline_ms);
  }
  for (const auto& [id, deadline] : g.pending_members) consider(deadline);
  if (g.is(group_state::preparing_rebalance)) {
    consider(g.initial_delay_deadline_ms);
    consider(g.rebalance_deadline_ms);
  }
  if (g.is(group_state::completing_rebalance)) consider(g.sync_deadline_ms);
  if (next == INT64_MAX || g.is(group_state::dead)) {
    slot.timer.cancel();
    return;
  }
  int64_t wait = std::max<int64_t>(0, next - mono_ms());
  slot.timer.expires_after(std::chrono::milliseconds(wait));
  std::weak_ptr<impl> weak = weak_from_this();
  std::string id = g.id;
  slot.timer.async_wait([weak, id](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->check_deadlines(id);
  });
}

void group_coordinator::impl::check_deadlines(const std::string& group_id) {
  group_slot* slot = find(group_id);
  if (slot == nullptr || _stopped) return;
  group& g = slot->g;
  int64_t now = mono_ms();
  // Pending members that never came back with their id.
  for (auto it = g.pending_members.begin(); it != g.pending_members.end();) {
    it = it->second <= now ? g.pending_members.erase(it) : std::next(it);
  }
  // Members whose session timed out (those waiting in JoinGroup/SyncGroup are kept alive).
  std::vector<std::string> expired;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join && !m.awaiting_sync && m.heartbeat_deadline_ms > 0 && m.heartbeat_deadline_ms <= now) {
      expired.push_back(id);
    }
  }
  for (const auto& id : expired) {
    if (find(group_id) == nullptr) return;
    remove_member_and_update(*slot, id, "session timeout expired");
  }
  if (g.is(group_state::preparing_rebalance)) maybe_complete_join(*slot);  // an expiry may have been the last wait
  if (g.is(group_state::preparing_rebalance)) {
    if (g.initial_delay_deadline_ms > 0 && g.initial_delay_deadline_ms <= now) {
      // The initial delay ended: extend it while new members keep arriving and budget remains.
      int64_t delay = _config.group_initial_rebalance_delay_ms();
      if (g.new_member_added && g.initial_delay_remaining_ms > 0) {
        g.new_member_added = false;
        int64_t step = std::min(delay, g.initial_delay_remaining_ms);
        g.initial_delay_remaining_ms = std::max<int64_t>(g.initial_delay_remaining_ms - delay, 0);
        g.initial_delay_deadline_ms = now + step;
      } else {
        g.initial_delay_deadline_ms = 0;
        complete_join(*slot);
      }
    } else if (g.initial_delay_deadline_ms == 0 && g.rebalance_deadline_ms > 0 && g.rebalance_deadline_ms <= now) {
      complete_join(*slot);
    }
  }
  if (g.is(group_state::completing_rebalance) && g.sync_deadline_ms > 0 && g.sync_deadline_ms <= now) {
    // Members that did not send SyncGroup in time leave; the rest rebalance again.
    std::vector<std::string> late(g.pending_sync.begin(), g.pending_sync.end());
    g.sync_deadline_ms = 0;
    for (const auto& id : late) {
      logger()->info("member {} of group {} did not sync within the rebalance timeout", id, group_id);
      g.remove(id);
    }
    if (!late.empty()) prepare_rebalance(*slot, "members failed to sync within the rebalance timeout");
  }
  if (find(group_id) != nullptr) schedule(*slot);
}

// ---------------------------------------------------------------------------------------------
// group_coordinator: the public API

group_coordinator::group_coordinator(asio::io_context& io, replication::replica_manager& replicas,
                                     const metadata::metadata_cache& metadata, const config::broker_config& config,
                                     clock& clk)
  : _impl(std::make_shared<impl>(io, replicas, metadata, config, clk)) {}

group_coordinator::~group_coordinator() = default;

void group_coordinator::start() {
  auto i = _impl;
  asio::post(i->_strand, [i] { i->schedule_retention(); });
}

namespace {
asio::awaitable<void> stop_task(std::shared_ptr<group_coordinator::impl> i) {
  i->stop_all();
  co_return;
}
} // namespace

asio::awaitable<void> group_coordinator::shutdown() {
  auto task = stop_task(_impl);
  co_await on_strand(_impl->_strand, std::move(task));
}

int32_t group_coordinator::partition_for(const std::string& group_id) const { return _impl->partition_for(group_id); }

void group_coordinator::on_elected(int32_t partition, int32_t leader_epoch) {
  auto i = _impl;
  asio::post(i->_strand, [i, partition, leader_epoch] { i->elected(partition, leader_epoch); });
}

void group_coordinator::on_resigned(int32_t partition, int32_t leader_epoch) {
  auto i = _impl;
  asio::post(i->_strand, [i, partition, leader_epoch] { i->resigned(partition, leader_epoch); });
}

asio::awaitable<join_group_result> group_coordinator::join_group(join_group_request request) {
  auto i = _impl;
  auto start = [i, req = std::move(request)](reply<join_group_result> done) mutable { i->join(std::move(req), std::move(done)); };
  co_return co_await await_reply<join_group_result>(i->_strand, std::move(start));
}

asio::awaitable<sync_group_result> group_coordinator::sync_group(sync_group_request request) {
  auto i = _impl;
  auto start = [i, req = std::move(request)](reply<sync_group_result> done) mutable { i->sync(std::move(req), std::move(done)); };
  co_return co_await await_reply<sync_group_result>(i->_strand, std::move(start));
}

namespace {
asio::awaitable<error_code> heartbeat_task(std::shared_ptr<group_coordinator::impl> i, heartbeat_request req) {
  co_return i->heartbeat(req);
}
asio::awaitable<leave_group_result> leave_task(std::shared_ptr<group_coordinator::impl> i, std::string group_id,
                                               std::vector<leave_member> members) {
  co_return i->leave(group_id, members);
}
asio::awaitable<offset_fetch_result> fetch_task(std::shared_ptr<group_coordinator::impl> i, offset_fetch_request req) {
  co_return i->fetch(req);
}
asio::awaitable<std::vector<described_group>> describe_task(std::shared_ptr<group_coordinator::impl> i,
                                                            std::vector<std::string> ids) {
  co_return i->describe(ids);
}
asio::awaitable<list_groups_result> list_task(std::shared_ptr<group_coordinator::impl> i, std::vector<std::string> states) {
  co_return i->list(states);
}
} // namespace

asio::awaitable<error_code> group_coordinator::heartbeat(heartbeat_request request) {
  auto task = heartbeat_task(_impl, std::move(request));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<leave_group_result> group_coordinator::leave_group(std::string group_id, std::vector<leave_member> members) {
  auto task = leave_task(_impl, std::move(group_id), std::move(members));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<offset_commit_result> group_coordinator::commit_offsets(offset_commit_request request) {
  auto task = _impl->commit(_impl, std::move(request));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<offset_commit_result> group_coordinator::commit_txn_offsets(txn_offset_commit_request request) {
  auto task = _impl->txn_commit(_impl, std::move(request));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

void group_coordinator::on_transaction_completed(int64_t producer_id, std::vector<int32_t> partitions, bool commit) {
  auto i = _impl;
  asio::post(i->_strand, [i, producer_id, partitions = std::move(partitions), commit] {
    i->complete_txn(producer_id, partitions, commit);
  });
}

asio::awaitable<offset_fetch_result> group_coordinator::fetch_offsets(offset_fetch_request request) {
  auto task = fetch_task(_impl, std::move(request));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<offset_delete_result> group_coordinator::delete_offsets(std::string group_id,
                                                                        std::vector<topic_partition> partitions) {
  auto task = _impl->delete_offsets(_impl, std::move(group_id), std::move(partitions));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<std::vector<described_group>> group_coordinator::describe_groups(std::vector<std::string> group_ids) {
  auto task = describe_task(_impl, std::move(group_ids));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<list_groups_result> group_coordinator::list_groups(std::vector<std::string> states) {
  auto task = list_task(_impl, std::move(states));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<std::vector<std::pair<std::string, error_code>>> group_coordinator::delete_groups(
    std::vector<std::string> group_ids) {
  auto task = _impl->delete_groups(_impl, std::move(group_ids));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

void group_coordinator::on_partitions_deleted(std::vector<topic_partition> partitions) {
  auto i = _impl;
  asio::co_spawn(i->_strand, i->remove_partitions(i, std::move(partitions)), asio::detached);
}

} // namespace gregor::group
