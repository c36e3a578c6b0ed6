#include "controller_context.h"

namespace gregor::controller {

std::set<int32_t> controller_context::live_ids() const {
  std::set<int32_t> ids;
  for (const auto& [id, b] : live_brokers) {
    if (shutting_down.count(id) == 0) ids.insert(id);
  }
  return ids;
}

std::set<int32_t> controller_context::live_or_shutting_down_ids() const {
  std::set<int32_t> ids;
  for (const auto& [id, b] : live_brokers) ids.insert(id);
  return ids;
}

const std::vector<int32_t>* controller_context::replicas_of(const topic_partition& tp) const {
  auto t = topics.find(tp.topic);
  if (t == topics.end()) return nullptr;
  auto p = t->second.assignment.partitions.find(tp.partition);
  return p == t->second.assignment.partitions.end() ? nullptr : &p->second;
}

replica_assignment controller_context::full_assignment(const topic_partition& tp) const {
  auto t = topics.find(tp.topic);
  if (t == topics.end()) return {};
  return assignment_of(t->second.assignment, tp.partition);
}

void controller_context::set_full_assignment(const topic_partition& tp, const replica_assignment& a) {
  auto t = topics.find(tp.topic);
  if (t == topics.end()) return;
  set_assignment(t->second.assignment, tp.partition, a);
}

std::vector<topic_partition> controller_context::partitions_of(const std::string& topic) const {
  std::vector<topic_partition> out;
  auto t = topics.find(topic);
  if (t == topics.end()) return out;
  for (const auto& [p, r] : t->second.assignment.partitions) out.push_back({topic, p});
  return out;
}

std::vector<topic_partition> controller_context::all_partitions() const {
  std::vector<topic_partition> out;
  for (const auto& [name, t] : topics) {
    for (const auto& [p, r] : t.assignment.partitions) out.push_back({name, p});
  }
  return out;
}

std::vector<partition_replica> controller_context::replicas_of_partitions(const std::vector<topic_partition>& tps) const {
  std::vector<partition_replica> out;
  for (const auto& tp : tps) {
    if (const auto* replicas = replicas_of(tp)) {
      for (int32_t r : *replicas) out.push_back({tp, r});
    }
  }
  return out;
}

std::vector<partition_replica> controller_context::replicas_on_brokers(const std::set<int32_t>& brokers) const {
  std::vector<partition_replica> out;
  for (const auto& [name, t] : topics) {
    for (const auto& [p, replicas] : t.assignment.partitions) {
      for (int32_t r : replicas) {
        if (brokers.count(r) > 0) out.push_back({{name, p}, r});
      }
    }
  }
  return out;
}

std::vector<partition_replica> controller_context::replicas_of_topic(const std::string& topic) const {
  return replicas_of_partitions(partitions_of(topic));
}

partition_state_kind controller_context::partition_state(const topic_partition& tp) const {
  auto it = partition_states.find(tp);
  return it == partition_states.end() ? partition_state_kind::non_existent : it->second;
}

replica_state_kind controller_context::replica_state(const partition_replica& r) const {
  auto it = replica_states.find(r);
  return it == replica_states.end() ? replica_state_kind::non_existent : it->second;
}

bool controller_context::all_replicas_in_state(const std::string& topic, replica_state_kind s) const {
  for (const auto& r : replicas_of_topic(topic)) {
    if (replica_state(r) != s) return false;
  }
  return true;
}

bool controller_context::any_replica_in_state(const std::string& topic, replica_state_kind s) const {
  for (const auto& r : replicas_of_topic(topic)) {
    if (replica_state(r) == s) return true;
  }
  return false;
}

bool controller_context::has_live_leader(const topic_partition& tp) const {
  auto it = leadership.find(tp);
  return it != leadership.end() && it->second.state.leader >= 0 && is_live(it->second.state.leader);
}

void controller_context::remove_topic(const std::string& topic) {
  for (const auto& r : replicas_of_topic(topic)) replica_states.erase(r);
  for (const auto& tp : partitions_of(topic)) {
    leadership.erase(tp);
    partition_states.erase(tp);
    reassigning.erase(tp);
  }
  // Replica states of replicas no longer in the assignment (removed by a reassignment).
  for (auto it = replica_states.begin(); it != replica_states.end();) {
    it = it->first.tp.topic == topic ? replica_states.erase(it) : std::next(it);
  }
  topics.erase(topic);
  topics_to_delete.erase(topic);
  deletion_started.erase(topic);
  deletion_ineligible.erase(topic);
}

void controller_context::clear() { *this = controller_context{}; }

} // namespace gregor::controller
