#include "reassign_throttle.h"

#include <algorithm>

namespace gregor::tools {

namespace {

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

} // namespace

move_map proposed_move_map(const std::map<topic_partition, client::ongoing_reassignment>& in_progress,
                           const std::map<topic_partition, std::vector<int32_t>>& proposed,
                           const std::map<topic_partition, std::vector<int32_t>>& current) {
  move_map moves;
  for (const auto& [tp, r] : in_progress) {
    partition_move m;
    for (int32_t b : r.replicas) {
      if (std::find(r.adding.begin(), r.adding.end(), b) == r.adding.end()) m.sources.insert(b);
    }
    m.destinations.insert(r.adding.begin(), r.adding.end());
    moves[tp.topic][tp.partition] = std::move(m);
  }
  for (const auto& [tp, replicas] : proposed) {
    auto& by_partition = moves[tp.topic];
    std::set<int32_t> sources;
    if (auto it = by_partition.find(tp.partition); it != by_partition.end()) {
      sources = it->second.sources;
    } else if (auto cur = current.find(tp); cur != current.end()) {
      sources.insert(cur->second.begin(), cur->second.end());
    }
    partition_move m;
    m.sources = sources;
    for (int32_t b : replicas) {
      if (sources.count(b) == 0) m.destinations.insert(b);
    }
    by_partition[tp.partition] = std::move(m);
  }
  return moves;
}

std::map<std::string, std::string> leader_throttles(const move_map& moves) {
  std::map<std::string, std::string> out;
  for (const auto& [topic, parts] : moves) {
    std::set<std::string> entries;
    for (const auto& [p, m] : parts) {
      for (int32_t b : m.sources) entries.insert(std::to_string(p) + ":" + std::to_string(b));
    }
    out[topic] = joined(entries);
  }
  return out;
}

std::map<std::string, std::string> follower_throttles(const move_map& moves) {
  std::map<std::string, std::string> out;
  for (const auto& [topic, parts] : moves) {
    std::set<std::string> entries;
    for (const auto& [p, m] : parts) {
      for (int32_t b : m.destinations) {
        if (m.sources.count(b) == 0) entries.insert(std::to_string(p) + ":" + std::to_string(b));
      }
    }
    out[topic] = joined(entries);
  }
  return out;
}

std::set<int32_t> reassigning_brokers(const move_map& moves) {
  std::set<int32_t> out;
  for (const auto& [topic, parts] : moves) {
    for (const auto& [p, m] : parts) {
      out.insert(m.sources.begin(), m.sources.end());
      out.insert(m.destinations.begin(), m.destinations.end());
    }
  }
  return out;
}

} // namespace gregor::tools
