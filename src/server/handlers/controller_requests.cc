// The controller's requests to brokers: LeaderAndIsr (4), StopReplica (5), UpdateMetadata (6).
// Each is fenced: a controller epoch older than the newest seen gets STALE_CONTROLLER_EPOCH, and a
// broker epoch older than our registration gets STALE_BROKER_EPOCH (ZOOKEEPER-LAYOUT §4, §6).

#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/leader_and_isr.h"
#include "gregor/protocol/messages/stop_replica.h"
#include "gregor/protocol/messages/update_metadata.h"
#include "gregor/replication/replica_manager.h"
#include "gregor/coordinator/group_coordinator.h"
#include "handler.h"

namespace gregor::server {
namespace {

using protocol::error_code;

error_code fence(request_context& ctx, int32_t controller_epoch, int64_t broker_epoch) {
  auto& svc = ctx.services;
  if (broker_epoch >= 0 && broker_epoch < svc.broker_epoch.load()) return error_code::stale_broker_epoch;
  if (!svc.replicas->accept_controller_epoch(controller_epoch)) return error_code::stale_controller_epoch;
  return error_code::none;
}

const char* protocol_name(int16_t id) {
  switch (id) {
    case 1: return "SSL";
    case 2: return "SASL_PLAINTEXT";
    case 3: return "SASL_SSL";
    default: return "PLAINTEXT";
  }
}

struct leader_and_isr_handler {
  using request = protocol::leader_and_isr_request;
  using response = protocol::leader_and_isr_response;
  static constexpr int16_t api_key = 4;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 7;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    if (auto e = fence(ctx, req.controller_epoch, req.broker_epoch); e != error_code::none) {
      resp.error_code = code(e);
      co_return resp;
    }
    // Followers fetch from the leader's inter-broker endpoint, which the controller lists here.
    std::map<int32_t, replication::broker_endpoint> leaders;
    for (const auto& ll : req.live_leaders) {
      if (ll.port <= 0 || ll.port > 65535) continue;
      leaders[ll.broker_id] = replication::broker_endpoint{ll.broker_id, ll.host_name, static_cast<uint16_t>(ll.port)};
    }
    std::vector<replication::leader_and_isr_partition> parts;
    auto add = [&](const std::string& topic, const uuid& id, const request::leader_and_isr_partition_state& ps) {
      replication::leader_and_isr_partition p;
      p.tp = {topic, ps.partition_index};
      p.topic_id = id;
      p.state.leader = ps.leader;
      p.state.leader_epoch = ps.leader_epoch;
      p.state.partition_epoch = ps.partition_epoch;
      p.state.controller_epoch = ps.controller_epoch;
      p.state.replicas = ps.replicas;
      p.state.isr = ps.isr;
      p.is_new = ps.is_new;
      if (auto l = leaders.find(ps.leader); l != leaders.end()) p.leader_endpoint = l->second;
      parts.push_back(std::move(p));
    };
    for (const auto& ps : req.ungrouped_partition_states) add(ps.topic_name, uuid{}, ps);
    for (const auto& ts : req.topic_states) {
      for (const auto& ps : ts.partition_states) add(ts.topic_name, ts.topic_id, ps);
    }
    auto results = co_await ctx.services.replicas->apply_leader_and_isr(std::move(parts));
    resp.error_code = 0;
    if (ctx.version() >= 5) {
      std::map<std::string, size_t> index;
      for (const auto& ts : req.topic_states) {
        index[ts.topic_name] = resp.topics.size();
        resp.topics.emplace_back().topic_id = ts.topic_id;
      }
      for (const auto& [tp, e] : results) {
        auto& pe = resp.topics[index[tp.topic]].partition_errors.emplace_back();
        pe.partition_index = tp.partition;
        pe.error_code = code(e);
      }
    } else {
      for (const auto& [tp, e] : results) {
        auto& pe = resp.partition_errors.emplace_back();
        pe.topic_name = tp.topic;
        pe.partition_index = tp.partition;
        pe.error_code = code(e);
      }
    }
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

struct update_metadata_handler {
  using request = protocol::update_metadata_request;
  using response = protocol::update_metadata_response;
  static constexpr int16_t api_key = 6;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 8;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    if (auto e = fence(ctx, req.controller_epoch, req.broker_epoch); e != error_code::none) {
      resp.error_code = code(e);
      co_return resp;
    }
    std::vector<topic_partition> deleted;
    ctx.services.metadata->update([&](metadata::cluster_snapshot& s) {
      s.controller_id = req.controller_id;
      s.brokers.clear();
      for (const auto& b : req.live_brokers) {
        metadata::broker_info info;
        info.id = b.id;
        info.rack = b.rack;
        if (ctx.version() == 0) {
          info.endpoints.push_back({"PLAINTEXT", b.v0_host, b.v0_port, "PLAINTEXT"});
        }
        for (const auto& e : b.endpoints) {
          std::string proto = protocol_name(e.security_protocol);
          info.endpoints.push_back({e.listener.empty() ? proto : e.listener, e.host, e.port, proto});
        }
        s.brokers[b.id] = std::move(info);
      }
      auto apply = [&](const std::string& topic, const uuid& id, const request::update_metadata_partition_state& ps) {
        if (ps.leader == -2) {  // the partition is being deleted
          deleted.push_back({topic, ps.partition_index});
          auto t = s.topics.find(topic);
          if (t == s.topics.end()) return;
          t->second.partitions.erase(ps.partition_index);
          if (t->second.partitions.empty()) {
            s.topic_names_by_id.erase(t->second.topic_id.to_base64url());
            s.topics.erase(t);
          }
          return;
        }
        auto& t = s.topics[topic];
        t.name = topic;
        if (!id.is_zero()) {
          t.topic_id = id;
          s.topic_names_by_id[id.to_base64url()] = topic;
        }
        auto& p = t.partitions[ps.partition_index];
        p.partition = ps.partition_index;
        p.leader = ps.leader;
        p.leader_epoch = ps.leader_epoch;
        p.controller_epoch = ps.controller_epoch;
        p.partition_epoch = ps.zk_version;
        p.replicas = ps.replicas;
        p.isr = ps.isr;
        p.offline_replicas = ps.offline_replicas;
      };
      for (const auto& ps : req.ungrouped_partition_states) apply(ps.topic_name, uuid{}, ps);
      for (const auto& ts : req.topic_states) {
        for (const auto& ps : ts.partition_states) apply(ts.topic_name, ts.topic_id, ps);
      }
    });
    // Committed offsets of deleted partitions go too (Kafka's handleDeletedPartitions).
    if (!deleted.empty() && ctx.services.groups != nullptr) ctx.services.groups->on_partitions_deleted(std::move(deleted));
    resp.error_code = 0;
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

struct stop_replica_handler {
  using request = protocol::stop_replica_request;
  using response = protocol::stop_replica_response;
  static constexpr int16_t api_key = 5;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 4;

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    response resp;
    if (auto e = fence(ctx, req.controller_epoch, req.broker_epoch); e != error_code::none) {
      resp.error_code = code(e);
      co_return resp;
    }
    std::vector<replication::stop_replica_partition> parts;
    for (const auto& p : req.ungrouped_partitions) {
      parts.push_back({{p.topic_name, p.partition_index}, -1, req.delete_partitions});
    }
    for (const auto& t : req.topics) {
      for (int32_t p : t.partition_indexes) parts.push_back({{t.name, p}, -1, req.delete_partitions});
    }
    for (const auto& t : req.topic_states) {
      for (const auto& p : t.partition_states) {
        parts.push_back({{t.topic_name, p.partition_index}, p.leader_epoch, p.delete_partition});
      }
    }
    auto results = co_await ctx.services.replicas->stop_replicas(std::move(parts));
    resp.error_code = 0;
    for (const auto& [tp, e] : results) {
      auto& pe = resp.partition_errors.emplace_back();
      pe.topic_name = tp.topic;
      pe.partition_index = tp.partition;
      pe.error_code = code(e);
    }
    co_return resp;
  }

  static response error_response(const request&, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    return resp;
  }
};

} // namespace

void register_leader_and_isr(handler_table& t) { register_handler<leader_and_isr_handler>(t); }
void register_update_metadata(handler_table& t) { register_handler<update_metadata_handler>(t); }
void register_stop_replica(handler_table& t) { register_handler<stop_replica_handler>(t); }

} // namespace gregor::server
