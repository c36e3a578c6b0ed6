#include "partition_growth.h"

#include <algorithm>
#include <random>
#include <set>

namespace gregor::server {

using protocol::error_code;

namespace {

partition_growth fail(error_code e, std::string message) {
  partition_growth g;
  g.error = e;
  g.message = std::move(message);
  return g;
}

template <typename Range>
std::string join(const Range& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += std::to_string(v);
  }
  return out;
}

// Kafka's validateReplicaAssignment over the new partitions: none empty, no broker twice, and the
// replication factor of partition 0 everywhere.
partition_growth check_manual(const std::map<int32_t, std::vector<int32_t>>& proposed, size_t expected_rf) {
  std::vector<int32_t> bad_partitions;
  std::vector<size_t> bad_factors;
  for (const auto& [p, replicas] : proposed) {
    if (replicas.empty()) {
      return fail(error_code::invalid_replica_assignment,
                  "Cannot have replication factor of 0 for partition id " + std::to_string(p) + ".");
    }
    std::set<int32_t> unique(replicas.begin(), replicas.end());
    if (unique.size() != replicas.size()) {
      return fail(error_code::invalid_replica_assignment, "Duplicate brokers not allowed in replica assignment: " +
                                                              join(replicas) + " for partition id " +
                                                              std::to_string(p) + ".");
    }
    if (replicas.size() != expected_rf) {
      bad_partitions.push_back(p);
      bad_factors.push_back(replicas.size());
    }
  }
  if (!bad_partitions.empty()) {
    return fail(error_code::invalid_replica_assignment,
                "Inconsistent replication factor between partitions, partition 0 has " + std::to_string(expected_rf) +
                    " while partitions [" + join(bad_partitions) + "] have replication factors [" +
                    join(bad_factors) + "], respectively.");
  }
  partition_growth ok;
  ok.added = proposed;
  return ok;
}

} // namespace

partition_growth plan_partition_growth(const std::string& topic, const std::map<int32_t, std::vector<int32_t>>& existing,
                                       int32_t count, const std::optional<std::vector<std::vector<int32_t>>>& manual,
                                       const std::vector<metadata::broker_rack>& live_brokers) {
  if (existing.empty()) {
    return fail(error_code::unknown_topic_or_partition, "The topic '" + topic + "' does not exist.");
  }
  auto current = static_cast<int64_t>(existing.size());
  int64_t increment = static_cast<int64_t>(count) - current;
  if (increment < 0) {
    return fail(error_code::invalid_partitions, "Topic currently has " + std::to_string(current) +
                                                    " partitions, which is higher than the requested " +
                                                    std::to_string(count) + ".");
  }
  if (increment == 0) {
    return fail(error_code::invalid_partitions, "Topic already has " + std::to_string(current) + " partitions.");
  }
  if (increment > max_partitions_added) {
    return fail(error_code::invalid_partitions, "Increasing the number of partitions by " + std::to_string(increment) +
                                                    " is more than the " + std::to_string(max_partitions_added) +
                                                    " one request may add.");
  }

  std::set<int32_t> live;
  for (const auto& b : live_brokers) live.insert(b.id);
  std::map<int32_t, std::vector<int32_t>> proposed;
  if (manual) {
    std::set<int32_t> unknown;
    for (const auto& replicas : *manual) {
      for (int32_t r : replicas) {
        if (live.count(r) == 0) unknown.insert(r);
      }
    }
    if (!unknown.empty()) {
      return fail(error_code::invalid_replica_assignment, "Unknown broker(s) in replica assignment: " + join(unknown) + ".");
    }
    if (static_cast<int64_t>(manual->size()) != increment) {
      return fail(error_code::invalid_replica_assignment,
                  "Increasing the number of partitions by " + std::to_string(increment) + " but " +
                      std::to_string(manual->size()) + " assignments provided.");
    }
    for (size_t i = 0; i < manual->size(); ++i) proposed[static_cast<int32_t>(current + static_cast<int64_t>(i))] = (*manual)[i];
  }

  auto zero = existing.find(0);
  if (zero == existing.end() || zero->second.empty()) {
    return fail(error_code::unknown_server_error, "Unexpected existing replica assignment for topic '" + topic +
                                                      "', partition id 0 is missing.");
  }
  const std::vector<int32_t>& first_replicas = zero->second;
  if (manual) return check_manual(proposed, first_replicas.size());

  auto rf = static_cast<int32_t>(first_replicas.size());
  if (rf > static_cast<int32_t>(live_brokers.size())) {
    return fail(error_code::invalid_replication_factor, "Replication factor: " + std::to_string(rf) +
                                                            " larger than available brokers: " +
                                                            std::to_string(live_brokers.size()) + ".");
  }
  std::vector<int32_t> sorted(live.begin(), live.end());
  auto at_or_above = std::find_if(sorted.begin(), sorted.end(), [&](int32_t id) { return id >= first_replicas.front(); });
  int32_t start = at_or_above == sorted.end() ? 0 : static_cast<int32_t>(at_or_above - sorted.begin());

  metadata::assignment_request req;
  req.partitions = static_cast<int32_t>(increment);
  req.replication_factor = rf;
  req.first_partition = static_cast<int32_t>(current);
  req.fixed_start_index = start;
  std::mt19937 unused_rng(0);  // a fixed start index leaves nothing to chance
  auto placed = metadata::assign_replicas(live_brokers, req, unused_rng);
  if (!placed) {
    auto e = placed.error() == metadata::assignment_errc::invalid_replication_factor ? error_code::invalid_replication_factor
                                                                                      : error_code::invalid_replica_assignment;
    return fail(e, placed.error().message());
  }
  partition_growth ok;
  ok.added = std::move(*placed);
  return ok;
}

} // namespace gregor::server
