#pragma once
// --generate's proposal: every partition of the listed topics placed afresh over the chosen
// brokers with Kafka's default placement (metadata::assign_replicas, random start index), each
// topic keeping its partition count and the replica count of its lowest partition, as Kafka's
// calculateAssignment does. Pure apart from `rng`; thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/metadata/replica_assignment.h"

namespace gregor::tools {

// nullopt with Kafka's message in `error` ("Replication factor: 3 larger than available brokers:
// 2.", the mixed-racks message, ...). `brokers` carry racks only when rack awareness is wanted.
std::optional<std::map<topic_partition, std::vector<int32_t>>> propose_reassignment(
  const std::map<topic_partition, std::vector<int32_t>>& current, const std::vector<metadata::broker_rack>& brokers,
  bool rack_aware, std::mt19937& rng, std::string& error);

} // namespace gregor::tools
