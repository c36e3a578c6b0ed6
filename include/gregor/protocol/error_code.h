#pragma once
// Kafka error codes as they travel on the wire. The numbers are protocol and never change.
// Send only codes the request version already knew: older clients treat unknown codes as a
// generic failure (see WIRE-PROTOCOL-NOTES §9).

#include <cstdint>
#include <string_view>

namespace gregor::protocol {

enum class error_code : int16_t {
  // Unexpected failure on the broker.
  unknown_server_error = -1,
  // Success.
  none = 0,
  // The requested offset is below the log start or above the log end.
  offset_out_of_range = 1,
  // A CRC or format check failed. Retriable.
  corrupt_message = 2,
  // This broker does not host the topic or partition. Retriable.
  unknown_topic_or_partition = 3,
  // The fetch size is invalid.
  invalid_fetch_size = 4,
  // The partition has no leader right now (election, fresh auto-create). Retriable.
  leader_not_available = 5,
  // Wrong broker for this partition; the client refreshes metadata. Formerly NOT_LEADER_FOR_PARTITION. Retriable.
  not_leader_or_follower = 6,
  // The request waited longer than its timeout (e.g. acks=all). Retriable.
  request_timed_out = 7,
  // The broker is not alive.
  broker_not_available = 8,
  // A replica is missing (Metadata v0 reports offline replicas this way). Retriable.
  replica_not_available = 9,
  // A batch exceeds max.message.bytes.
  message_too_large = 10,
  // A controller request came from an old controller epoch.
  stale_controller_epoch = 11,
  // The offset-commit metadata string is too long.
  offset_metadata_too_large = 12,
  // The connection dropped while the request was in flight. Retriable.
  network_exception = 13,
  // Group or transaction state is still loading. Retriable.
  coordinator_load_in_progress = 14,
  // The coordinator is offline or its internal topic is missing. Retriable.
  coordinator_not_available = 15,
  // This broker is not the coordinator; the client looks it up again. Retriable.
  not_coordinator = 16,
  // Illegal topic name, or a write to an internal topic.
  invalid_topic_exception = 17,
  // The message set is larger than the segment size.
  record_list_too_large = 18,
  // The ISR is below min.insync.replicas; nothing was written. Retriable.
  not_enough_replicas = 19,
  // Written, but the ISR shrank before the acks were collected. Retriable.
  not_enough_replicas_after_append = 20,
  // acks is not one of -1, 0, 1.
  invalid_required_acks = 21,
  // The group generation is stale.
  illegal_generation = 22,
  // Protocol type or names do not match the group's.
  inconsistent_group_protocol = 23,
  // The group id is empty or invalid.
  invalid_group_id = 24,
  // The member is not in the group.
  unknown_member_id = 25,
  // The session timeout is outside the broker's bounds.
  invalid_session_timeout = 26,
  // The group is rebalancing; the member must rejoin.
  rebalance_in_progress = 27,
  // The offset commit is too large.
  invalid_commit_offset_size = 28,
  // ACLs deny access to the topic.
  topic_authorization_failed = 29,
  // ACLs deny access to the group.
  group_authorization_failed = 30,
  // ACLs deny a cluster action (also idempotent writes).
  cluster_authorization_failed = 31,
  // The timestamp is outside the accepted window.
  invalid_timestamp = 32,
  // The SASL mechanism is not enabled.
  unsupported_sasl_mechanism = 33,
  // The request is not allowed in the current SASL state.
  illegal_sasl_state = 34,
  // The API version is not supported.
  unsupported_version = 35,
  // CreateTopics named an existing topic.
  topic_already_exists = 36,
  // The partition count is invalid.
  invalid_partitions = 37,
  // The replication factor is invalid or above the broker count.
  invalid_replication_factor = 38,
  // The manual replica assignment is invalid.
  invalid_replica_assignment = 39,
  // A configuration value is invalid.
  invalid_config = 40,
  // An admin request reached a broker that is not the controller. Retriable.
  not_controller = 41,
  // The request is malformed or invalid.
  invalid_request = 42,
  // The feature needs a newer message format.
  unsupported_for_message_format = 43,
  // A create/alter policy rejected the request.
  policy_violation = 44,
  // The idempotent sequence number has a gap.
  out_of_order_sequence_number = 45,
  // The batch is a duplicate.
  duplicate_sequence_number = 46,
  // The producer epoch is stale or fenced.
  invalid_producer_epoch = 47,
  // The operation is illegal in the transaction's current state.
  invalid_txn_state = 48,
  // The producer id does not belong to the transactional id.
  invalid_producer_id_mapping = 49,
  // The timeout exceeds transaction.max.timeout.ms.
  invalid_transaction_timeout = 50,
  // The previous transaction is still completing. Retriable.
  concurrent_transactions = 51,
  // The transaction coordinator epoch is old.
  transaction_coordinator_fenced = 52,
  // ACLs deny access to the transactional id.
  transactional_id_authorization_failed = 53,
  // The security feature is not enabled.
  security_disabled = 54,
  // Skipped because another part of the batch failed.
  operation_not_attempted = 55,
  // A disk or log directory failed. Retriable.
  kafka_storage_error = 56,
  // The log directory is unknown.
  log_dir_not_found = 57,
  // The credentials were rejected.
  sasl_authentication_failed = 58,
  // The producer's state expired or is unknown.
  unknown_producer_id = 59,
  // A partition reassignment is in progress.
  reassignment_in_progress = 60,
  // Delegation-token authentication is disabled.
  delegation_token_auth_disabled = 61,
  // The delegation token does not exist.
  delegation_token_not_found = 62,
  // The principal does not own the delegation token.
  delegation_token_owner_mismatch = 63,
  // Delegation-token requests are not allowed on this channel.
  delegation_token_request_not_allowed = 64,
  // ACLs deny the delegation-token operation.
  delegation_token_authorization_failed = 65,
  // The delegation token has expired.
  delegation_token_expired = 66,
  // The principal type is not supported.
  invalid_principal_type = 67,
  // DeleteGroups named a group that still has members.
  non_empty_group = 68,
  // The group does not exist.
  group_id_not_found = 69,
  // The fetch session is gone; the client sends a full fetch. Retriable.
  fetch_session_id_not_found = 70,
  // The fetch session epoch is out of step. Retriable.
  invalid_fetch_session_epoch = 71,
  // The leader has no endpoint on this listener. Retriable.
  listener_not_found = 72,
  // delete.topic.enable is false.
  topic_deletion_disabled = 73,
  // The requester's leader epoch is older than the broker's. Retriable.
  fenced_leader_epoch = 74,
  // The requester's leader epoch is newer than the broker's. Retriable.
  unknown_leader_epoch = 75,
  // The compression codec is not allowed at this request version.
  unsupported_compression_type = 76,
  // A controller request targets an older broker incarnation.
  stale_broker_epoch = 77,
  // The leader cannot serve that offset yet (after an election). Retriable.
  offset_not_available = 78,
  // JoinGroup v4+: rejoin with the member id just assigned.
  member_id_required = 79,
  // A preferred-leader election is not possible now. Retriable.
  preferred_leader_not_available = 80,
  // The group reached group.max.size.
  group_max_size_reached = 81,
  // Another member took over this static instance id.
  fenced_instance_id = 82,
  // No eligible leader for the election. Retriable.
  eligible_leaders_not_available = 83,
  // The preferred replica already leads. Retriable.
  election_not_needed = 84,
  // There is no reassignment to cancel.
  no_reassignment_in_progress = 85,
  // OffsetDelete on a topic the group still subscribes to.
  group_subscribed_to_topic = 86,
  // A record failed broker validation.
  invalid_record = 87,
  // Transactional offsets are still pending (require_stable). Retriable.
  unstable_offset_commit = 88,
  // The admin mutation quota is exhausted. Retriable.
  throttling_quota_exceeded = 89,
  // A newer producer holds the transactional id.
  producer_fenced = 90,
  // The config or quota resource does not exist.
  resource_not_found = 91,
  // The same resource appears twice in one request.
  duplicate_resource = 92,
  // The SCRAM credential was rejected.
  unacceptable_credential = 93,
  // KRaft: the voter set is inconsistent.
  inconsistent_voter_set = 94,
  // UpdateFeatures: invalid feature version.
  invalid_update_version = 95,
  // UpdateFeatures: the update failed.
  feature_update_failed = 96,
  // Forwarding: the principal could not be deserialized.
  principal_deserialization_failure = 97,
  // KRaft: the snapshot does not exist.
  snapshot_not_found = 98,
  // KRaft: the snapshot position is out of range.
  position_out_of_range = 99,
  // The topic id is not known here. Retriable.
  unknown_topic_id = 100,
  // KRaft: the broker id is already registered.
  duplicate_broker_registration = 101,
  // KRaft: the broker id is not registered.
  broker_id_not_registered = 102,
  // The topic id in the request does not match the log's. Retriable.
  inconsistent_topic_id = 103,
  // The request belongs to another cluster.
  inconsistent_cluster_id = 104,
  // DescribeTransactions named an unknown transactional id.
  transactional_id_not_found = 105,
  // A topic id mismatch inside a fetch session. Retriable.
  fetch_session_topic_id_error = 106,
};

// Kafka's upper-case name ("NOT_LEADER_OR_FOLLOWER"); "UNKNOWN" for a number we do not list.
std::string_view error_name(error_code e);

// True when clients retry the error by themselves (Java marks the exception retriable).
bool is_retriable(error_code e);

} // namespace gregor::protocol
