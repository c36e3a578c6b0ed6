#include "group.h"

#include <algorithm>

#include "gregor/protocol/messages/consumer_protocol.h"
#include "gregor/protocol/reader.h"

namespace gregor::group {

const char* state_name(group_state s) {
  switch (s) {
  case group_state::empty: return "Empty";
  case group_state::preparing_rebalance: return "PreparingRebalance";
  case group_state::completing_rebalance: return "CompletingRebalance";
  case group_state::stable: return "Stable";
  case group_state::dead: return "Dead";
  }
  return "Dead";
}

const bytes* member::metadata_for(const std::string& protocol) const {
  for (const auto& [name, meta] : protocols) {
    if (name == protocol) return &meta;
  }
  return nullptr;
}

bool member::matches(const std::vector<std::pair<std::string, bytes>>& other) const {
  return protocols == other;
}

namespace {

bool allowed(group_state from, group_state to) {
  using s = group_state;
  switch (to) {
  case s::preparing_rebalance: return from == s::stable || from == s::completing_rebalance || from == s::empty;
  case s::completing_rebalance: return from == s::preparing_rebalance;
  case s::stable: return from == s::completing_rebalance;
  case s::empty: return from == s::preparing_rebalance;
  case s::dead: return true;
  }
  return false;
}

} // namespace

bool group::transition_to(group_state next, int64_t now_ms) {
  if (!allowed(state, next)) return false;
  state = next;
  state_timestamp_ms = now_ms;
  return true;
}

void group::add(member m) {
  if (members.empty()) protocol_type = m.protocol_type;
  if (!leader || members.count(*leader) == 0) leader = m.id;
  if (m.instance_id) static_members[*m.instance_id] = m.id;
  pending_members.erase(m.id);
  std::string id = m.id;
  members.insert_or_assign(id, std::move(m));
}

void group::remove(const std::string& member_id) {
  auto it = members.find(member_id);
  if (it == members.end()) return;
  if (it->second.instance_id) {
    auto s = static_members.find(*it->second.instance_id);
    if (s != static_members.end() && s->second == member_id) static_members.erase(s);
  }
  members.erase(it);
  pending_sync.erase(member_id);
  if (leader && *leader == member_id) {
    leader.reset();
    if (!members.empty()) leader = members.begin()->first;
  }
}

void group::replace_static_member(const std::string& instance, const std::string& old_id, const std::string& new_id) {
  auto it = members.find(old_id);
  if (it == members.end()) return;
  member m = std::move(it->second);
  members.erase(it);
  m.id = new_id;
  members.insert_or_assign(new_id, std::move(m));
  static_members[instance] = new_id;
  if (pending_sync.erase(old_id) != 0) pending_sync.insert(new_id);
  if (leader && *leader == old_id) leader = new_id;
}

bool group::is_static_member_fenced(const std::optional<std::string>& instance_id, const std::string& member_id) const {
  if (!instance_id) return false;
  auto it = static_members.find(*instance_id);
  return it != static_members.end() && it->second != member_id;
}

size_t group::awaiting_join_count() const {
  return static_cast<size_t>(std::count_if(members.begin(), members.end(),
                                           [](const auto& kv) { return static_cast<bool>(kv.second.awaiting_join); }));
}

int32_t group::max_rebalance_timeout_ms() const {
  int32_t out = 0;
  for (const auto& [id, m] : members) out = std::max(out, m.rebalance_timeout_ms);
  return out;
}

bool group::supports_protocols(const std::string& type,
                               const std::vector<std::pair<std::string, bytes>>& protos) const {
  if (members.empty()) return !type.empty() && !protos.empty();
  if (!protocol_type || *protocol_type != type) return false;
  for (const auto& [name, meta] : protos) {
    bool everyone = std::all_of(members.begin(), members.end(),
                                [&](const auto& kv) { return kv.second.metadata_for(name) != nullptr; });
    if (everyone) return true;
  }
  return false;
}

std::optional<std::string> group::select_protocol() const {
  if (members.empty()) return std::nullopt;
  // Candidates: supported by every member, in the first member's preference order (tie-break).
  std::vector<std::string> candidates;
  for (const auto& [name, meta] : members.begin()->second.protocols) {
    bool everyone = std::all_of(members.begin(), members.end(),
                                [&](const auto& kv) { return kv.second.metadata_for(name) != nullptr; });
    if (everyone) candidates.push_back(name);
  }
  if (candidates.empty()) return std::nullopt;
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members) {
    for (const auto& [name, meta] : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), name) != candidates.end()) {
        ++votes[name];
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const auto& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

bool group::elect_joined_leader() {
  if (leader && members.count(*leader) != 0 && members.at(*leader).awaiting_join) return true;
  for (const auto& [id, m] : members) {
    if (m.awaiting_join) {
      leader = id;
      return true;
    }
  }
  return false;
}

namespace {

// The topics of a ConsumerProtocol Subscription (an int16 version, then the generated layout; newer
// versions are read as the newest we know, as Kafka's ConsumerProtocol does). False for bytes that
// do not parse.
bool read_subscription_topics(const bytes& b, std::set<std::string>& out) {
  protocol::reader r(shared_bytes::copy_of(b));
  int16_t version = r.read_int16();
  if (!r.ok() || version < 0) return false;
  protocol::consumer_protocol_subscription sub;
  if (!sub.decode(r, std::min<int16_t>(version, protocol::consumer_protocol_subscription::max_version)) || !r.ok()) {
    return false;
  }
  out.insert(sub.topics.begin(), sub.topics.end());
  return true;
}

} // namespace

std::optional<std::set<std::string>> group::subscribed_topics() const {
  if (!protocol_type || *protocol_type != "consumer" || !protocol) return std::nullopt;
  std::set<std::string> topics;
  for (const auto& [id, m] : members) {
    const bytes* meta = m.metadata_for(*protocol);
    if (meta == nullptr || !read_subscription_topics(*meta, topics)) return std::nullopt;
  }
  return topics;
}

stored_group group::to_stored(const std::map<std::string, bytes>& assignments) const {
  stored_group out;
  out.protocol_type = protocol_type.value_or("");
  out.generation = generation;
  out.current_state_timestamp = state_timestamp_ms;
  if (members.empty()) return out;  // Empty: protocol and leader null, no members
  out.protocol = protocol;
  out.leader = leader;
  for (const auto& [id, m] : members) {
    stored_member sm;
    sm.member_id = id;
    sm.group_instance_id = m.instance_id;
    sm.client_id = m.client_id;
    sm.client_host = m.client_host;
    sm.rebalance_timeout_ms = m.rebalance_timeout_ms;
    sm.session_timeout_ms = m.session_timeout_ms;
    if (protocol) {
      if (const bytes* meta = m.metadata_for(*protocol)) sm.subscription = *meta;
    }
    auto a = assignments.find(id);
    sm.assignment = a != assignments.end() ? a->second : m.assignment;
    out.members.push_back(std::move(sm));
  }
  return out;
}

bool group::has_pending_txn_offset(const topic_partition& tp) const {
  for (const auto& [producer, pending] : pending_txn_offsets) {
    if (pending.count(tp) != 0) return true;
  }
  return false;
}

void group::complete_txn_offsets(int64_t producer_id, bool commit) {
  auto it = pending_txn_offsets.find(producer_id);
  if (it == pending_txn_offsets.end()) return;
  if (commit) {
    for (auto& [tp, o] : it->second) offsets[tp] = std::move(o);
  }
  pending_txn_offsets.erase(it);
}

} // namespace gregor::group
