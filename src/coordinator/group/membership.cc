// The classic rebalance protocol: JoinGroup, SyncGroup, Heartbeat and LeaveGroup, with the
// transitions group.h draws. Runs on the coordinator's strand.

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "coordinator_impl.h"
#include "gregor/common/logger.h"

namespace gregor::group {

namespace {

auto membership_logger() { return get_logger("group-coordinator"); }

void answer_join(member& m, join_group_result r) {
  if (!m.awaiting_join) return;
  auto cb = std::move(m.awaiting_join);
  m.awaiting_join = nullptr;
  cb(std::move(r));
}

void answer_sync(member& m, sync_group_result r) {
  if (!m.awaiting_sync) return;
  auto cb = std::move(m.awaiting_sync);
  m.awaiting_sync = nullptr;
  cb(std::move(r));
}

join_group_result join_error(error_code e, std::string member_id = {}) {
  join_group_result r;
  r.error = e;
  r.member_id = std::move(member_id);
  return r;
}

sync_group_result sync_error(error_code e) {
  sync_group_result r;
  r.error = e;
  return r;
}

} // namespace

void group_coordinator::impl::heartbeat_ok(group& g, member& m) {
  (void)g;
  m.heartbeat_deadline_ms = mono_ms() + m.session_timeout_ms;
}

join_group_result group_coordinator::impl::current_generation_result(const group& g, const member& m,
                                                                     bool with_members) const {
  join_group_result r;
  r.generation_id = g.generation;
  r.protocol_type = g.protocol_type;
  r.protocol_name = g.protocol;
  r.leader_id = g.leader.value_or("");
  r.member_id = m.id;
  if (with_members && g.protocol) {
    for (const auto& [id, other] : g.members) {
      join_group_member jm;
      jm.member_id = id;
      jm.group_instance_id = other.instance_id;
      if (const bytes* meta = other.metadata_for(*g.protocol)) jm.metadata = *meta;
      r.members.push_back(std::move(jm));
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// JoinGroup

void group_coordinator::impl::join(join_group_request req, reply<join_group_result> done) {
  if (error_code e = check_owner(req.group_id); e != error_code::none) return done(join_error(e, req.member_id));
  if (req.session_timeout_ms < _config.group_min_session_timeout_ms() ||
      req.session_timeout_ms > _config.group_max_session_timeout_ms()) {
    return done(join_error(error_code::invalid_session_timeout, req.member_id));
  }
  bool is_new = req.member_id.empty();
  group_slot* existing = find(req.group_id);
  if (existing == nullptr && !is_new) return done(join_error(error_code::unknown_member_id, req.member_id));
  group_slot& slot = existing != nullptr ? *existing : get_or_create(req.group_id);
  group& g = slot.g;

  if (g.is(group_state::dead)) {
    // Removed meanwhile (deleted, expired or unloaded): let the member find the coordinator again.
    return done(join_error(error_code::coordinator_not_available, req.member_id));
  }
  bool known = !is_new && (g.has(req.member_id) || g.pending_members.count(req.member_id) != 0);
  bool static_known = req.group_instance_id && g.static_members.count(*req.group_instance_id) != 0;
  if (!known && !static_known && g.members.size() + g.pending_members.size() >= static_cast<size_t>(_config.group_max_size())) {
    return done(join_error(error_code::group_max_size_reached, req.member_id));
  }
  if (!g.supports_protocols(req.protocol_type, req.protocols)) {
    // An unknown group created just now for this join stays only if it holds something.
    auto e = join_error(error_code::inconsistent_group_protocol, req.member_id);
    if (g.members.empty() && !g.has_offsets() && g.pending_members.empty() && g.generation == 0) erase_group(req.group_id);
    return done(std::move(e));
  }

  if (is_new) {
    if (req.group_instance_id) {
      std::string new_id = new_member_id(*req.group_instance_id);
      auto it = g.static_members.find(*req.group_instance_id);
      if (it != g.static_members.end()) return update_static_member(slot, req, std::move(new_id), std::move(done));
      return add_member_and_rebalance(slot, req, std::move(new_id), std::move(done));
    }
    std::string new_id = new_member_id(req.client_id);
    if (req.require_known_member_id) {
      // KIP-394: the member comes back with this id; until then it counts toward the group size.
      g.pending_members[new_id] = mono_ms() + req.session_timeout_ms;
      schedule(slot);
      return done(join_error(error_code::member_id_required, new_id));
    }
    return add_member_and_rebalance(slot, req, std::move(new_id), std::move(done));
  }

  // A known (or pending) member joins again.
  if (g.pending_members.count(req.member_id) != 0) {
    return add_member_and_rebalance(slot, req, req.member_id, std::move(done));
  }
  if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) {
    return done(join_error(error_code::fenced_instance_id, req.member_id));
  }
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) return done(join_error(error_code::unknown_member_id, req.member_id));
  member& m = mit->second;
  switch (g.state) {
  case group_state::preparing_rebalance:
    return update_member_and_rebalance(slot, m, req, std::move(done));
  case group_state::completing_rebalance:
    if (m.matches(req.protocols)) {
      // A retried JoinGroup of the generation just formed: answer it again.
      heartbeat_ok(g, m);
      bool leader = g.leader && *g.leader == m.id;
      return done(current_generation_result(g, m, leader));
    }
    return update_member_and_rebalance(slot, m, req, std::move(done));
  case group_state::stable: {
    bool leader = g.leader && *g.leader == m.id;
    if (leader || !m.matches(req.protocols)) return update_member_and_rebalance(slot, m, req, std::move(done));
    heartbeat_ok(g, m);
    schedule(slot);
    return done(current_generation_result(g, m, false));
  }
  case group_state::empty:
  case group_state::dead:
    return done(join_error(error_code::unknown_member_id, req.member_id));
  }
}

void group_coordinator::impl::add_member_and_rebalance(group_slot& slot, join_group_request& req, std::string member_id,
                                                       reply<join_group_result> done) {
  group& g = slot.g;
  member m;
  m.id = member_id;
  m.instance_id = req.group_instance_id;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.session_timeout_ms = req.session_timeout_ms;
  m.protocol_type = req.protocol_type;
  m.protocols = std::move(req.protocols);
  m.awaiting_join = std::move(done);
  m.is_new = true;
  m.heartbeat_deadline_ms = mono_ms() + m.session_timeout_ms;
  if (g.is(group_state::preparing_rebalance) && g.initial_delay_deadline_ms > 0) g.new_member_added = true;
  g.add(std::move(m));
  membership_logger()->info("member {} joins group {} ({})", member_id, g.id, req.reason.value_or("new member"));
  if (!g.is(group_state::preparing_rebalance)) {
    prepare_rebalance(slot, "member " + member_id + " joined");
  } else {
    maybe_complete_join(slot);
  }
  if (find(g.id) != nullptr) schedule(slot);
}

void group_coordinator::impl::update_member_and_rebalance(group_slot& slot, member& m, join_group_request& req,
                                                          reply<join_group_result> done) {
  group& g = slot.g;
  m.protocols = std::move(req.protocols);
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  m.session_timeout_ms = req.session_timeout_ms;
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  if (m.awaiting_join) {
    // A second JoinGroup while the first waits: the old request is superseded.
    answer_join(m, join_error(error_code::unknown_member_id, m.id));
  }
  m.awaiting_join = std::move(done);
  heartbeat_ok(g, m);
  std::string id = m.id;
  if (!g.is(group_state::preparing_rebalance)) {
    prepare_rebalance(slot, "member " + id + " rejoined or changed its protocols");
  } else {
    maybe_complete_join(slot);
  }
  if (find(g.id) != nullptr) schedule(slot);
}

void group_coordinator::impl::update_static_member(group_slot& slot, join_group_request& req, std::string new_id,
                                                   reply<join_group_result> done) {
  group& g = slot.g;
  const std::string instance = *req.group_instance_id;
  std::string old_id = g.static_members.at(instance);
  member* old = g.has(old_id) ? &g.members.at(old_id) : nullptr;
  if (old == nullptr) {
    g.static_members.erase(instance);
    return add_member_and_rebalance(slot, req, std::move(new_id), std::move(done));
  }
  // The instance restarted: its old incarnation is fenced.
  answer_join(*old, join_error(error_code::fenced_instance_id, old_id));
  answer_sync(*old, sync_error(error_code::fenced_instance_id));
  bool protocols_same = old->matches(req.protocols);
  g.replace_static_member(instance, old_id, new_id);
  member& m = g.members.at(new_id);
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms;
  membership_logger()->info("static member {} of group {} rejoined as {} (was {})", instance, g.id, new_id, old_id);

  if (g.is(group_state::stable) && protocols_same) {
    // No rebalance: record the new member id and hand back the current generation. A leader that
    // can skip the assignment (v9+) gets the member list to rebuild its state.
    heartbeat_ok(g, m);
    bool leader = g.leader && *g.leader == new_id;
    join_group_result r = current_generation_result(g, m, leader && req.supports_skip_assignment);
    r.skip_assignment = leader && req.supports_skip_assignment;
    std::map<std::string, bytes> assignments;
    for (const auto& [id, mm] : g.members) assignments[id] = mm.assignment;
    stored_group stored = g.to_stored(assignments);
    auto self = shared_from_this();
    std::string group_id = g.id;
    int32_t generation = g.generation;
    auto task = [](std::shared_ptr<impl> self, std::string group_id, int32_t generation, stored_group stored,
                   join_group_result r, reply<join_group_result> done) -> asio::awaitable<void> {
      std::vector<std::pair<bytes, std::optional<bytes>>> records;
      records.emplace_back(encode_group_metadata_key(group_id), encode_group_metadata_value(stored));
      group_slot* s = self->find(group_id);
      int32_t partition = s != nullptr ? s->g.partition : self->partition_for(group_id);
      error_code e = co_await self->append(partition, std::move(records));
      if (e != error_code::none) {
        membership_logger()->warn("could not record the new member id of a static member of {}: {}", group_id,
                       protocol::error_name(e));
        s = self->find(group_id);
        if (s != nullptr && s->g.generation == generation) self->prepare_rebalance(*s, "static member update failed");
        done(join_error(e, r.member_id));
        co_return;
      }
      done(std::move(r));
    };
    schedule(slot);
    asio::co_spawn(_strand, task(self, group_id, generation, std::move(stored), std::move(r), std::move(done)),
                   asio::detached);
    return;
  }
  m.protocols = std::move(req.protocols);
  m.awaiting_join = std::move(done);
  heartbeat_ok(g, m);
  if (!g.is(group_state::preparing_rebalance)) {
    prepare_rebalance(slot, "static member " + instance + " rejoined with different protocols");
  } else {
    maybe_complete_join(slot);
  }
  if (find(g.id) != nullptr) schedule(slot);
}

void group_coordinator::impl::prepare_rebalance(group_slot& slot, const std::string& reason) {
  group& g = slot.g;
  if (g.is(group_state::completing_rebalance)) {
    // The assignment being waited for is void: members resync after the next join.
    for (auto& [id, m] : g.members) {
      m.assignment.clear();
      answer_sync(m, sync_error(error_code::rebalance_in_progress));
    }
  }
  g.pending_sync.clear();
  g.sync_deadline_ms = 0;
  bool was_empty = g.is(group_state::empty);
  if (!g.transition_to(group_state::preparing_rebalance, now_ms())) return;
  int64_t now = mono_ms();
  int64_t rebalance_timeout = g.max_rebalance_timeout_ms();
  g.rebalance_deadline_ms = now + rebalance_timeout;
  if (was_empty) {
    int64_t delay = std::min<int64_t>(_config.group_initial_rebalance_delay_ms(), rebalance_timeout);
    g.initial_delay_deadline_ms = delay > 0 ? now + delay : 0;
    g.initial_delay_remaining_ms = std::max<int64_t>(rebalance_timeout - delay, 0);
    g.new_member_added = false;
  } else {
    g.initial_delay_deadline_ms = 0;
  }
  membership_logger()->info("preparing to rebalance group {} in state PreparingRebalance with old generation {} ({}-{}) "
                 "(reason: {})",
                 g.id, g.generation, offsets_topic, g.partition, reason);
  maybe_complete_join(slot);
}

void group_coordinator::impl::maybe_complete_join(group_slot& slot) {
  group& g = slot.g;
  if (!g.is(group_state::preparing_rebalance) || g.initial_delay_deadline_ms > 0) return;
  if (g.all_members_joined()) complete_join(slot);
}

void group_coordinator::impl::complete_join(group_slot& slot) {
  group& g = slot.g;
  if (!g.is(group_state::preparing_rebalance)) return;
  // Dynamic members that did not rejoin are gone; static ones keep their place until their
  // session expires.
  std::vector<std::string> stragglers;
  for (const auto& [id, m] : g.members) {
    if (!m.awaiting_join && !m.instance_id) stragglers.push_back(id);
  }
  for (const auto& id : stragglers) g.remove(id);
  g.pending_members.clear();
  g.rebalance_deadline_ms = 0;
  g.initial_delay_deadline_ms = 0;

  if (!g.members.empty() && !g.elect_joined_leader()) {
    // Only static members that have not rejoined are left: wait another rebalance timeout (their
    // sessions expire meanwhile).
    g.rebalance_deadline_ms = mono_ms() + std::max(g.max_rebalance_timeout_ms(), 1);
    schedule(slot);
    return;
  }
  ++g.generation;
  if (g.members.empty()) {
    g.protocol.reset();
    g.leader.reset();
    g.transition_to(group_state::empty, now_ms());
    membership_logger()->info("group {} with generation {} is now empty ({}-{})", g.id, g.generation, offsets_topic, g.partition);
    stored_group stored = g.to_stored({});
    std::string group_id = g.id;
    int32_t partition = g.partition;
    auto self = shared_from_this();
    auto task = [](std::shared_ptr<impl> self, std::string group_id, int32_t partition,
                   stored_group stored) -> asio::awaitable<void> {
      std::vector<std::pair<bytes, std::optional<bytes>>> records;
      records.emplace_back(encode_group_metadata_key(group_id), encode_group_metadata_value(stored));
      error_code e = co_await self->append(partition, std::move(records));
      if (e != error_code::none) {
        membership_logger()->warn("could not write the empty state of group {}: {}", group_id, protocol::error_name(e));
      }
    };
    asio::co_spawn(_strand, task(self, group_id, partition, std::move(stored)), asio::detached);
    schedule(slot);
    return;
  }
  g.protocol = g.select_protocol();
  g.transition_to(group_state::completing_rebalance, now_ms());
  membership_logger()->info("stabilized group {} generation {} ({}-{}) with {} members", g.id, g.generation, offsets_topic,
                 g.partition, g.members.size());
  g.pending_sync.clear();
  int64_t now = mono_ms();
  for (auto& [id, m] : g.members) {
    g.pending_sync.insert(id);
    if (!m.awaiting_join) continue;  // a static member that has not rejoined
    bool leader = g.leader && *g.leader == id;
    m.is_new = false;
    m.heartbeat_deadline_ms = now + m.session_timeout_ms;
    answer_join(m, current_generation_result(g, m, leader));
  }
  g.sync_deadline_ms = now + std::max(g.max_rebalance_timeout_ms(), 1);
  schedule(slot);
}

void group_coordinator::impl::remove_member_and_update(group_slot& slot, const std::string& member_id,
                                                       const std::string& reason) {
  group& g = slot.g;
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return;
  answer_join(it->second, join_error(error_code::unknown_member_id, member_id));
  answer_sync(it->second, sync_error(error_code::unknown_member_id));
  membership_logger()->info("member {} leaves group {} ({})", member_id, g.id, reason);
  g.remove(member_id);
  switch (g.state) {
  case group_state::stable:
  case group_state::completing_rebalance:
    prepare_rebalance(slot, "removing member " + member_id + ": " + reason);
    break;
  case group_state::preparing_rebalance:
    maybe_complete_join(slot);
    break;
  case group_state::empty:
  case group_state::dead:
    break;
  }
}

// ---------------------------------------------------------------------------------------------
// SyncGroup

void group_coordinator::impl::sync(sync_group_request req, reply<sync_group_result> done) {
  if (error_code e = check_owner(req.group_id); e != error_code::none) return done(sync_error(e));
  group_slot* slot = find(req.group_id);
  if (slot == nullptr) return done(sync_error(error_code::unknown_member_id));
  group& g = slot->g;
  if (g.is(group_state::dead)) return done(sync_error(error_code::coordinator_not_available));
  if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) return done(sync_error(error_code::fenced_instance_id));
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) return done(sync_error(error_code::unknown_member_id));
  if (req.generation_id != g.generation) return done(sync_error(error_code::illegal_generation));
  if ((req.protocol_type && (!g.protocol_type || *req.protocol_type != *g.protocol_type)) ||
      (req.protocol_name && (!g.protocol || *req.protocol_name != *g.protocol))) {
    return done(sync_error(error_code::inconsistent_group_protocol));
  }
  member& m = mit->second;
  switch (g.state) {
  case group_state::empty:
    return done(sync_error(error_code::unknown_member_id));
  case group_state::preparing_rebalance:
    return done(sync_error(error_code::rebalance_in_progress));
  case group_state::stable: {
    heartbeat_ok(g, m);
    schedule(*slot);
    sync_group_result r;
    r.protocol_type = g.protocol_type;
    r.protocol_name = g.protocol;
    r.assignment = m.assignment;
    return done(std::move(r));
  }
  case group_state::completing_rebalance: {
    if (m.awaiting_sync) answer_sync(m, sync_error(error_code::rebalance_in_progress));
    m.awaiting_sync = std::move(done);
    heartbeat_ok(g, m);
    g.pending_sync.erase(m.id);
    if (g.leader && *g.leader == m.id) {
      std::map<std::string, bytes> assignments;
      for (auto& [id, a] : req.assignments) {
        if (g.has(id)) assignments[id] = std::move(a);
      }
      for (const auto& [id, other] : g.members) assignments.try_emplace(id);  // unassigned: empty
      auto self = shared_from_this();
      asio::co_spawn(_strand, store_assignment(self, g.id, g.generation, std::move(assignments)), asio::detached);
    }
    schedule(*slot);
    return;
  }
  case group_state::dead:
    return done(sync_error(error_code::coordinator_not_available));
  }
}

asio::awaitable<void> group_coordinator::impl::store_assignment(std::shared_ptr<impl> self, std::string group_id,
                                                                int32_t generation,
                                                                std::map<std::string, bytes> assignments) {
  (void)self;
  group_slot* slot = find(group_id);
  if (slot == nullptr) co_return;
  error_code e = co_await store_group(slot->g, assignments);
  slot = find(group_id);  // the group may have been unloaded or removed meanwhile
  if (slot == nullptr) co_return;
  complete_sync(*slot, generation, assignments, e);
}

void group_coordinator::impl::complete_sync(group_slot& slot, int32_t generation,
                                            const std::map<std::string, bytes>& assignments, error_code e) {
  group& g = slot.g;
  if (!g.is(group_state::completing_rebalance) || g.generation != generation) return;  // moved on meanwhile
  if (e != error_code::none) {
    for (auto& [id, m] : g.members) answer_sync(m, sync_error(e));
    prepare_rebalance(slot, "failed to store the group's assignment");
    schedule(slot);
    return;
  }
  for (auto& [id, m] : g.members) {
    auto a = assignments.find(id);
    m.assignment = a != assignments.end() ? a->second : bytes{};
  }
  g.transition_to(group_state::stable, now_ms());
  g.sync_deadline_ms = 0;
  g.pending_sync.clear();
  for (auto& [id, m] : g.members) {
    if (!m.awaiting_sync) continue;
    sync_group_result r;
    r.protocol_type = g.protocol_type;
    r.protocol_name = g.protocol;
    r.assignment = m.assignment;
    heartbeat_ok(g, m);
    answer_sync(m, std::move(r));
  }
  schedule(slot);
}

// ---------------------------------------------------------------------------------------------
// Heartbeat and LeaveGroup

error_code group_coordinator::impl::heartbeat(const heartbeat_request& req) {
  if (error_code e = check_owner(req.group_id); e != error_code::none) return e;
  group_slot* slot = find(req.group_id);
  if (slot == nullptr) return error_code::unknown_member_id;
  group& g = slot->g;
  if (g.is(group_state::dead)) return error_code::coordinator_not_available;
  if (g.is_static_member_fenced(req.group_instance_id, req.member_id)) return error_code::fenced_instance_id;
  auto mit = g.members.find(req.member_id);
  if (mit == g.members.end()) return error_code::unknown_member_id;
  if (req.generation_id != g.generation) return error_code::illegal_generation;
  switch (g.state) {
  case group_state::empty:
  case group_state::dead:
    return error_code::unknown_member_id;
  case group_state::preparing_rebalance:
    heartbeat_ok(g, mit->second);
    schedule(*slot);
    return error_code::rebalance_in_progress;
  case group_state::completing_rebalance:
  case group_state::stable:
    heartbeat_ok(g, mit->second);
    schedule(*slot);
    return error_code::none;
  }
  return error_code::none;
}

leave_group_result group_coordinator::impl::leave(const std::string& group_id, const std::vector<leave_member>& members) {
  leave_group_result out;
  if (error_code e = check_owner(group_id); e != error_code::none) {
    out.error = e;
    return out;
  }
  group_slot* slot = find(group_id);
  for (const auto& lm : members) {
    leave_member_result r;
    r.member_id = lm.member_id;
    r.group_instance_id = lm.group_instance_id;
    if (slot == nullptr) {
      r.error = error_code::unknown_member_id;
      out.members.push_back(std::move(r));
      continue;
    }
    group& g = slot->g;
    if (g.is(group_state::dead)) {
      out.error = error_code::coordinator_not_available;
      out.members.clear();
      return out;
    }
    std::string to_remove;
    if (lm.group_instance_id) {
      auto it = g.static_members.find(*lm.group_instance_id);
      if (it == g.static_members.end()) {
        r.error = error_code::unknown_member_id;
      } else if (!lm.member_id.empty() && lm.member_id != it->second) {
        r.error = error_code::fenced_instance_id;
      } else {
        to_remove = it->second;
      }
    } else if (g.pending_members.erase(lm.member_id) != 0) {
      maybe_complete_join(*slot);
    } else if (!g.has(lm.member_id)) {
      r.error = error_code::unknown_member_id;
    } else {
      to_remove = lm.member_id;
    }
    if (!to_remove.empty()) {
      std::string why = "the consumer is leaving the group";
      if (lm.reason) why += " (" + *lm.reason + ")";
      remove_member_and_update(*slot, to_remove, why);
    }
    out.members.push_back(std::move(r));
  }
  if (slot != nullptr && find(group_id) != nullptr) schedule(*slot);
  return out;
}

} // namespace gregor::group
