#pragma once
// Leader election rules of the ZooKeeper-mode controller (ZOOKEEPER-LAYOUT §5), as pure functions
// over a partition's assignment, its current state and the brokers that may lead. Replica order
// is assignment order (element 0 = the preferred leader).
//
// Every election returns the next state (leader epoch + 1, controller epoch = ours) or nullopt
// when no replica is eligible; the caller then leaves the partition as it is. "live" never
// contains a broker that is shutting down: those never become leaders.

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

// Offline election (the leader died, or a new/offline partition): first replica live and in the
// ISR, ISR = its live members. Without one and with `unclean`, the first live replica, ISR =
// [leader], leader recovery state RECOVERING.
std::optional<zk::partition_state> elect_offline(const std::vector<int32_t>& replicas,
                                                 const zk::partition_state& current,
                                                 const std::set<int32_t>& live, bool unclean,
                                                 int32_t controller_epoch);

// Reassignment election: first replica of the target set live and in the ISR; the ISR keeps only
// target replicas.
std::optional<zk::partition_state> elect_reassignment(const std::vector<int32_t>& target,
                                                      const zk::partition_state& current,
                                                      const std::set<int32_t>& live, int32_t controller_epoch);

// Preferred election: the first assigned replica, only if live and in the ISR; ISR unchanged.
std::optional<zk::partition_state> elect_preferred(const std::vector<int32_t>& replicas,
                                                   const zk::partition_state& current,
                                                   const std::set<int32_t>& live, int32_t controller_epoch);

// Controlled-shutdown election: first replica live (or shutting down), in the ISR and not
// shutting down; ISR minus the shutting-down brokers.
std::optional<zk::partition_state> elect_controlled_shutdown(const std::vector<int32_t>& replicas,
                                                             const zk::partition_state& current,
                                                             const std::set<int32_t>& live_or_shutting_down,
                                                             const std::set<int32_t>& shutting_down,
                                                             int32_t controller_epoch);

// A replica goes offline (broker died, shutting down, replica removed): it leaves the ISR unless it
// is the last member (the ISR is never emptied); if it led, the leader becomes -1. Leader epoch + 1.
// nullopt if it was not in the ISR.
std::optional<zk::partition_state> remove_from_isr(const zk::partition_state& current, int32_t broker,
                                                   int32_t controller_epoch);

// Same leader and ISR, leader epoch + 1 (reassignment steps A1/B3 tell the replicas a new replica set).
zk::partition_state bump_leader_epoch(const zk::partition_state& current, int32_t controller_epoch);

// bump_leader_epoch for a new replica set: ISR members that are no longer replicas leave the ISR.
// A leader writes ISR expansions itself; one for a replica a reassignment is dropping can land
// between the controller's last read and this write, and the controller's write must not keep it
// (the leader's own write, racing this one, fails its version check). The leader always stays.
zk::partition_state bump_leader_epoch_for_replicas(const zk::partition_state& current,
                                                   const std::vector<int32_t>& replicas, int32_t controller_epoch);

} // namespace gregor::controller
