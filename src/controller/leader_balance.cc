#include "leader_balance.h"

namespace gregor::controller {

namespace {

struct tally {
  size_t preferred = 0;
  std::vector<topic_partition> not_led;
};

std::map<int32_t, tally> count(const std::map<topic_partition, partition_leadership>& partitions) {
  std::map<int32_t, tally> per_broker;
  for (const auto& [tp, p] : partitions) {
    if (p.replicas.empty()) continue;
    auto& t = per_broker[p.replicas.front()];
    ++t.preferred;
    if (p.leader != p.replicas.front()) t.not_led.push_back(tp);
  }
  return per_broker;
}

} // namespace

std::map<int32_t, double> imbalance_ratios(const std::map<topic_partition, partition_leadership>& partitions) {
  std::map<int32_t, double> out;
  for (const auto& [broker, t] : count(partitions)) {
    out[broker] = static_cast<double>(t.not_led.size()) / static_cast<double>(t.preferred);
  }
  return out;
}

std::map<int32_t, std::vector<topic_partition>> imbalanced_partitions(
    const std::map<topic_partition, partition_leadership>& partitions, int32_t percentage) {
  std::map<int32_t, std::vector<topic_partition>> out;
  for (auto& [broker, t] : count(partitions)) {
    double ratio = static_cast<double>(t.not_led.size()) / static_cast<double>(t.preferred);
    if (ratio > static_cast<double>(percentage) / 100.0) out[broker] = std::move(t.not_led);
  }
  return out;
}

} // namespace gregor::controller
