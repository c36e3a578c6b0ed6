#pragma once
// Values the client's consumer-group operations take and return (client_group.cc). Plain data.
// Errors inside these values are std::error_codes in the "kafka" category (empty = success).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "gregor/client/cluster_metadata.h"
#include "gregor/common/bytes.h"
#include "gregor/common/topic_partition.h"

namespace gregor::client {

// FindCoordinator's answer for one key.
struct found_coordinator {
  std::string key;
  std::error_code error;
  broker_info node;  // id, host, port of the coordinator
};

// ---- membership (one round trip each; the caller reacts to the errors) ----

struct join_group_params {
  std::string group_id;
  std::string member_id;  // "" for a new member
  std::optional<std::string> group_instance_id;  // static membership (v5+)
  int32_t session_timeout_ms = 45'000;
  int32_t rebalance_timeout_ms = 300'000;  // v1+
  std::string protocol_type = "consumer";
  std::vector<std::pair<std::string, bytes>> protocols;  // (name, metadata), preferred first
  std::optional<std::string> reason;  // v8+
};

struct join_group_member_info {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  bytes metadata;
};

struct join_group_outcome {
  std::error_code error;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader_id;
  std::string member_id;  // ours (also set with MEMBER_ID_REQUIRED)
  bool skip_assignment = false;
  std::vector<join_group_member_info> members;  // the leader's view of the group; empty for followers
};

struct sync_group_params {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+
  std::optional<std::string> protocol_name;  // v5+
  std::vector<std::pair<std::string, bytes>> assignments;  // (member id, assignment); leader only
};

struct sync_group_outcome {
  std::error_code error;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  bytes assignment;
};

struct heartbeat_params {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct leaving_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> reason;
};

struct leave_group_outcome {
  std::error_code error;  // group level
  std::vector<std::pair<std::string, std::error_code>> members;  // member id -> error (v3+; else the group error)
};

// ---- offsets ----

struct offset_commit_params {
  std::string group_id;
  int32_t generation_id = -1;  // -1 and member "": a commit from outside the group
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::map<topic_partition, int64_t> offsets;
  std::string metadata;  // stored with every offset
};

struct committed_offset {
  int64_t offset = -1;  // -1: nothing committed
  int32_t leader_epoch = -1;
  std::string metadata;
  std::error_code error;
};

struct offset_delete_outcome {
  std::error_code error;  // group level (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, ...)
  std::map<topic_partition, std::error_code> partitions;
};

// ---- admin ----

struct group_listing {
  std::string group_id;
  std::string protocol_type;  // "consumer" for consumer groups; "" for groups with only offsets
  std::string state;  // ListGroups v4+; "" from older brokers
};

struct group_member_description {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  bytes metadata;
  bytes assignment;
};

struct group_description {
  std::string group_id;
  std::error_code error;
  std::string state;  // "Empty", "Stable", "PreparingRebalance", "CompletingRebalance", "Dead"
  std::string protocol_type;
  std::string protocol;  // the assignor in use ("" when none)
  std::vector<group_member_description> members;
  broker_info coordinator;
};

} // namespace gregor::client
