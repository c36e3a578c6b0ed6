#include "requests.h"

#include <map>
#include <set>

#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/leader_and_isr.h"
#include "gregor/protocol/messages/stop_replica.h"
#include "gregor/protocol/messages/update_metadata.h"

namespace gregor::controller {

namespace p = gregor::protocol;

namespace {

p::request_header header(int16_t key, int16_t version, const request_envelope& env) {
  p::request_header h;
  h.api_key = key;
  h.api_version = version;
  h.correlation_id = env.correlation_id;
  h.client_id = std::to_string(env.controller_id);
  return h;
}

} // namespace

int16_t security_protocol_id(const std::string& name) {
  if (name == "SSL") return 1;
  if (name == "SASL_PLAINTEXT") return 2;
  if (name == "SASL_SSL") return 3;
  return 0;  // PLAINTEXT
}

iobuf build_leader_and_isr(const request_envelope& env, const std::vector<partition_update>& partitions,
                           const std::map<int32_t, zk::registered_broker>& brokers,
                           const std::string& listener_name) {
  p::leader_and_isr_request req;
  req.controller_id = env.controller_id;
  req.controller_epoch = env.claim.epoch;
  req.broker_epoch = env.broker_epoch;
  req.type = 0;
  std::map<std::string, size_t> topic_index;
  std::set<int32_t> leaders;
  for (const auto& u : partitions) {
    auto [it, inserted] = topic_index.emplace(u.tp.topic, req.topic_states.size());
    if (inserted) {
      auto& ts = req.topic_states.emplace_back();
      ts.topic_name = u.tp.topic;
      ts.topic_id = u.topic_id;
    }
    auto& ps = req.topic_states[it->second].partition_states.emplace_back();
    ps.partition_index = u.tp.partition;
    ps.controller_epoch = u.state.controller_epoch;
    ps.leader = u.state.leader;
    ps.leader_epoch = u.state.leader_epoch;
    ps.isr = u.state.isr;
    ps.partition_epoch = u.zk_version;
    ps.replicas = u.replicas;
    ps.adding_replicas = u.adding_replicas;
    ps.removing_replicas = u.removing_replicas;
    ps.is_new = u.is_new;
    ps.leader_recovery_state = static_cast<int8_t>(u.state.leader_recovery_state);
    if (u.state.leader >= 0) leaders.insert(u.state.leader);
  }
  for (int32_t id : leaders) {
    auto b = brokers.find(id);
    if (b == brokers.end()) continue;
    for (const auto& e : b->second.registration.endpoints) {
      if (e.listener_name != listener_name) continue;
      auto& ll = req.live_leaders.emplace_back();
      ll.broker_id = id;
      ll.host_name = e.host;
      ll.port = e.port;
    }
  }
  return p::encode_request_frame(header(4, leader_and_isr_version, env), req);
}

iobuf build_update_metadata(const request_envelope& env, const std::vector<partition_update>& partitions,
                            const std::map<int32_t, zk::registered_broker>& live_brokers) {
  p::update_metadata_request req;
  req.controller_id = env.controller_id;
  req.controller_epoch = env.claim.epoch;
  req.broker_epoch = env.broker_epoch;
  std::map<std::string, size_t> topic_index;
  for (const auto& u : partitions) {
    auto [it, inserted] = topic_index.emplace(u.tp.topic, req.topic_states.size());
    if (inserted) {
      auto& ts = req.topic_states.emplace_back();
      ts.topic_name = u.tp.topic;
      ts.topic_id = u.topic_id;
    }
    auto& ps = req.topic_states[it->second].partition_states.emplace_back();
    ps.partition_index = u.tp.partition;
    ps.controller_epoch = u.state.controller_epoch;
    ps.leader = u.state.leader;
    ps.leader_epoch = u.state.leader_epoch;
    ps.isr = u.state.isr;
    ps.zk_version = u.zk_version;
    ps.replicas = u.replicas;
    ps.offline_replicas = u.offline_replicas;
  }
  for (const auto& [id, b] : live_brokers) {
    auto& lb = req.live_brokers.emplace_back();
    lb.id = id;
    lb.rack = b.registration.rack;
    for (const auto& e : b.registration.endpoints) {
      auto& ep = lb.endpoints.emplace_back();
      ep.port = e.port;
      ep.host = e.host;
      ep.listener = e.listener_name;
      ep.security_protocol = security_protocol_id(e.security_protocol);
    }
  }
  return p::encode_request_frame(header(6, update_metadata_version, env), req);
}

iobuf build_stop_replica(const request_envelope& env, const std::vector<stop_replica_entry>& partitions) {
  p::stop_replica_request req;
  req.controller_id = env.controller_id;
  req.controller_epoch = env.claim.epoch;
  req.broker_epoch = env.broker_epoch;
  std::map<std::string, size_t> topic_index;
  for (const auto& e : partitions) {
    auto [it, inserted] = topic_index.emplace(e.tp.topic, req.topic_states.size());
    if (inserted) req.topic_states.emplace_back().topic_name = e.tp.topic;
    auto& ps = req.topic_states[it->second].partition_states.emplace_back();
    ps.partition_index = e.tp.partition;
    ps.leader_epoch = e.leader_epoch;
    ps.delete_partition = e.delete_partition;
  }
  return p::encode_request_frame(header(5, stop_replica_version, env), req);
}

} // namespace gregor::controller
