#include "gregor/client/group_requests.h"

#include "gregor/client/errc.h"

namespace gregor::client {

namespace {

std::error_code invalid() { return make_error_code(client_errc::invalid_argument); }

const topic_partition& partition_of(const topic_partition& tp) { return tp; }
template <class V>
const topic_partition& partition_of(const std::pair<const topic_partition, V>& entry) {
  return entry.first;
}

// Request topics from `items` (partitions, or map entries keyed by partition): topics in
// first-seen order, `fill(topic, item)` for each item in the given order.
template <class Topic, class Items, class Fill>
std::vector<Topic> group_by_topic(const Items& items, Fill fill) {
  std::vector<Topic> out;
  for (const auto& item : items) {
    const topic_partition& tp = partition_of(item);
    Topic* t = nullptr;
    for (auto& existing : out) {
      if (existing.name == tp.topic) t = &existing;
    }
    if (t == nullptr) {
      t = &out.emplace_back();
      t->name = tp.topic;
    }
    fill(*t, item);
  }
  return out;
}

// OffsetFetch's requested topics: null (every committed partition) or the partitions by topic.
template <class Topic>
std::optional<std::vector<Topic>> requested_topics(const std::optional<std::vector<topic_partition>>& partitions) {
  if (!partitions) return std::nullopt;
  auto add = [](Topic& t, const topic_partition& tp) { t.partition_indexes.push_back(tp.partition); };
  return group_by_topic<Topic>(*partitions, add);
}

// The member's identity, common to JoinGroup, SyncGroup, Heartbeat and OffsetCommit; a static
// member (group.instance.id) needs version `static_from` or later.
template <class Req, class Params>
result<Req> member_request(int16_t version, int16_t static_from, const Params& p) {
  if (p.group_instance_id && version < static_from) return unexpected(invalid());
  Req req;
  req.group_id = p.group_id;
  req.member_id = p.member_id;
  req.group_instance_id = p.group_instance_id;
  return req;
}

// Per-partition errors of response topics (OffsetCommit, OffsetDelete).
template <class Topics>
std::map<topic_partition, std::error_code> partition_errors(const Topics& topics) {
  std::map<topic_partition, std::error_code> out;
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) out[topic_partition{t.name, p.partition_index}] = kafka_error(p.error_code);
  }
  return out;
}

// Committed offsets of OffsetFetch response topics (v0-7 and a v8+ group alike).
template <class Topics>
void add_committed(std::map<topic_partition, committed_offset>& out, const Topics& topics) {
  for (const auto& t : topics) {
    for (const auto& p : t.partitions) {
      out[topic_partition{t.name, p.partition_index}] =
        committed_offset{p.committed_offset, p.committed_leader_epoch, p.metadata.value_or(""), kafka_error(p.error_code)};
    }
  }
}

} // namespace

protocol::find_coordinator_request build_find_coordinator_request(int16_t version, const std::vector<std::string>& keys) {
  protocol::find_coordinator_request req;
  req.key_type = 0;
  if (version >= 4) {
    req.coordinator_keys = keys;
  } else if (!keys.empty()) {
    req.key = keys.front();
  }
  return req;
}

std::vector<found_coordinator> read_find_coordinator_response(int16_t version, const protocol::find_coordinator_response& r,
                                                              const std::string& requested_key) {
  std::vector<found_coordinator> out;
  if (version >= 4) {
    for (const auto& c : r.coordinators) {
      out.push_back({c.key, kafka_error(c.error_code), broker_info{c.node_id, c.host, c.port, std::nullopt}});
    }
  } else {
    out.push_back({requested_key, kafka_error(r.error_code), broker_info{r.node_id, r.host, r.port, std::nullopt}});
  }
  return out;
}

result<protocol::join_group_request> build_join_group_request(int16_t version, const join_group_params& p) {
  auto req = member_request<protocol::join_group_request>(version, 5, p);
  if (!req) return req;
  req->session_timeout_ms = p.session_timeout_ms;
  req->rebalance_timeout_ms = p.rebalance_timeout_ms;
  req->protocol_type = p.protocol_type;
  for (const auto& [name, metadata] : p.protocols) {
    auto& proto = req->protocols.emplace_back();
    proto.name = name;
    proto.metadata = metadata;
  }
  if (version >= 8) req->reason = p.reason;
  return req;
}

join_group_outcome read_join_group_response(const protocol::join_group_response& r) {
  join_group_outcome out;
  out.error = kafka_error(r.error_code);
  out.generation_id = r.generation_id;
  out.protocol_type = r.protocol_type;
  out.protocol_name = r.protocol_name;
  out.leader_id = r.leader;
  out.member_id = r.member_id;
  out.skip_assignment = r.skip_assignment;
  for (const auto& m : r.members) out.members.push_back({m.member_id, m.group_instance_id, m.metadata});
  return out;
}

result<protocol::sync_group_request> build_sync_group_request(int16_t version, const sync_group_params& p) {
  auto req = member_request<protocol::sync_group_request>(version, 3, p);
  if (!req) return req;
  req->generation_id = p.generation_id;
  if (version >= 5) {
    req->protocol_type = p.protocol_type;
    req->protocol_name = p.protocol_name;
  }
  for (const auto& [member, assignment] : p.assignments) {
    auto& a = req->assignments.emplace_back();
    a.member_id = member;
    a.assignment = assignment;
  }
  return req;
}

sync_group_outcome read_sync_group_response(const protocol::sync_group_response& r) {
  return {kafka_error(r.error_code), r.protocol_type, r.protocol_name, r.assignment};
}

result<protocol::heartbeat_request> build_heartbeat_request(int16_t version, const heartbeat_params& p) {
  auto req = member_request<protocol::heartbeat_request>(version, 3, p);
  if (req) req->generation_id = p.generation_id;
  return req;
}

result<protocol::leave_group_request> build_leave_group_request(int16_t version, const std::string& group_id,
                                                                const std::vector<leaving_member>& members) {
  protocol::leave_group_request req;
  req.group_id = group_id;
  if (version < 3) {
    if (members.size() != 1 || members.front().group_instance_id) return unexpected(invalid());
    req.member_id = members.front().member_id;
    return req;
  }
  if (members.empty()) return unexpected(invalid());
  for (const auto& m : members) {
    auto& id = req.members.emplace_back();
    id.member_id = m.member_id;
    id.group_instance_id = m.group_instance_id;
    if (version >= 5) id.reason = m.reason;
  }
  return req;
}

leave_group_outcome read_leave_group_response(int16_t version, const protocol::leave_group_response& r,
                                              const std::vector<leaving_member>& members) {
  leave_group_outcome out;
  out.error = kafka_error(r.error_code);
  if (version < 3) {
    for (const auto& m : members) out.members.emplace_back(m.member_id, out.error);
    return out;
  }
  for (const auto& m : r.members) out.members.emplace_back(m.member_id, kafka_error(m.error_code));
  return out;
}

result<protocol::offset_commit_request> build_offset_commit_request(int16_t version, const offset_commit_params& p) {
  using topic = protocol::offset_commit_request::offset_commit_request_topic;
  auto req = member_request<protocol::offset_commit_request>(version, 7, p);
  if (!req) return req;
  req->generation_id_or_member_epoch = p.generation_id;
  req->retention_time_ms = -1;  // the broker's offsets.retention.minutes
  auto add = [&p](topic& t, const std::pair<const topic_partition, int64_t>& entry) {
    auto& part = t.partitions.emplace_back();
    part.partition_index = entry.first.partition;
    part.committed_offset = entry.second;
    part.committed_leader_epoch = -1;
    part.commit_timestamp = -1;  // v1: the broker's time
    part.committed_metadata = p.metadata;
  };
  req->topics = group_by_topic<topic>(p.offsets, add);
  return req;
}

std::map<topic_partition, std::error_code> read_offset_commit_response(const protocol::offset_commit_response& r) {
  return partition_errors(r.topics);
}

result<protocol::offset_fetch_request> build_offset_fetch_request(int16_t version, const std::string& group_id,
                                                                  const std::optional<std::vector<topic_partition>>& partitions,
                                                                  bool require_stable) {
  if (!partitions && version < 2) return unexpected(invalid());
  protocol::offset_fetch_request req;
  if (version >= 7) req.require_stable = require_stable;
  if (version >= 8) {
    auto& g = req.groups.emplace_back();
    g.group_id = group_id;
    g.topics =
      requested_topics<protocol::offset_fetch_request::offset_fetch_request_group::offset_fetch_request_topics>(partitions);
    return req;
  }
  req.group_id = group_id;
  req.topics = requested_topics<protocol::offset_fetch_request::offset_fetch_request_topic>(partitions);
  return req;
}

result<std::map<topic_partition, committed_offset>> read_offset_fetch_response(int16_t version,
                                                                               const protocol::offset_fetch_response& r,
                                                                               const std::string& group_id) {
  std::map<topic_partition, committed_offset> out;
  if (version >= 8) {
    for (const auto& g : r.groups) {
      if (g.group_id != group_id) continue;
      if (g.error_code != 0) return unexpected(kafka_error(g.error_code));
      add_committed(out, g.topics);
      return out;
    }
    return unexpected(make_error_code(client_errc::malformed_response));
  }
  if (version >= 2 && r.error_code != 0) return unexpected(kafka_error(r.error_code));
  add_committed(out, r.topics);
  return out;
}

result<protocol::list_groups_request> build_list_groups_request(int16_t version, const std::vector<std::string>& states) {
  if (!states.empty() && version < 4) return unexpected(invalid());
  protocol::list_groups_request req;
  req.states_filter = states;
  return req;
}

result<std::vector<group_listing>> read_list_groups_response(const protocol::list_groups_response& r) {
  if (r.error_code != 0) return unexpected(kafka_error(r.error_code));
  std::vector<group_listing> out;
  for (const auto& g : r.groups) out.push_back({g.group_id, g.protocol_type, g.group_state});
  return out;
}

protocol::describe_groups_request build_describe_groups_request(const std::vector<std::string>& groups) {
  protocol::describe_groups_request req;
  req.groups = groups;
  return req;
}

std::vector<group_description> read_describe_groups_response(const protocol::describe_groups_response& r) {
  std::vector<group_description> out;
  for (const auto& g : r.groups) {
    group_description d;
    d.group_id = g.group_id;
    d.error = kafka_error(g.error_code);
    d.state = g.group_state;
    d.protocol_type = g.protocol_type;
    d.protocol = g.protocol_data;
    for (const auto& m : g.members) {
      d.members.push_back({m.member_id, m.group_instance_id, m.client_id, m.client_host, m.member_metadata, m.member_assignment});
    }
    out.push_back(std::move(d));
  }
  return out;
}

protocol::delete_groups_request build_delete_groups_request(const std::vector<std::string>& groups) {
  protocol::delete_groups_request req;
  req.groups_names = groups;
  return req;
}

std::vector<std::pair<std::string, std::error_code>> read_delete_groups_response(const protocol::delete_groups_response& r) {
  std::vector<std::pair<std::string, std::error_code>> out;
  for (const auto& g : r.results) out.emplace_back(g.group_id, kafka_error(g.error_code));
  return out;
}

protocol::offset_delete_request build_offset_delete_request(const std::string& group_id,
                                                            const std::vector<topic_partition>& partitions) {
  protocol::offset_delete_request req;
  req.group_id = group_id;
  req.topics = group_by_topic<protocol::offset_delete_request::offset_delete_request_topic>(
    partitions, [](auto& t, const topic_partition& tp) { t.partitions.emplace_back().partition_index = tp.partition; });
  return req;
}

offset_delete_outcome read_offset_delete_response(const protocol::offset_delete_response& r) {
  offset_delete_outcome out;
  out.error = kafka_error(r.error_code);
  out.partitions = partition_errors(r.topics);
  return out;
}

} // namespace gregor::client
