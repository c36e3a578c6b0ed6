#include "topic_admin.h"

#include <random>
#include <set>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/config/broker_config.h"
#include "gregor/config/topic_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/metadata/replica_assignment.h"
#include "gregor/metadata/topic_name.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::server {

namespace asio = boost::asio;
using protocol::error_code;

namespace {

admin_result fail(error_code e, std::string message) {
  admin_result r;
  r.error = e;
  r.message = std::move(message);
  return r;
}

template <typename Pred>
asio::awaitable<bool> poll_metadata(broker_services& svc, std::chrono::milliseconds timeout, Pred pred) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred(*svc.metadata->snapshot())) co_return true;
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

} // namespace

asio::awaitable<admin_result> create_topic(broker_services& svc, new_topic t, bool validate_only) {
  if (auto why = metadata::topic_name_error(t.name); !why.empty()) {
    co_return fail(error_code::invalid_topic_exception, why);
  }
  auto snap = svc.metadata->snapshot();
  if (snap->find_topic(t.name) != nullptr) {
    co_return fail(error_code::topic_already_exists, "Topic '" + t.name + "' already exists.");
  }
  std::vector<metadata::broker_rack> brokers;
  for (const auto& [id, b] : snap->brokers) brokers.push_back({id, b.rack});

  admin_result out;
  if (!t.assignment.empty()) {
    if (t.partitions != -1 || t.replication_factor != -1) {
      co_return fail(error_code::invalid_request,
                     "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.");
    }
    if (auto why = metadata::manual_assignment_error(t.assignment); !why.empty()) {
      co_return fail(error_code::invalid_replica_assignment, why);
    }
    for (const auto& [p, replicas] : t.assignment) {
      for (int32_t r : replicas) {
        if (snap->brokers.count(r) == 0) {
          co_return fail(error_code::invalid_replica_assignment,
                         "Unknown broker(s) in replica assignment: " + std::to_string(r) + ".");
        }
      }
    }
    out.assignment = t.assignment;
  } else {
    int32_t partitions = t.partitions == -1 ? svc.config->num_partitions() : t.partitions;
    int32_t rf = t.replication_factor == -1 ? svc.config->default_replication_factor() : t.replication_factor;
    if (partitions <= 0) co_return fail(error_code::invalid_partitions, "Number of partitions must be larger than 0.");
    if (rf <= 0) co_return fail(error_code::invalid_replication_factor, "Replication factor must be larger than 0.");
    if (rf > static_cast<int32_t>(brokers.size())) {
      // Our broker list is the controller's last UpdateMetadata, which lags ZooKeeper right after a
      // start; Kafka checks the topic's znode before the broker count can matter (a client asking
      // for an existing topic then must hear TOPIC_ALREADY_EXISTS / retry, not a fatal error).
      if (auto existing = co_await svc.zk->get_topic_assignment(t.name); existing && existing->has_value()) {
        co_return fail(error_code::topic_already_exists, "Topic '" + t.name + "' already exists.");
      }
      co_return fail(error_code::invalid_replication_factor,
                     "Replication factor: " + std::to_string(rf) + " larger than available brokers: " +
                         std::to_string(brokers.size()) + ".");
    }
    thread_local std::mt19937 rng{std::random_device{}()};
    auto assigned = metadata::assign_replicas(brokers, {.partitions = partitions, .replication_factor = rf}, rng);
    if (!assigned) co_return fail(error_code::invalid_replica_assignment, assigned.error().message());
    out.assignment = std::move(*assigned);
  }
  for (const auto& [key, value] : t.configs) {
    if (auto why = config::topic_key_error(key, value)) co_return fail(error_code::invalid_config, *why);
  }
  if (validate_only) co_return out;

  zk::topic_assignment znode;
  znode.partitions = out.assignment;
  znode.topic_id = uuid::random();  // as Kafka 2.8+ brokers do; tools leave it to the controller
  auto created = co_await svc.zk->create_topic(t.name, znode, t.configs);
  if (!created) {
    if (created.error() == zk::zk_errc::node_exists) {
      co_return fail(error_code::topic_already_exists, "Topic '" + t.name + "' already exists.");
    }
    co_return fail(error_code::unknown_server_error, "cannot write the topic to ZooKeeper: " + created.error().message());
  }
  co_return out;
}

asio::awaitable<bool> wait_for_topic_online(broker_services& svc, std::string topic, std::chrono::milliseconds timeout) {
  auto online = [&](const metadata::cluster_snapshot& s) {
    const auto* t = s.find_topic(topic);
    if (t == nullptr || t->partitions.empty()) return false;
    for (const auto& [p, info] : t->partitions) {
      if (info.leader < 0) return false;
    }
    return true;
  };
  co_return co_await poll_metadata(svc, timeout, online);
}

asio::awaitable<bool> wait_for_partitions_online(broker_services& svc, std::string topic, int32_t first, int32_t count,
                                                 std::chrono::milliseconds timeout) {
  auto online = [&](const metadata::cluster_snapshot& s) {
    const auto* t = s.find_topic(topic);
    if (t == nullptr) return false;
    for (int32_t p = first; p < count; ++p) {
      auto it = t->partitions.find(p);
      if (it == t->partitions.end() || it->second.leader < 0) return false;
    }
    return true;
  };
  co_return co_await poll_metadata(svc, timeout, online);
}

asio::awaitable<bool> wait_for_metadata(broker_services& svc, std::chrono::milliseconds timeout,
                                        const std::function<bool(const metadata::cluster_snapshot&)>& ready) {
  auto pred = [&ready](const metadata::cluster_snapshot& s) { return ready(s); };
  co_return co_await poll_metadata(svc, timeout, pred);
}

asio::awaitable<bool> wait_for_topic_gone(broker_services& svc, std::string topic, std::chrono::milliseconds timeout) {
  auto gone = [&](const metadata::cluster_snapshot& s) { return s.find_topic(topic) == nullptr; };
  co_return co_await poll_metadata(svc, timeout, gone);
}

} // namespace gregor::server
