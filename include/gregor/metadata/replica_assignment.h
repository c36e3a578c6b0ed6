#pragma once
// Kafka's default replica placement (ZOOKEEPER-LAYOUT §9): leaders round-robin over the sorted live
// brokers from a start index, followers spread by a per-round shift; a rack-aware variant
// interleaves racks.

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "gregor/common/result.h"

namespace gregor::metadata {

struct broker_rack {
  int32_t id = 0;
  std::optional<std::string> rack;
};

struct assignment_request {
  int32_t partitions = 1;
  int32_t replication_factor = 1;
  int32_t first_partition = 0;              // when adding partitions to an existing topic
  std::optional<int32_t> fixed_start_index;  // Kafka's startIndex (used when adding partitions)
  bool rack_aware = true;
};

// Errors are texts for the operator; the caller maps them to Kafka codes
// (INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR).
enum class assignment_errc { invalid_partitions = 1, invalid_replication_factor, mixed_racks };
std::error_code make_error_code(assignment_errc);

result<std::map<int32_t, std::vector<int32_t>>> assign_replicas(std::vector<broker_rack> brokers,
                                                                const assignment_request& request,
                                                                std::mt19937& rng);

// Validates a manual assignment (`--replica-assignment`): every partition has the same number of
// replicas, no duplicates in one partition, partition ids 0..n-1. Returns an error text or "".
std::string manual_assignment_error(const std::map<int32_t, std::vector<int32_t>>& assignment);

} // namespace gregor::metadata

template <>
struct std::is_error_code_enum<gregor::metadata::assignment_errc> : std::true_type {};
