// Metadata (key 3): brokers, controller and topic/partition leadership from this broker's metadata
// cache, plus topic auto-creation (auto.create.topics.enable).

#include <set>

#include "gregor/config/broker_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/metadata/topic_name.h"
#include "gregor/protocol/messages/metadata.h"
#include "handler.h"
#include "topic_admin.h"

namespace gregor::server {
namespace {

using protocol::error_code;
using response_topic = protocol::metadata_response::metadata_response_topic;

struct metadata_handler {
  using request = protocol::metadata_request;
  using response = protocol::metadata_response;
  static constexpr int16_t api_key = 3;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 12;

  static void fill_topic(response_topic& out, const metadata::topic_info& t, const metadata::cluster_snapshot& snap,
                         const std::string& listener, int16_t version) {
    out.error_code = 0;
    out.name = t.name;
    out.topic_id = t.topic_id;
    out.is_internal = metadata::is_internal_topic(t.name);
    for (const auto& [p, info] : t.partitions) {
      auto& po = out.partitions.emplace_back();
      po.partition_index = p;
      po.leader_id = info.leader;
      po.leader_epoch = info.leader_epoch;
      po.replica_nodes = info.replicas;
      po.isr_nodes = info.isr;
      po.offline_replicas = info.offline_replicas;
      const auto* leader = info.leader >= 0 ? [&]() -> const metadata::broker_info* {
        auto it = snap.brokers.find(info.leader);
        return it == snap.brokers.end() ? nullptr : &it->second;
      }() : nullptr;
      if (leader == nullptr) {
        po.error_code = code(error_code::leader_not_available);
        po.leader_id = -1;
      } else if (leader->endpoint_for(listener) == nullptr) {
        po.error_code = code(version >= 6 ? error_code::listener_not_found : error_code::leader_not_available);
        po.leader_id = -1;
      } else {
        po.error_code = 0;
      }
      if (version == 0) {
        // v0: replicas without a live endpoint are left out and reported as an error.
        auto alive = [&](int32_t id) {
          auto b = snap.brokers.find(id);
          return b != snap.brokers.end() && b->second.endpoint_for(listener) != nullptr;
        };
        std::vector<int32_t> replicas, isr;
        for (int32_t r : info.replicas) {
          if (alive(r)) replicas.push_back(r);
        }
        for (int32_t r : info.isr) {
          if (alive(r)) isr.push_back(r);
        }
        if (po.error_code == 0 && replicas.size() != info.replicas.size()) {
          po.error_code = code(error_code::replica_not_available);
        }
        po.replica_nodes = std::move(replicas);
        po.isr_nodes = std::move(isr);
      }
    }
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    int16_t v = ctx.version();
    const std::string& listener = ctx.connection.listener_name;
    auto snap = svc.metadata->snapshot();
    response resp;
    for (const auto& [id, b] : snap->brokers) {
      const auto* e = b.endpoint_for(listener);
      if (e == nullptr) continue;
      auto& bo = resp.brokers.emplace_back();
      bo.node_id = id;
      bo.host = e->host;
      bo.port = e->port;
      bo.rack = b.rack;
    }
    resp.cluster_id = svc.cluster_id;
    resp.controller_id = snap->controller_id;

    bool all_topics = v == 0 ? (req.topics && req.topics->empty()) : !req.topics.has_value();
    if (all_topics) {
      for (const auto& [name, t] : snap->topics) fill_topic(resp.topics.emplace_back(), t, *snap, listener, v);
      co_return resp;
    }
    bool may_create = svc.config->auto_create_topics_enable() && (v < 4 || req.allow_auto_topic_creation);
    std::set<std::string> seen;
    for (const auto& rt : *req.topics) {
      auto& out = resp.topics.emplace_back();
      std::string name;
      if (rt.name) {
        name = *rt.name;
      } else if (const auto* by_id = snap->topic_name_for(rt.topic_id)) {
        name = *by_id;
      } else {
        out.error_code = code(error_code::unknown_topic_id);
        out.name = std::nullopt;
        out.topic_id = rt.topic_id;
        continue;
      }
      if (!seen.insert(name).second) {
        resp.topics.pop_back();
        continue;
      }
      if (const auto* t = snap->find_topic(name)) {
        fill_topic(out, *t, *snap, listener, v);
        continue;
      }
      out.name = name;
      if (!metadata::topic_name_error(name).empty()) {
        out.error_code = code(error_code::invalid_topic_exception);
        continue;
      }
      if (!may_create || metadata::is_internal_topic(name)) {
        out.error_code = code(error_code::unknown_topic_or_partition);
        continue;
      }
      new_topic spec;
      spec.name = name;
      auto created = co_await create_topic(svc, std::move(spec), false);
      if (created.error == error_code::none || created.error == error_code::topic_already_exists) {
        out.error_code = code(error_code::leader_not_available);  // the client retries shortly
      } else {
        out.error_code = code(created.error);
      }
    }
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    if (req.topics) {
      for (const auto& t : *req.topics) {
        auto& out = resp.topics.emplace_back();
        out.name = t.name;
        out.topic_id = t.topic_id;
        out.error_code = code(e);
      }
    }
    return resp;
  }
};

} // namespace

void register_metadata(handler_table& t) { register_handler<metadata_handler>(t); }

} // namespace gregor::server
