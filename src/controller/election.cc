#include "election.h"

#include <algorithm>

namespace gregor::controller {

namespace {

bool election_contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

zk::partition_state with_leader(const zk::partition_state& current, int32_t leader, std::vector<int32_t> isr,
                                int32_t controller_epoch) {
  zk::partition_state next = current;
  next.leader = leader;
  next.isr = std::move(isr);
  next.leader_epoch = current.leader_epoch + 1;
  next.controller_epoch = controller_epoch;
  return next;
}

} // namespace

std::optional<zk::partition_state> initial_state(const std::vector<int32_t>& replicas,
                                                 const std::set<int32_t>& live, int32_t controller_epoch) {
  zk::partition_state s;
  s.controller_epoch = controller_epoch;
  s.leader_epoch = 0;
  for (int32_t r : replicas) {
    if (live.count(r) > 0) s.isr.push_back(r);
  }
  if (s.isr.empty()) return std::nullopt;
  s.leader = s.isr.front();
  return s;
}

std::optional<zk::partition_state> elect_offline(const std::vector<int32_t>& replicas,
                                                 const zk::partition_state& current,
                                                 const std::set<int32_t>& live, bool unclean,
                                                 int32_t controller_epoch) {
  std::vector<int32_t> live_isr;
  for (int32_t r : current.isr) {
    if (live.count(r) > 0) live_isr.push_back(r);
  }
  for (int32_t r : replicas) {
    if (live.count(r) > 0 && election_contains(live_isr, r)) {
      auto next = with_leader(current, r, live_isr, controller_epoch);
      next.leader_recovery_state = 0;
      return next;
    }
  }
  if (!unclean) return std::nullopt;
  for (int32_t r : replicas) {
    if (live.count(r) > 0) {
      auto next = with_leader(current, r, {r}, controller_epoch);
      next.leader_recovery_state = 1;  // RECOVERING: the new leader may lack acknowledged records
      return next;
    }
  }
  return std::nullopt;
}

std::optional<zk::partition_state> elect_reassignment(const std::vector<int32_t>& target,
                                                      const zk::partition_state& current,
                                                      const std::set<int32_t>& live, int32_t controller_epoch) {
  for (int32_t r : target) {
    if (live.count(r) == 0 || !election_contains(current.isr, r)) continue;
    // The ISR keeps only target replicas: the removed ones would leave it in the next step anyway,
    // and a replica the move no longer has may have been added by the leader while it raced us.
    std::vector<int32_t> isr;
    for (int32_t m : current.isr) {
      if (election_contains(target, m)) isr.push_back(m);
    }
    return with_leader(current, r, std::move(isr), controller_epoch);
  }
  return std::nullopt;
}

std::optional<zk::partition_state> elect_preferred(const std::vector<int32_t>& replicas,
                                                   const zk::partition_state& current,
                                                   const std::set<int32_t>& live, int32_t controller_epoch) {
  if (replicas.empty()) return std::nullopt;
  int32_t preferred = replicas.front();
  if (live.count(preferred) == 0 || !election_contains(current.isr, preferred)) return std::nullopt;
  return with_leader(current, preferred, current.isr, controller_epoch);
}

std::optional<zk::partition_state> elect_controlled_shutdown(const std::vector<int32_t>& replicas,
                                                             const zk::partition_state& current,
                                                             const std::set<int32_t>& live_or_shutting_down,
                                                             const std::set<int32_t>& shutting_down,
                                                             int32_t controller_epoch) {
  std::vector<int32_t> isr;
  for (int32_t r : current.isr) {
    if (shutting_down.count(r) == 0) isr.push_back(r);
  }
  for (int32_t r : replicas) {
    if (live_or_shutting_down.count(r) > 0 && shutting_down.count(r) == 0 && election_contains(current.isr, r)) {
      return with_leader(current, r, isr, controller_epoch);
    }
  }
  return std::nullopt;
}

std::optional<zk::partition_state> remove_from_isr(const zk::partition_state& current, int32_t broker,
                                                   int32_t controller_epoch) {
  if (!election_contains(current.isr, broker)) return std::nullopt;
  std::vector<int32_t> isr = current.isr;
  if (isr.size() > 1) isr.erase(std::remove(isr.begin(), isr.end(), broker), isr.end());
  int32_t leader = current.leader == broker ? -1 : current.leader;
  return with_leader(current, leader, std::move(isr), controller_epoch);
}

zk::partition_state bump_leader_epoch(const zk::partition_state& current, int32_t controller_epoch) {
  return with_leader(current, current.leader, current.isr, controller_epoch);
}

zk::partition_state bump_leader_epoch_for_replicas(const zk::partition_state& current,
                                                   const std::vector<int32_t>& replicas, int32_t controller_epoch) {
  std::vector<int32_t> isr;
  for (int32_t r : current.isr) {
    if (r == current.leader || std::find(replicas.begin(), replicas.end(), r) != replicas.end()) isr.push_back(r);
  }
  if (isr.empty()) isr = current.isr;  // never an empty ISR
  return with_leader(current, current.leader, isr, controller_epoch);
}

} // namespace gregor::controller
