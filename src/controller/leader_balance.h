#pragma once
// Leader imbalance for auto.leader.rebalance.enable (Kafka's checkAndTriggerAutoLeaderRebalance).
// Pure: the controller filters the candidates further (reassignments, deletions, preferred replica
// live and in the ISR) and runs a preferred election for the rest.

#include <cstdint>
#include <map>
#include <vector>

#include "gregor/common/topic_partition.h"

namespace gregor::controller {

struct partition_leadership {
  std::vector<int32_t> replicas;  // assignment order; element 0 is the preferred leader
  int32_t leader = -1;
};

// For each preferred broker: the share of the partitions it should lead that it does not lead.
std::map<int32_t, double> imbalance_ratios(const std::map<topic_partition, partition_leadership>& partitions);

// For each preferred broker whose imbalance ratio exceeds `percentage` / 100: the partitions it
// should lead but does not.
std::map<int32_t, std::vector<topic_partition>> imbalanced_partitions(
    const std::map<topic_partition, partition_leadership>& partitions, int32_t percentage);

} // namespace gregor::controller
