#include "election.h"

#include <algorithm>

namespace gregor::controller {

namespace {
bool contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }
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
  zk::partition_state next = current;
  next.controller_epoch = controller_epoch;
  std::vector<int32_t> live_isr;
  for (int32_t r : current.isr) {
    if (live.count(r) > 0) live_isr.push_back(r);
  }
  int32_t leader = -1;
  for (int32_t r : replicas) {
    if (live.count(r) > 0 && contains(live_isr, r)) {
      leader = r;
      break;
    }
  }
  if (leader >= 0) {
    next.isr = live_isr;
  } else if (unclean) {
    for (int32_t r : replicas) {
      if (live.count(r) > 0) {
        leader = r;
        break;
      }
    }
    if (leader >= 0) {
      next.isr = {leader};
      next.leader_recovery_state = 1;  // RECOVERING
    }
  }
  if (leader < 0) {
    // No eligible leader: offline, ISR untouched (never emptied).
    if (current.leader == -1) return std::nullopt;
    next.leader = -1;
    next.leader_epoch = current.leader_epoch + 1;
    return next;
  }
  if (leader == current.leader && next.isr == current.isr) return std::nullopt;
  next.leader = leader;
  next.leader_epoch = current.leader_epoch + 1;
  return next;
}

std::optional<zk::partition_state> remove_from_isr(const zk::partition_state& current, int32_t broker,
                                                   int32_t controller_epoch) {
  if (!contains(current.isr, broker) || current.isr.size() <= 1) return std::nullopt;
  zk::partition_state next = current;
  next.isr.erase(std::remove(next.isr.begin(), next.isr.end(), broker), next.isr.end());
  next.leader_epoch = current.leader_epoch + 1;
  next.controller_epoch = controller_epoch;
  return next;
}

} // namespace gregor::controller
