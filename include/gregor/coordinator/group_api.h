#pragma once
// The group coordinator's requests and results, independent of wire versions: the request
// handlers (src/server/handlers/*group*.cc, offset_*.cc) translate each API version to and from
// these. Error codes are Kafka's (protocol::error_code).

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/topic_partition.h"
#include "gregor/protocol/error_code.h"

namespace gregor::group {

using protocol::error_code;

// --- membership ---

struct join_group_request {
  std::string group_id;
  std::string member_id;  // "" for a new member
  std::optional<std::string> group_instance_id;  // static membership (v5+)
  std::string client_id;
  std::string client_host;  // "/127.0.0.1" (Java InetAddress.toString() form)
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;  // v0: the handler passes the session timeout
  std::string protocol_type;
  std::vector<std::pair<std::string, bytes>> protocols;  // (name, metadata) in preference order
  bool require_known_member_id = false;  // v4+: a new dynamic member first gets MEMBER_ID_REQUIRED
  bool supports_skip_assignment = false;  // v9+
  std::optional<std::string> reason;
};

struct join_group_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  bytes metadata;
};

struct join_group_result {
  error_code error = error_code::none;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader_id;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<join_group_member> members;  // only for the leader
};

struct sync_group_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+: checked against the group's when set
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, bytes>> assignments;  // (member id, assignment); leader only
};

struct sync_group_result {
  error_code error = error_code::none;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  bytes assignment;
};

struct heartbeat_request {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct leave_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> reason;
};

struct leave_member_result {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  error_code error = error_code::none;
};

struct leave_group_result {
  error_code error = error_code::none;  // group-level (NOT_COORDINATOR, ...)
  std::vector<leave_member_result> members;  // one per request member, same order
};

// --- offsets ---

struct offset_commit_partition {
  topic_partition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;  // null is stored as ""
  int64_t commit_timestamp = -1;  // v1 only; -1: now
};

struct offset_commit_request {
  std::string group_id;
  int32_t generation_id = -1;  // -1 with member "": a commit from outside the group (simple consumer)
  std::string member_id;
  std::optional<std::string> group_instance_id;
  int64_t retention_time_ms = -1;  // v2-4; -1: the broker's offsets.retention.minutes
  std::vector<offset_commit_partition> partitions;
};

// One error per request partition, in request order.
using offset_commit_result = std::vector<error_code>;

// TxnOffsetCommit: offsets committed inside a producer's transaction (sendOffsetsToTransaction).
struct txn_offset_commit_request {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  std::string group_id;
  int32_t generation_id = -1;  // v3+; -1: not checked
  std::string member_id;       // v3+; "": not checked
  std::optional<std::string> group_instance_id;
  std::vector<offset_commit_partition> partitions;
};

struct offset_fetch_partition {
  topic_partition tp;
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  error_code error = error_code::none;
};

struct offset_fetch_request {
  std::string group_id;
  std::optional<std::vector<topic_partition>> partitions;  // nullopt: every committed partition
  bool require_stable = false;
};

struct offset_fetch_result {
  error_code error = error_code::none;
  std::vector<offset_fetch_partition> partitions;  // request order; -1 offset when none committed
};

struct offset_delete_result {
  error_code error = error_code::none;
  std::vector<std::pair<topic_partition, error_code>> partitions;
};

// --- admin ---

struct described_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  bytes metadata;    // the member's metadata for the group's protocol
  bytes assignment;
};

struct described_group {
  std::string group_id;
  error_code error = error_code::none;
  std::string state;  // "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"
  std::string protocol_type;
  std::string protocol;  // the selected protocol ("" unless Stable/CompletingRebalance)
  std::vector<described_member> members;
};

struct listed_group {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

struct list_groups_result {
  error_code error = error_code::none;  // COORDINATOR_LOAD_IN_PROGRESS while any partition loads
  std::vector<listed_group> groups;
};

} // namespace gregor::group
