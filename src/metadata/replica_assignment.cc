#include "gregor/metadata/replica_assignment.h"

#include <algorithm>
#include <set>

namespace gregor::metadata {
namespace {

class assignment_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "replica_assignment"; }
  std::string message(int c) const override {
    switch (static_cast<assignment_errc>(c)) {
      case assignment_errc::invalid_partitions: return "Number of partitions must be larger than 0.";
      case assignment_errc::invalid_replication_factor:
        return "Replication factor must be larger than 0 and not larger than the number of available brokers.";
      case assignment_errc::mixed_racks:
        return "Not all brokers have rack information for replica rack aware assignment.";
    }
    return "unknown";
  }
};

// Kafka's replicaIndex: the follower position for replica j of a partition whose leader is at
// `first_index`, with the round's shift.
int32_t follower_index(int32_t first_index, int32_t shift, int32_t j, int32_t n) {
  int32_t s = 1 + (shift + j) % (n - 1);
  return (first_index + s) % n;
}

std::vector<int32_t> rack_interleaved(const std::vector<broker_rack>& brokers) {
  std::map<std::string, std::vector<int32_t>> by_rack;
  for (const auto& b : brokers) by_rack[*b.rack].push_back(b.id);
  for (auto& [rack, ids] : by_rack) std::sort(ids.begin(), ids.end());
  std::vector<int32_t> out;
  for (size_t round = 0; out.size() < brokers.size(); ++round) {
    for (auto& [rack, ids] : by_rack) {
      if (round < ids.size()) out.push_back(ids[round]);
    }
  }
  return out;
}

} // namespace

std::error_code make_error_code(assignment_errc e) {
  static const assignment_category category;
  return {static_cast<int>(e), category};
}

result<std::map<int32_t, std::vector<int32_t>>> assign_replicas(std::vector<broker_rack> brokers,
                                                                const assignment_request& req,
                                                                std::mt19937& rng) {
  if (req.partitions <= 0) return unexpected(make_error_code(assignment_errc::invalid_partitions));
  auto n = static_cast<int32_t>(brokers.size());
  if (req.replication_factor <= 0 || req.replication_factor > n) {
    return unexpected(make_error_code(assignment_errc::invalid_replication_factor));
  }
  std::sort(brokers.begin(), brokers.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  size_t with_rack = std::count_if(brokers.begin(), brokers.end(), [](const auto& b) { return b.rack.has_value(); });
  bool use_racks = req.rack_aware && with_rack == brokers.size() && with_rack > 0;
  if (req.rack_aware && with_rack != 0 && with_rack != brokers.size()) {
    return unexpected(make_error_code(assignment_errc::mixed_racks));
  }

  std::map<int32_t, std::vector<int32_t>> out;
  std::uniform_int_distribution<int32_t> pick(0, n - 1);
  int32_t start = req.fixed_start_index ? *req.fixed_start_index : pick(rng);
  int32_t shift = req.fixed_start_index ? *req.fixed_start_index : pick(rng);

  if (!use_racks) {
    std::vector<int32_t> ids;
    for (const auto& b : brokers) ids.push_back(b.id);
    for (int32_t i = 0; i < req.partitions; ++i) {
      int32_t p = req.first_partition + i;
      if (p > 0 && p % n == 0) ++shift;
      int32_t first = (p + start) % n;
      std::vector<int32_t> replicas{ids[first]};
      for (int32_t j = 0; j < req.replication_factor - 1; ++j) {
        replicas.push_back(ids[follower_index(first, shift, j, n)]);
      }
      out[p] = std::move(replicas);
    }
    return out;
  }

  // Rack-aware: walk the rack-interleaved list; skip a candidate whose rack already has a replica
  // while some rack has none, or that already holds one.
  std::vector<int32_t> ids = rack_interleaved(brokers);
  std::map<int32_t, std::string> rack_of;
  for (const auto& b : brokers) rack_of[b.id] = *b.rack;
  std::set<std::string> all_racks;
  for (const auto& [id, r] : rack_of) all_racks.insert(r);
  auto num_racks = static_cast<int32_t>(all_racks.size());
  for (int32_t i = 0; i < req.partitions; ++i) {
    int32_t p = req.first_partition + i;
    if (p > 0 && p % n == 0) ++shift;
    int32_t first = (p + start) % n;
    int32_t leader = ids[first];
    std::vector<int32_t> replicas{leader};
    std::set<std::string> racks_used{rack_of[leader]};
    std::set<int32_t> brokers_used{leader};
    int32_t k = 0;
    while (static_cast<int32_t>(replicas.size()) < req.replication_factor) {
      int32_t candidate = ids[follower_index(first, shift * num_racks, k, n)];
      ++k;
      bool rack_taken = racks_used.count(rack_of[candidate]) > 0 &&
                        static_cast<int32_t>(racks_used.size()) < num_racks;
      bool broker_taken = brokers_used.count(candidate) > 0 &&
                          static_cast<int32_t>(brokers_used.size()) < n;
      if ((!rack_taken && !broker_taken) || k > 4 * n) {
        if (brokers_used.count(candidate) > 0) continue;  // never place two replicas on one broker
        replicas.push_back(candidate);
        racks_used.insert(rack_of[candidate]);
        brokers_used.insert(candidate);
      }
    }
    out[p] = std::move(replicas);
  }
  return out;
}

std::string manual_assignment_error(const std::map<int32_t, std::vector<int32_t>>& assignment) {
  if (assignment.empty()) return "The replica assignment is empty.";
  size_t rf = assignment.begin()->second.size();
  int32_t expected = 0;
  for (const auto& [p, replicas] : assignment) {
    if (p != expected++) return "Partitions should be consecutive and start from 0.";
    if (replicas.empty()) return "Replica assignment for partition " + std::to_string(p) + " is empty.";
    if (replicas.size() != rf) return "Partition " + std::to_string(p) + " has different replication factor.";
    std::set<int32_t> unique(replicas.begin(), replicas.end());
    if (unique.size() != replicas.size()) {
      return "Partition replica lists may not contain duplicate entries.";
    }
  }
  return {};
}

} // namespace gregor::metadata
