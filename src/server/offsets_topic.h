#pragma once
// __consumer_offsets on first use (Kafka's AutoTopicCreationManager for the group coordinator's
// internal topic): FindCoordinator creates it when a client first looks a group up, with the
// offsets.topic.* broker settings.

#include <map>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gregor/server/broker_services.h"

namespace gregor::config {
class broker_config;
}

namespace gregor::server {

// The topic configs Kafka gives __consumer_offsets: compacted, offsets.topic.segment.bytes segments,
// batches kept in the codec the coordinator wrote them with.
std::map<std::string, std::string> offsets_topic_configs(const config::broker_config& config);

// Writes the topic's znodes unless the metadata snapshot already has the topic; the controller
// then assigns leaders. Does nothing (and logs why) while fewer brokers are alive than
// offsets.topic.replication.factor, as Kafka refuses to create the topic under-replicated.
// A concurrent creation by another request is not an error. Never throws; failures are logged:
// the caller answers COORDINATOR_NOT_AVAILABLE either way and the client retries.
boost::asio::awaitable<void> create_offsets_topic(broker_services& svc);

} // namespace gregor::server
