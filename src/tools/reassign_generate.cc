#include "reassign_generate.h"

namespace gregor::tools {

std::optional<std::map<topic_partition, std::vector<int32_t>>> propose_reassignment(
  const std::map<topic_partition, std::vector<int32_t>>& current, const std::vector<metadata::broker_rack>& brokers,
  bool rack_aware, std::mt19937& rng, std::string& error) {
  // Partition counts and replication factors per topic (std::map: lowest partition first).
  std::map<std::string, std::pair<int32_t, int32_t>> topics;
  for (const auto& [tp, replicas] : current) {
    auto [it, fresh] = topics.try_emplace(tp.topic, 0, static_cast<int32_t>(replicas.size()));
    ++it->second.first;
  }
  std::map<topic_partition, std::vector<int32_t>> proposed;
  for (const auto& [topic, shape] : topics) {
    metadata::assignment_request req;
    req.partitions = shape.first;
    req.replication_factor = shape.second;
    req.rack_aware = rack_aware;
    if (req.replication_factor > static_cast<int32_t>(brokers.size())) {
      error = "Replication factor: " + std::to_string(req.replication_factor) +
              " larger than available brokers: " + std::to_string(brokers.size()) + ".";
      return std::nullopt;
    }
    auto assigned = metadata::assign_replicas(brokers, req, rng);
    if (!assigned) {
      error = assigned.error().message();
      return std::nullopt;
    }
    for (auto& [p, replicas] : *assigned) proposed[topic_partition{topic, p}] = std::move(replicas);
  }
  return proposed;
}

} // namespace gregor::tools
