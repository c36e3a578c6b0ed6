#include "gregor/client/cluster_metadata.h"

#include "gregor/client/errc.h"

namespace gregor::client {

const topic_info* cluster_metadata::find_topic(const std::string& name) const {
  auto it = topics.find(name);
  return it == topics.end() ? nullptr : &it->second;
}

const partition_info* cluster_metadata::find_partition(const std::string& topic, int32_t partition) const {
  const auto* t = find_topic(topic);
  if (t == nullptr) return nullptr;
  auto it = t->partitions.find(partition);
  return it == t->partitions.end() ? nullptr : &it->second;
}

const broker_info* cluster_metadata::find_broker(int32_t id) const {
  auto it = brokers.find(id);
  return it == brokers.end() ? nullptr : &it->second;
}

int32_t cluster_metadata::leader_of(const std::string& topic, int32_t partition) const {
  const auto* p = find_partition(topic, partition);
  return p == nullptr ? -1 : p->leader;
}

void cluster_metadata::merge(const cluster_metadata& fresh) {
  brokers = fresh.brokers;
  controller_id = fresh.controller_id;
  if (fresh.cluster_id) cluster_id = fresh.cluster_id;
  for (const auto& [name, t] : fresh.topics) {
    // A topic the broker says does not exist is forgotten rather than cached as an error.
    if (t.error == make_error_code(client_errc::unknown_topic) ||
        t.error == kafka_error(protocol::error_code::unknown_topic_or_partition)) {
      topics.erase(name);
    } else {
      topics[name] = t;
    }
  }
}

cluster_metadata to_cluster_metadata(const protocol::metadata_response& r) {
  cluster_metadata out;
  for (const auto& b : r.brokers) out.brokers[b.node_id] = broker_info{b.node_id, b.host, b.port, b.rack};
  out.controller_id = r.controller_id;
  out.cluster_id = r.cluster_id;
  for (const auto& t : r.topics) {
    if (!t.name) continue;
    topic_info ti;
    ti.name = *t.name;
    ti.error = kafka_error(t.error_code);
    ti.topic_id = t.topic_id;
    ti.is_internal = t.is_internal;
    for (const auto& p : t.partitions) {
      partition_info pi;
      pi.partition = p.partition_index;
      pi.error = kafka_error(p.error_code);
      pi.leader = p.leader_id;
      pi.leader_epoch = p.leader_epoch;
      pi.replicas = p.replica_nodes;
      pi.isr = p.isr_nodes;
      pi.offline_replicas = p.offline_replicas;
      ti.partitions[pi.partition] = std::move(pi);
    }
    out.topics[ti.name] = std::move(ti);
  }
  return out;
}

} // namespace gregor::client
