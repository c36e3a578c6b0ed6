#pragma once
// Leader election rules of the ZooKeeper-mode controller (ZOOKEEPER-LAYOUT §5), as pure functions
// over a partition's assignment, current state and the live brokers.

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "gregor/zk/znodes.h"

namespace gregor::controller {

// First state of a new partition: leader = first live replica, ISR = live replicas in assignment
// order, leader epoch 0. nullopt when no replica is live (the partition waits).
std::optional<zk::partition_state> initial_state(const std::vector<int32_t>& replicas,
                                                 const std::set<int32_t>& live, int32_t controller_epoch);

// Election for a partition whose leader is gone: first replica that is live and in the ISR; with
// unclean election allowed, else the first live replica (ISR becomes just it). Without a candidate
// the leader becomes -1 and the ISR is left as it was. Dead brokers leave the ISR unless that
// would empty it. Leader epoch + 1. nullopt if nothing changes.
std::optional<zk::partition_state> elect_offline(const std::vector<int32_t>& replicas,
                                                 const zk::partition_state& current,
                                                 const std::set<int32_t>& live, bool unclean,
                                                 int32_t controller_epoch);

// A follower broker died: it leaves the ISR (never emptied), leader epoch + 1. nullopt if it was
// not in the ISR.
std::optional<zk::partition_state> remove_from_isr(const zk::partition_state& current, int32_t broker,
                                                   int32_t controller_epoch);

} // namespace gregor::controller
