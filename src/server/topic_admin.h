#pragma once
// Topic creation and the waits that follow admin requests, shared by CreateTopics and Metadata's
// auto-creation (Kafka's ZkAdminManager / AdminZkClient).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/protocol/error_code.h"
#include "gregor/server/broker_services.h"

namespace gregor::metadata {
struct cluster_snapshot;
}

namespace gregor::server {

struct new_topic {
  std::string name;
  int32_t partitions = -1;          // -1: num.partitions
  int16_t replication_factor = -1;  // -1: default.replication.factor
  std::map<int32_t, std::vector<int32_t>> assignment;  // manual; then partitions/RF must be -1
  std::map<std::string, std::string> configs;
};

struct admin_result {
  protocol::error_code error = protocol::error_code::none;
  std::string message;
  std::map<int32_t, std::vector<int32_t>> assignment;
};

// Validates and (unless validate_only) writes the topic's znodes; the controller does the rest.
boost::asio::awaitable<admin_result> create_topic(broker_services& svc, new_topic topic, bool validate_only);

// Waits until every partition of `topic` has a leader in this broker's metadata (true), or the
// timeout passes (false).
boost::asio::awaitable<bool> wait_for_topic_online(broker_services& svc, std::string topic,
                                                   std::chrono::milliseconds timeout);
// Waits until partitions [first, count) of `topic` exist with a leader in this broker's metadata
// (CreatePartitions: the partitions it added).
boost::asio::awaitable<bool> wait_for_partitions_online(broker_services& svc, std::string topic, int32_t first,
                                                        int32_t count, std::chrono::milliseconds timeout);
// Polls this broker's metadata every 20 ms until `ready` holds (true) or the timeout passes (false).
// `ready` must outlive the wait.
boost::asio::awaitable<bool> wait_for_metadata(broker_services& svc, std::chrono::milliseconds timeout,
                                               const std::function<bool(const metadata::cluster_snapshot&)>& ready);
// Waits until `topic` is gone from this broker's metadata.
boost::asio::awaitable<bool> wait_for_topic_gone(broker_services& svc, std::string topic,
                                                 std::chrono::milliseconds timeout);

} // namespace gregor::server
