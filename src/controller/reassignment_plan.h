#pragma once
// The replica-set arithmetic of a partition reassignment (Kafka's ReplicaAssignment, KIP-455).
// Pure. Names follow ZOOKEEPER-LAYOUT §5: ORS = original replicas, TRS = target replicas,
// RS = the full set while moving = TRS followed by the ORS members not in TRS,
// AR (adding) = TRS - ORS, RR (removing) = ORS - TRS.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gregor/zk/znodes.h"

namespace gregor::controller {

struct replica_assignment {
  std::vector<int32_t> replicas;  // RS
  std::vector<int32_t> adding;    // AR
  std::vector<int32_t> removing;  // RR

  bool being_reassigned() const { return !adding.empty() || !removing.empty(); }
  std::vector<int32_t> target() const;  // RS - RR
  std::vector<int32_t> origin() const;  // RS - AR
  // The assignment that moves this partition's origin replicas to `target` (an empty AR and RR
  // when `target` is the origin itself, e.g. a cancellation).
  replica_assignment reassign_to(const std::vector<int32_t>& target) const;

  friend bool operator==(const replica_assignment&, const replica_assignment&) = default;
};

// Partition `p` of a topic znode (RS, AR, RR); empty when the partition is unknown.
replica_assignment assignment_of(const zk::topic_assignment& topic, int32_t p);
// Writes `a` as partition `p` of the topic znode; partitions not being moved keep no AR/RR entry.
void set_assignment(zk::topic_assignment& topic, int32_t p, const replica_assignment& a);

// Why a requested target replica list is refused (nullopt when acceptable): empty, duplicate ids,
// negative ids, or replicas to add on brokers that are not live.
std::optional<std::string> invalid_target(const replica_assignment& current, const std::vector<int32_t>& target,
                                          const std::set<int32_t>& live);

// A reassignment is complete once every target replica is in the ISR.
bool reassignment_complete(const replica_assignment& a, const std::vector<int32_t>& isr);

} // namespace gregor::controller
