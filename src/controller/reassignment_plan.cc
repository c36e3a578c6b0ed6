#include "reassignment_plan.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gregor::controller {

namespace {

bool plan_contains(const std::vector<int32_t>& v, int32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Elements of `a` not in `b`, in `a`'s order.
std::vector<int32_t> minus(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  std::vector<int32_t> out;
  for (int32_t x : a) {
    if (!plan_contains(b, x)) out.push_back(x);
  }
  return out;
}

} // namespace

std::vector<int32_t> replica_assignment::target() const { return minus(replicas, removing); }

std::vector<int32_t> replica_assignment::origin() const { return minus(replicas, adding); }

replica_assignment replica_assignment::reassign_to(const std::vector<int32_t>& target_replicas) const {
  const auto orig = origin();
  replica_assignment next;
  for (int32_t r : target_replicas) {
    if (!plan_contains(next.replicas, r)) next.replicas.push_back(r);
  }
  for (int32_t r : orig) {
    if (!plan_contains(next.replicas, r)) next.replicas.push_back(r);
  }
  next.adding = minus(next.replicas, orig);
  next.removing = minus(next.replicas, target_replicas);
  return next;
}

replica_assignment assignment_of(const zk::topic_assignment& topic, int32_t p) {
  replica_assignment a;
  if (auto it = topic.partitions.find(p); it != topic.partitions.end()) a.replicas = it->second;
  if (auto it = topic.adding_replicas.find(p); it != topic.adding_replicas.end()) a.adding = it->second;
  if (auto it = topic.removing_replicas.find(p); it != topic.removing_replicas.end()) a.removing = it->second;
  return a;
}

void set_assignment(zk::topic_assignment& topic, int32_t p, const replica_assignment& a) {
  topic.partitions[p] = a.replicas;
  if (a.adding.empty()) {
    topic.adding_replicas.erase(p);
  } else {
    topic.adding_replicas[p] = a.adding;
  }
  if (a.removing.empty()) {
    topic.removing_replicas.erase(p);
  } else {
    topic.removing_replicas[p] = a.removing;
  }
}

std::optional<std::string> invalid_target(const replica_assignment& current, const std::vector<int32_t>& target,
                                          const std::set<int32_t>& live) {
  if (target.empty()) return std::string("Empty replica list specified in partition reassignment.");
  std::set<int32_t> distinct(target.begin(), target.end());
  if (distinct.size() != target.size()) {
    return fmt::format("Duplicate replica ids in partition reassignment replica list: [{}]", fmt::join(target, ","));
  }
  if (*distinct.begin() < 0) return fmt::format("Invalid broker id in replica list: [{}]", fmt::join(target, ","));
  auto next = current.reassign_to(target);
  for (int32_t r : next.adding) {
    if (live.count(r) == 0) {
      return fmt::format("Replica assignment has brokers that are not alive. Replica list: [{}], live broker list: [{}]",
                         fmt::join(next.adding, ","), fmt::join(live, ","));
    }
  }
  return std::nullopt;
}

bool reassignment_complete(const replica_assignment& a, const std::vector<int32_t>& isr) {
  for (int32_t r : a.target()) {
    if (!plan_contains(isr, r)) return false;
  }
  return true;
}

} // namespace gregor::controller
