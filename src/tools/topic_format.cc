#include "topic_format.h"

#include "cli_util.h"

namespace gregor::tools {

namespace {
bool has_leader(const partition_view& p) { return p.leader && *p.leader >= 0; }
} // namespace

bool describe_filter::wants(const partition_view& p) const {
  if (!under_replicated && !unavailable) return true;
  bool match = false;
  if (under_replicated && p.isr.size() < p.replicas.size()) match = true;
  if (unavailable && (!has_leader(p) || live_brokers.count(*p.leader) == 0)) match = true;
  return match;
}

std::string format_topic_header(const topic_view& t) {
  std::string out = "Topic: " + t.name;
  if (!t.topic_id.is_zero()) out += "\tTopicId: " + t.topic_id.to_base64url();
  out += "\tPartitionCount: " + std::to_string(t.partitions.size());
  size_t rf = 0;
  if (!t.partitions.empty()) {
    const auto& first = t.partitions.front();
    rf = first.replicas.size() - std::min(first.replicas.size(), first.adding.size());
  }
  out += "\tReplicationFactor: " + std::to_string(rf);
  out += "\tConfigs: ";
  for (size_t i = 0; i < t.configs.size(); ++i) {
    if (i > 0) out += ',';
    out += t.configs[i].first + "=" + t.configs[i].second;
  }
  if (t.marked_for_deletion) out += "\tMarkedForDeletion: true";
  return out;
}

std::string format_partition_line(const topic_view& t, const partition_view& p) {
  std::string out = "\tTopic: " + t.name;
  out += "\tPartition: " + std::to_string(p.partition);
  out += "\tLeader: " + (has_leader(p) ? std::to_string(*p.leader) : std::string("none"));
  out += "\tReplicas: " + join_ids(p.replicas);
  out += "\tIsr: " + join_ids(p.isr);
  if (p.reassigning || !p.adding.empty() || !p.removing.empty()) {
    out += "\tAdding Replicas: " + join_ids(p.adding);
    out += "\tRemoving Replicas: " + join_ids(p.removing);
  }
  if (t.marked_for_deletion) out += "\tMarkedForDeletion: true";
  return out;
}

std::vector<std::string> describe_lines(const topic_view& t, const describe_filter& f) {
  std::vector<std::string> out;
  if (f.print_headers()) out.push_back(format_topic_header(t));
  for (const auto& p : t.partitions) {
    if (f.wants(p)) out.push_back(format_partition_line(t, p));
  }
  return out;
}

} // namespace gregor::tools
