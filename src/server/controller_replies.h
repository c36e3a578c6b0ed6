#pragma once
// controller_replies: the mapping between the Kafka requests the controller answers
// (ControlledShutdown, ElectLeaders, AlterPartitionReassignments, ListPartitionReassignments) and
// the controller's own types (gregor/controller/controller.h): which partitions a request names,
// and how a reply becomes a response — grouping by topic, the fields each version carries, and
// the filtering Kafka's KafkaApis applies.
//
// Pure functions: no I/O, no shared state; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/controller/controller.h"
#include "gregor/protocol/messages/alter_partition_reassignments.h"
#include "gregor/protocol/messages/controlled_shutdown.h"
#include "gregor/protocol/messages/elect_leaders.h"
#include "gregor/protocol/messages/list_partition_reassignments.h"

namespace gregor::server {

// ---- ControlledShutdown ----
protocol::controlled_shutdown_response to_response(const controller::controlled_shutdown_reply& reply);

// ---- ElectLeaders ----
// nullopt when the request names no partitions (null topic_partitions: every partition);
// otherwise the named partitions, each once, in request order.
std::optional<std::vector<topic_partition>> requested_partitions(const protocol::elect_leaders_request& req);
// The election type of a request at `version` (v0 has none: preferred); nullopt for a type Kafka
// does not know.
std::optional<controller::election_type> requested_election_type(const protocol::elect_leaders_request& req,
                                                                  int16_t version);
// The answer when the whole request fails (not_controller, an unknown election type): the
// top-level error (v1+) and the same error for every named partition.
protocol::elect_leaders_response elect_leaders_failure(const std::optional<std::vector<topic_partition>>& partitions,
                                                       protocol::error_code error);
// One result per partition of `reply`, grouped by topic. With `all_partitions` (the request named
// none) partitions that needed no election are left out, as Kafka does.
protocol::elect_leaders_response to_response(const controller::elect_leaders_reply& reply, bool all_partitions);

// ---- AlterPartitionReassignments ----
// Partition -> target replicas (nullopt: cancel). A partition named twice keeps its last entry.
std::map<topic_partition, std::optional<std::vector<int32_t>>> reassignment_targets(
    const protocol::alter_partition_reassignments_request& req);
protocol::alter_partition_reassignments_response to_response(const controller::alter_reassignments_reply& reply);

// ---- ListPartitionReassignments ----
// nullopt when the request names no topics (null: every reassignment in progress).
std::optional<std::vector<topic_partition>> requested_partitions(
    const protocol::list_partition_reassignments_request& req);
protocol::list_partition_reassignments_response to_response(const controller::list_reassignments_reply& reply);

} // namespace gregor::server
