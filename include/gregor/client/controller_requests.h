#pragma once
// Request bodies and response readers for the admin APIs the controller answers (ElectLeaders,
// AlterPartitionReassignments, ListPartitionReassignments) and for IncrementalAlterConfigs, which
// the reassignment tool uses for its throttles. Pure functions with no I/O, so that the version
// rules and the response decoding are unit-testable (request_builders.h holds the other APIs).
//
// Readers return the whole call's error (the response's top-level error code, kafka category) as
// the result's error; per-partition and per-resource errors come back inside the value.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "gregor/client/types.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/protocol/messages/alter_partition_reassignments.h"
#include "gregor/protocol/messages/elect_leaders.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"
#include "gregor/protocol/messages/list_partition_reassignments.h"

namespace gregor::client {

// ElectLeaders. `partitions` nullopt = every partition (a null list on the wire). v0 knows only
// preferred elections: an unclean one below v1 is unsupported_version (client category).
result<protocol::elect_leaders_request> build_elect_leaders_request(int16_t version, election_type type,
                                                                    const std::optional<std::vector<topic_partition>>& partitions,
                                                                    int32_t timeout_ms);
// Per-partition outcomes. From v1 a top-level error fails the call; at v0, where there is none, a
// response whose every partition says NOT_CONTROLLER fails the call with NOT_CONTROLLER too.
result<std::map<topic_partition, partition_outcome>> read_elect_leaders_response(const protocol::elect_leaders_response& r);

// AlterPartitionReassignments. A target of nullopt cancels that partition's reassignment.
protocol::alter_partition_reassignments_request build_alter_partition_reassignments_request(
  const std::map<topic_partition, std::optional<std::vector<int32_t>>>& targets, int32_t timeout_ms);
result<std::map<topic_partition, partition_outcome>> read_alter_partition_reassignments_response(
  const protocol::alter_partition_reassignments_response& r);

// ListPartitionReassignments; `partitions` nullopt = every reassignment in progress.
protocol::list_partition_reassignments_request build_list_partition_reassignments_request(
  const std::optional<std::vector<topic_partition>>& partitions, int32_t timeout_ms);
result<std::map<topic_partition, ongoing_reassignment>> read_list_partition_reassignments_response(
  const protocol::list_partition_reassignments_response& r);

// IncrementalAlterConfigs (v0 and v1 share the body).
protocol::incremental_alter_configs_request build_incremental_alter_configs_request(
  const std::vector<config_resource_change>& resources, bool validate_only);
std::vector<config_resource_result> read_incremental_alter_configs_response(
  const protocol::incremental_alter_configs_response& r);

} // namespace gregor::client
