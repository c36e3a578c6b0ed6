#include "kafka_exception.h"

#include "gregor/client/errc.h"
#include "gregor/protocol/error_code.h"

namespace gregor::tools {

namespace {

struct kafka_java_error {
  const char* exception;  // class name in org.apache.kafka.common.errors
  const char* message;    // Kafka's default message for the code
};

// The codes the admin tools meet; anything else is rendered as Kafka renders an unknown code.
kafka_java_error java_error_for(protocol::error_code code) {
  using protocol::error_code;
  switch (code) {
  case error_code::unknown_topic_or_partition:
    return {"UnknownTopicOrPartitionException", "This server does not host this topic-partition."};
  case error_code::leader_not_available:
    return {"LeaderNotAvailableException",
            "There is no leader for this topic-partition as we are in the middle of a leadership election."};
  case error_code::request_timed_out: return {"TimeoutException", "The request timed out."};
  case error_code::replica_not_available:
    return {"ReplicaNotAvailableException", "The replica is not available for the requested topic-partition."};
  case error_code::network_exception:
    return {"NetworkException", "The server disconnected before a response was received."};
  case error_code::invalid_topic_exception:
    return {"InvalidTopicException", "The request attempted to perform an operation on an invalid topic."};
  case error_code::topic_authorization_failed: return {"TopicAuthorizationException", "Topic authorization failed."};
  case error_code::cluster_authorization_failed:
    return {"ClusterAuthorizationException", "Cluster authorization failed."};
  case error_code::unsupported_version: return {"UnsupportedVersionException", "The version of API is not supported."};
  case error_code::invalid_partitions: return {"InvalidPartitionsException", "Number of partitions is below 1."};
  case error_code::invalid_replication_factor:
    return {"InvalidReplicationFactorException",
            "Replication factor is below 1 or larger than the number of available brokers."};
  case error_code::invalid_replica_assignment:
    return {"InvalidReplicaAssignmentException", "Replica assignment is invalid."};
  case error_code::invalid_config: return {"InvalidConfigurationException", "Configuration is invalid."};
  case error_code::not_controller:
    return {"NotControllerException", "This is not the correct controller for this cluster."};
  case error_code::invalid_request:
    return {"InvalidRequestException",
            "This most likely occurs because of a request being malformed by the client library or the message "
            "was sent to an incompatible broker. See the broker logs for more details."};
  case error_code::policy_violation:
    return {"PolicyViolationException", "Request parameters do not satisfy the configured policy."};
  case error_code::reassignment_in_progress:
    return {"ReassignmentInProgressException", "A partition reassignment is in progress."};
  case error_code::preferred_leader_not_available:
    return {"PreferredLeaderNotAvailableException", "The preferred leader was not available."};
  case error_code::eligible_leaders_not_available:
    return {"EligibleLeadersNotAvailableException", "Eligible topic partition leaders are not available."};
  case error_code::election_not_needed:
    return {"ElectionNotNeededException", "Leader election not needed for topic partition."};
  case error_code::no_reassignment_in_progress:
    return {"NoReassignmentInProgressException", "No partition reassignment is in progress."};
  default: break;
  }
  return {"UnknownServerException", "The server experienced an unexpected error when processing the request."};
}

} // namespace

std::string kafka_exception_message(const std::error_code& ec, const std::string& broker_message) {
  if (ec.category() != client::kafka_category()) return ec.message();
  if (!broker_message.empty()) return broker_message;
  return java_error_for(static_cast<protocol::error_code>(ec.value())).message;
}

std::string kafka_exception_text(const std::error_code& ec, const std::string& broker_message) {
  std::string message = kafka_exception_message(ec, broker_message);
  if (ec.category() != client::kafka_category()) {
    if (ec == client::client_errc::unsupported_version) {
      return "org.apache.kafka.common.errors.UnsupportedVersionException: " + message;
    }
    if (ec == client::client_errc::timed_out || ec == client::client_errc::no_controller ||
        ec == client::client_errc::no_broker_reachable) {
      return "org.apache.kafka.common.errors.TimeoutException: " + message;
    }
    return "org.apache.kafka.common.KafkaException: " + message;
  }
  const char* cls = java_error_for(static_cast<protocol::error_code>(ec.value())).exception;
  return std::string("org.apache.kafka.common.errors.") + cls + ": " + message;
}

} // namespace gregor::tools
