// Committed offsets (OffsetCommit, OffsetFetch, OffsetDelete, retention), the writes to
// __consumer_offsets, and the admin views (DescribeGroups, ListGroups, DeleteGroups). Runs on the
// coordinator's strand.

#include <algorithm>
#include <cctype>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "../coordinator_log.h"
#include "coordinator_impl.h"
#include "gregor/common/logger.h"
#include "gregor/compression/codec.h"

namespace gregor::group {

namespace {

auto offsets_logger() { return get_logger("group-coordinator"); }

using record_list = std::vector<std::pair<bytes, std::optional<bytes>>>;

// What a failed append means to a group client (Kafka's GroupMetadataManager mapping): a batch too
// large, and INVALID_FETCH_SIZE too, is INVALID_COMMIT_OFFSET_SIZE.
error_code coordinator_error(error_code e) {
  if (e == error_code::invalid_fetch_size) return error_code::invalid_commit_offset_size;
  return coordinator_log::client_error(e, error_code::invalid_commit_offset_size);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The offsets of `g` that retention removes now (Kafka's GroupMetadata.removeExpiredOffsets): an
// Empty group's (or one that only stores offsets) expire `retention_ms` after the group became
// Empty (or after the commit, when it is later); a Stable consumer group's expire only for topics
// nobody subscribes to any more. Explicit expire timestamps (OffsetCommit v2-4) win.
std::vector<topic_partition> expired_offsets(const group& g, int64_t now, int64_t retention_ms) {
  std::vector<topic_partition> out;
  std::optional<std::set<std::string>> subscribed;
  bool by_state_time = false;
  if (!g.protocol_type || g.is(group_state::empty)) {
    by_state_time = true;
  } else if (g.is(group_state::stable) && *g.protocol_type == "consumer") {
    subscribed = g.subscribed_topics();
    if (!subscribed) return out;
  } else {
    return out;
  }
  for (const auto& [tp, o] : g.offsets) {
    if (subscribed && subscribed->count(tp.topic) != 0) continue;
    bool expired;
    if (o.expire_timestamp) {
      expired = now >= *o.expire_timestamp;
    } else {
      int64_t base = o.commit_timestamp;
      if (by_state_time && g.protocol_type && g.state_timestamp_ms >= 0) base = std::max(base, g.state_timestamp_ms);
      expired = now - base >= retention_ms;
    }
    if (expired) out.push_back(tp);
  }
  return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Writes

asio::awaitable<error_code> group_coordinator::impl::append(int32_t partition, record_list records,
                                                            int64_t producer_id, int16_t producer_epoch) {
  if (records.empty()) co_return error_code::none;
  auto shard = _shards.find(partition);
  if (shard == _shards.end()) co_return error_code::not_coordinator;
  // offsets.commit.required.acks=-1 (Kafka's default): answer only once the ISR has the write, as a
  // produce with acks=all would be, within offsets.commit.timeout.ms.
  coordinator_log::append_options options;
  options.codec = compression::codec_from_id(_config.offsets_topic_compression_codec()).value_or(compression::codec::none);
  options.acks = _config.offsets_commit_required_acks();
  options.timeout = std::chrono::milliseconds(_config.offsets_commit_timeout_ms());
  options.timestamp_ms = now_ms();
  options.producer_id = producer_id;
  options.producer_epoch = producer_epoch;
  topic_partition tp{offsets_topic, partition};
  auto out = co_await coordinator_log::append_records(_replicas, tp, records, options);
  if (out.error != error_code::none) {
    offsets_logger()->warn("append to {} failed: {} {}", tp.to_string(), protocol::error_name(out.error), out.message);
  }
  co_return coordinator_error(out.error);
}

group_coordinator::impl::offset_records group_coordinator::impl::commit_records(
    const std::string& group_id, const std::vector<offset_commit_partition>& partitions, int64_t retention_ms,
    offset_commit_result& result) const {
  const int64_t now = now_ms();
  const size_t max_metadata = static_cast<size_t>(std::max(_config.offset_metadata_max_bytes(), 0));
  offset_records out;
  for (size_t i = 0; i < partitions.size(); ++i) {
    const auto& p = partitions[i];
    committed_offset o;
    o.offset = p.offset;
    o.leader_epoch = p.leader_epoch;
    o.metadata = p.metadata.value_or("");
    o.commit_timestamp = p.commit_timestamp >= 0 ? p.commit_timestamp : now;
    if (retention_ms >= 0) o.expire_timestamp = o.commit_timestamp + retention_ms;
    if (o.metadata.size() > max_metadata) {
      result[i] = error_code::offset_metadata_too_large;
      continue;
    }
    out.records.emplace_back(encode_offset_commit_key(group_id, p.tp), encode_offset_commit_value(o));
    out.accepted.emplace_back(i, std::move(o));
  }
  return out;
}

asio::awaitable<error_code> group_coordinator::impl::append_offsets(group_slot& slot, record_list records,
                                                                    int64_t producer_id, int16_t producer_epoch) {
  const std::string group_id = slot.g.id;
  const int32_t partition = slot.g.partition;
  ++slot.g.pending_writes;
  error_code e = co_await append(partition, std::move(records), producer_id, producer_epoch);
  group_slot* after = find(group_id);  // unloaded or deleted meanwhile?
  if (after != nullptr) --after->g.pending_writes;
  if (e == error_code::none && after == nullptr) e = error_code::not_coordinator;
  co_return e;
}

asio::awaitable<error_code> group_coordinator::impl::store_group(const group& g,
                                                                 const std::map<std::string, bytes>& assignments) {
  record_list records;
  records.emplace_back(encode_group_metadata_key(g.id), encode_group_metadata_value(g.to_stored(assignments)));
  error_code e = co_await append(g.partition, std::move(records));
  // Kafka answers a group write that was too large with UNKNOWN_SERVER_ERROR, not the offset code.
  if (e == error_code::invalid_commit_offset_size) e = error_code::unknown_server_error;
  co_return e;
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit

asio::awaitable<offset_commit_result> group_coordinator::impl::commit(std::shared_ptr<impl> self,
                                                                      offset_commit_request req) {
  (void)self;
  offset_commit_result result(req.partitions.size(), error_code::none);
  auto fail_all = [&](error_code e) {
    std::fill(result.begin(), result.end(), e);
    return result;
  };
  if (error_code e = check_owner(req.group_id); e != error_code::none) co_return fail_all(e);
  group_slot* slot = find(req.group_id);
  if (slot == nullptr) {
    if (req.generation_id >= 0) co_return fail_all(error_code::illegal_generation);
    slot = &get_or_create(req.group_id);  // a group that only stores offsets
  }
  {
    group& g = slot->g;
    if (g.is(group_state::dead)) co_return fail_all(error_code::coordinator_not_available);
    if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) co_return fail_all(error_code::fenced_instance_id);
    if (req.generation_id < 0 && g.is(group_state::empty)) {
      // A commit from outside the group's membership (assign()-style consumers, admin tools).
    } else if (!g.has(req.member_id)) {
      co_return fail_all(error_code::unknown_member_id);
    } else if (req.generation_id != g.generation) {
      co_return fail_all(error_code::illegal_generation);
    } else if (g.is(group_state::completing_rebalance)) {
      // The member's generation is current but its assignment is not known yet.
      co_return fail_all(error_code::rebalance_in_progress);
    } else {
      heartbeat_ok(g, g.members.at(req.member_id));
      schedule(*slot);
    }
  }
  offset_records written = commit_records(req.group_id, req.partitions, req.retention_time_ms, result);
  if (written.records.empty()) co_return result;
  error_code e = co_await append_offsets(*slot, std::move(written.records));
  slot = find(req.group_id);  // null when the group went meanwhile (e is then an error)
  for (auto& [i, o] : written.accepted) {
    result[i] = e;
    if (e == error_code::none) slot->g.offsets[req.partitions[i].tp] = std::move(o);
  }
  co_return result;
}

// ---------------------------------------------------------------------------------------------
// OffsetFetch

offset_fetch_result group_coordinator::impl::fetch(const offset_fetch_request& req) {
  offset_fetch_result out;
  if (error_code e = check_owner(req.group_id); e != error_code::none) {
    out.error = e;
    return out;
  }
  group_slot* slot = find(req.group_id);
  const std::map<topic_partition, committed_offset>* offsets =
      slot != nullptr && !slot->g.is(group_state::dead) ? &slot->g.offsets : nullptr;
  auto entry = [](const topic_partition& tp, const committed_offset* o) {
    offset_fetch_partition p;
    p.tp = tp;
    if (o != nullptr) {
      p.offset = o->offset;
      p.leader_epoch = o->leader_epoch;
      p.metadata = o->metadata;
    }
    return p;
  };
  if (req.partitions) {
    for (const auto& tp : *req.partitions) {
      const committed_offset* o = nullptr;
      if (offsets != nullptr) {
        auto it = offsets->find(tp);
        if (it != offsets->end()) o = &it->second;
      }
      auto p = entry(tp, o);
      if (req.require_stable && slot != nullptr && slot->g.has_pending_txn_offset(tp)) {
        // A transaction holds a newer offset for it: the caller must wait for its outcome.
        p = entry(tp, nullptr);
        p.error = error_code::unstable_offset_commit;
      }
      out.partitions.push_back(std::move(p));
    }
  } else if (offsets != nullptr) {
    for (const auto& [tp, o] : *offsets) {
      auto p = entry(tp, &o);
      if (req.require_stable && slot->g.has_pending_txn_offset(tp)) {
        p = entry(tp, nullptr);
        p.error = error_code::unstable_offset_commit;
      }
      out.partitions.push_back(std::move(p));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// OffsetDelete

asio::awaitable<offset_delete_result> group_coordinator::impl::delete_offsets(std::shared_ptr<impl> self,
                                                                              std::string group_id,
                                                                              std::vector<topic_partition> partitions) {
  (void)self;
  offset_delete_result out;
  if (error_code e = check_owner(group_id); e != error_code::none) {
    out.error = e;
    co_return out;
  }
  group_slot* slot = find(group_id);
  if (slot == nullptr || slot->g.is(group_state::dead)) {
    out.error = error_code::group_id_not_found;
    co_return out;
  }
  group& g = slot->g;
  std::optional<std::set<std::string>> subscribed;
  if (!g.is(group_state::empty) && g.protocol_type) {
    if (*g.protocol_type != "consumer") {
      out.error = error_code::non_empty_group;
      co_return out;
    }
    subscribed = g.subscribed_topics().value_or(std::set<std::string>{});
  }
  record_list records;
  for (const auto& tp : partitions) {
    if (subscribed && subscribed->count(tp.topic) != 0) {
      out.partitions.emplace_back(tp, error_code::group_subscribed_to_topic);
      continue;
    }
    out.partitions.emplace_back(tp, error_code::none);
    if (g.offsets.erase(tp) != 0) records.emplace_back(encode_offset_commit_key(group_id, tp), std::nullopt);
  }
  int32_t partition = g.partition;
  error_code e = co_await append(partition, std::move(records));
  if (e != error_code::none) {
    // The cache already forgot them; the log still has the commits until the next try.
    offsets_logger()->warn("could not write offset tombstones for group {}: {}", group_id, protocol::error_name(e));
    out.error = e;
  }
  co_return out;
}

// ---------------------------------------------------------------------------------------------
// Retention and deleted topics

void group_coordinator::impl::schedule_retention() {
  if (_stopped) return;
  if (!_retention_timer) _retention_timer = std::make_unique<asio::steady_timer>(_strand);
  _retention_timer->expires_after(std::chrono::milliseconds(std::max<int64_t>(_config.offsets_retention_check_interval_ms(), 1)));
  std::weak_ptr<impl> weak = weak_from_this();
  _retention_timer->async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self || self->_stopped) return;
    asio::co_spawn(self->_strand, self->expire_offsets(self), asio::detached);
  });
}

namespace {

// Drops `tps` from the group's cache and returns their tombstones, plus the group's own tombstone
// when that leaves an Empty group with nothing (the group is then Dead and forgotten).
record_list forget_offsets(group& g, const std::vector<topic_partition>& tps, int64_t now, bool& group_dead) {
  record_list records;
  for (const auto& tp : tps) {
    if (g.offsets.erase(tp) != 0) records.emplace_back(encode_offset_commit_key(g.id, tp), std::nullopt);
  }
  group_dead = g.is(group_state::empty) && !g.has_offsets() && g.pending_writes == 0;
  if (group_dead) {
    g.transition_to(group_state::dead, now);
    records.emplace_back(encode_group_metadata_key(g.id), std::nullopt);
  }
  return records;
}

} // namespace

asio::awaitable<void> group_coordinator::impl::expire_offsets(std::shared_ptr<impl> self) {
  (void)self;
  int64_t now = now_ms();
  int64_t retention_ms = int64_t{_config.offsets_retention_minutes()} * 60'000;
  std::map<int32_t, record_list> writes;
  std::vector<std::string> dead;
  size_t expired_count = 0;
  for (auto& [id, slot] : _groups) {
    auto sh = _shards.find(slot->g.partition);
    if (sh == _shards.end() || sh->second.status != shard_status::loaded) continue;
    auto expired = expired_offsets(slot->g, now, retention_ms);
    bool was_empty_without_offsets = slot->g.is(group_state::empty) && !slot->g.has_offsets();
    if (expired.empty() && !was_empty_without_offsets) continue;
    expired_count += expired.size();
    bool group_dead = false;
    auto records = forget_offsets(slot->g, expired, now, group_dead);
    if (group_dead) dead.push_back(id);
    auto& w = writes[slot->g.partition];
    for (auto& r : records) w.push_back(std::move(r));
  }
  for (const auto& id : dead) erase_group(id);
  if (expired_count != 0 || !dead.empty()) {
    offsets_logger()->info("removed {} expired offsets and {} groups", expired_count, dead.size());
  }
  for (auto& [partition, records] : writes) {
    error_code e = co_await append(partition, std::move(records));
    if (e != error_code::none) offsets_logger()->warn("could not write expiry tombstones to {}-{}", offsets_topic, partition);
  }
  schedule_retention();
}

asio::awaitable<void> group_coordinator::impl::remove_partitions(std::shared_ptr<impl> self,
                                                                 std::vector<topic_partition> partitions) {
  (void)self;
  int64_t now = now_ms();
  std::map<int32_t, record_list> writes;
  std::vector<std::string> dead;
  for (auto& [id, slot] : _groups) {
    for (auto pending = slot->g.pending_txn_offsets.begin(); pending != slot->g.pending_txn_offsets.end();) {
      for (const auto& tp : partitions) pending->second.erase(tp);
      pending = pending->second.empty() ? slot->g.pending_txn_offsets.erase(pending) : std::next(pending);
    }
    std::vector<topic_partition> mine;
    for (const auto& tp : partitions) {
      if (slot->g.offsets.count(tp) != 0) mine.push_back(tp);
    }
    if (mine.empty()) continue;
    bool group_dead = false;
    auto records = forget_offsets(slot->g, mine, now, group_dead);
    if (group_dead) dead.push_back(id);
    auto& w = writes[slot->g.partition];
    for (auto& r : records) w.push_back(std::move(r));
  }
  for (const auto& id : dead) erase_group(id);
  for (auto& [partition, records] : writes) (void)co_await append(partition, std::move(records));
}

// ---------------------------------------------------------------------------------------------
// Admin views

std::vector<described_group> group_coordinator::impl::describe(const std::vector<std::string>& ids) {
  std::vector<described_group> out;
  for (const auto& id : ids) {
    described_group d;
    d.group_id = id;
    d.error = check_owner(id);
    d.state = "Dead";
    group_slot* slot = d.error == error_code::none ? find(id) : nullptr;
    if (slot != nullptr) {
      const group& g = slot->g;
      d.state = state_name(g.state);
      d.protocol_type = g.protocol_type.value_or("");
      bool stable = g.is(group_state::stable);
      if (stable) d.protocol = g.protocol.value_or("");
      for (const auto& [mid, m] : g.members) {
        described_member dm;
        dm.member_id = mid;
        dm.group_instance_id = m.instance_id;
        dm.client_id = m.client_id;
        dm.client_host = m.client_host;
        if (stable && g.protocol) {
          // Only a Stable group has a meaningful subscription and assignment to show.
          if (const bytes* meta = m.metadata_for(*g.protocol)) dm.metadata = *meta;
          dm.assignment = m.assignment;
        }
        d.members.push_back(std::move(dm));
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

list_groups_result group_coordinator::impl::list(const std::vector<std::string>& states) {
  list_groups_result out;
  if (_stopped) {
    out.error = error_code::coordinator_not_available;
    return out;
  }
  for (const auto& [p, sh] : _shards) {
    if (sh.status == shard_status::loading) out.error = error_code::coordinator_load_in_progress;
  }
  std::set<std::string> wanted;
  for (const auto& s : states) wanted.insert(lower(s));
  for (const auto& [id, slot] : _groups) {
    const group& g = slot->g;
    if (g.is(group_state::dead)) continue;
    auto sh = _shards.find(g.partition);
    if (sh == _shards.end() || sh->second.status != shard_status::loaded) continue;
    std::string state = state_name(g.state);
    if (!wanted.empty() && wanted.count(lower(state)) == 0) continue;
    out.groups.push_back(listed_group{id, g.protocol_type.value_or(""), state});
  }
  std::sort(out.groups.begin(), out.groups.end(),
            [](const listed_group& a, const listed_group& b) { return a.group_id < b.group_id; });
  return out;
}

asio::awaitable<std::vector<std::pair<std::string, error_code>>> group_coordinator::impl::delete_groups(
    std::shared_ptr<impl> self, std::vector<std::string> ids) {
  (void)self;
  std::vector<std::pair<std::string, error_code>> out;
  std::map<int32_t, record_list> writes;
  int64_t now = now_ms();
  for (const auto& id : ids) {
    error_code e = check_owner(id);
    group_slot* slot = e == error_code::none ? find(id) : nullptr;
    if (e == error_code::none && (slot == nullptr || slot->g.is(group_state::dead))) e = error_code::group_id_not_found;
    if (e == error_code::none && !slot->g.is(group_state::empty)) e = error_code::non_empty_group;
    if (e == error_code::none) {
      group& g = slot->g;
      auto& w = writes[g.partition];
      for (const auto& [tp, o] : g.offsets) w.emplace_back(encode_offset_commit_key(id, tp), std::nullopt);
      w.emplace_back(encode_group_metadata_key(id), std::nullopt);
      g.transition_to(group_state::dead, now);
      erase_group(id);
    }
    out.emplace_back(id, e);
  }
  for (auto& [partition, records] : writes) {
    error_code e = co_await append(partition, std::move(records));
    if (e != error_code::none) {
      offsets_logger()->warn("could not write the tombstones of deleted groups to {}-{}: {}", offsets_topic, partition,
                     protocol::error_name(e));
      for (auto& [id, err] : out) {
        if (err == error_code::none && partition_for(id) == partition) err = e;
      }
    }
  }
  co_return out;
}

} // namespace gregor::group
