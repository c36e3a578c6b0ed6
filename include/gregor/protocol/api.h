#pragma once
// The Kafka APIs a ZooKeeper-mode broker serves, and the header versions they use.
// The table behind all_apis() is generated from the schema files (src/protocol/schemas); the enum
// below is kept in step with it by a unit test. Everything here is immutable: thread-safe.

#include <cstdint>
#include <span>
#include <string_view>

#include "gregor/protocol/fwd.h"

namespace gregor::protocol {

enum class api_key : int16_t {
  produce = 0,
  fetch = 1,
  list_offsets = 2,
  metadata = 3,
  leader_and_isr = 4,
  stop_replica = 5,
  update_metadata = 6,
  controlled_shutdown = 7,
  offset_commit = 8,
  offset_fetch = 9,
  find_coordinator = 10,
  join_group = 11,
  heartbeat = 12,
  leave_group = 13,
  sync_group = 14,
  describe_groups = 15,
  list_groups = 16,
  sasl_handshake = 17,
  api_versions = 18,
  create_topics = 19,
  delete_topics = 20,
  delete_records = 21,
  init_producer_id = 22,
  offset_for_leader_epoch = 23,
  add_partitions_to_txn = 24,
  add_offsets_to_txn = 25,
  end_txn = 26,
  write_txn_markers = 27,
  txn_offset_commit = 28,
  describe_acls = 29,
  create_acls = 30,
  delete_acls = 31,
  describe_configs = 32,
  alter_configs = 33,
  alter_replica_log_dirs = 34,
  describe_log_dirs = 35,
  sasl_authenticate = 36,
  create_partitions = 37,
  create_delegation_token = 38,
  renew_delegation_token = 39,
  expire_delegation_token = 40,
  describe_delegation_token = 41,
  delete_groups = 42,
  elect_leaders = 43,
  incremental_alter_configs = 44,
  alter_partition_reassignments = 45,
  list_partition_reassignments = 46,
  offset_delete = 47,
  describe_client_quotas = 48,
  alter_client_quotas = 49,
  describe_user_scram_credentials = 50,
  alter_user_scram_credentials = 51,
  alter_partition = 56,
  update_features = 57,
  envelope = 58,
  describe_cluster = 60,
  describe_producers = 61,
  describe_transactions = 65,
  list_transactions = 66,
  allocate_producer_ids = 67,
  consumer_group_heartbeat = 68,
  consumer_group_describe = 69,
};

struct api_descriptor {
  int16_t key;
  std::string_view name;  // Kafka's name, e.g. "Produce"
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;  // -1 if the API never uses the flexible encoding
};

// Every API in the schema files, sorted by key. Static storage.
std::span<const api_descriptor> all_apis();
// nullptr when the key is not one we know.
const api_descriptor* find_api(int16_t key);

// Request header version: 2 if (key, version) is flexible, 1 otherwise, 0 only for
// ControlledShutdown v0. An unknown key gets 1. A version above the API's max still gets the
// flexible answer if the API turned flexible below it (ApiVersions negotiation relies on it).
int16_t request_header_version(int16_t api_key, int16_t api_version);
// Response header version: 1 if flexible, else 0; ApiVersions always 0.
int16_t response_header_version(int16_t api_key, int16_t api_version);

// Decodes a request body of (api_key, api_version) into a throw-away instance of the right
// request type. False when the key or version is unknown or the body is malformed. For fuzzing
// and validation; real dispatch decodes into the concrete type itself.
bool decode_request_body(int16_t api_key, int16_t api_version, reader& r);

} // namespace gregor::protocol
