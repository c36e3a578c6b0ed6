#pragma once
// The coordinators' internal topics on first use (Kafka's AutoTopicCreationManager):
// FindCoordinator creates __consumer_offsets when a client first looks a group up (offsets.topic.*
// settings) and __transaction_state when one first looks a transactional id up
// (transaction.state.log.* settings).

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
// And __transaction_state: compacted, uncompressed, transaction.state.log.segment.bytes segments,
// min.insync.replicas = transaction.state.log.min.isr, no unclean leader election.
std::map<std::string, std::string> transaction_state_topic_configs(const config::broker_config& config);

// Each writes the topic's znodes unless the metadata snapshot already has the topic; the
// controller then assigns leaders. Does nothing (and logs why) while fewer brokers are alive than
// the topic's replication factor, as Kafka refuses to create it under-replicated. A concurrent
// creation by another request is not an error. Never throws; failures are logged: the caller
// answers COORDINATOR_NOT_AVAILABLE either way and the client retries.
boost::asio::awaitable<void> create_offsets_topic(broker_services& svc);
boost::asio::awaitable<void> create_transaction_state_topic(broker_services& svc);

} // namespace gregor::server
