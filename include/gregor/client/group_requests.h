#pragma once
// Request bodies and response readers of the consumer-group APIs at a given (negotiated) version.
// Pure functions with no I/O, so the version rules are unit-testable: FindCoordinator batches keys
// from v4, LeaveGroup names members in an array from v3, OffsetCommit carries a commit timestamp
// only in v1 and a retention time in v2-4, OffsetFetch may ask for "all partitions" (null) from
// v2 and batches groups from v8, ListGroups filters by state from v4.
// Errors: client_errc::invalid_argument when the request cannot be expressed at that version
// (e.g. a group.instance.id below JoinGroup v5).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gregor/client/group_types.h"
#include "gregor/common/result.h"
#include "gregor/protocol/messages/delete_groups.h"
#include "gregor/protocol/messages/describe_groups.h"
#include "gregor/protocol/messages/find_coordinator.h"
#include "gregor/protocol/messages/heartbeat.h"
#include "gregor/protocol/messages/join_group.h"
#include "gregor/protocol/messages/leave_group.h"
#include "gregor/protocol/messages/list_groups.h"
#include "gregor/protocol/messages/offset_commit.h"
#include "gregor/protocol/messages/offset_delete.h"
#include "gregor/protocol/messages/offset_fetch.h"
#include "gregor/protocol/messages/sync_group.h"

namespace gregor::client {

// Key type 0 (group). Below v4 only keys[0] is sent.
protocol::find_coordinator_request build_find_coordinator_request(int16_t version, const std::vector<std::string>& keys);
// One entry per key answered; below v4 the single answer is given `requested_key`.
std::vector<found_coordinator> read_find_coordinator_response(int16_t version, const protocol::find_coordinator_response& r,
                                                              const std::string& requested_key);

result<protocol::join_group_request> build_join_group_request(int16_t version, const join_group_params& p);
join_group_outcome read_join_group_response(const protocol::join_group_response& r);

result<protocol::sync_group_request> build_sync_group_request(int16_t version, const sync_group_params& p);
sync_group_outcome read_sync_group_response(const protocol::sync_group_response& r);

result<protocol::heartbeat_request> build_heartbeat_request(int16_t version, const heartbeat_params& p);

// Below v3 exactly one member without instance id.
result<protocol::leave_group_request> build_leave_group_request(int16_t version, const std::string& group_id,
                                                                const std::vector<leaving_member>& members);
leave_group_outcome read_leave_group_response(int16_t version, const protocol::leave_group_response& r,
                                              const std::vector<leaving_member>& members);

result<protocol::offset_commit_request> build_offset_commit_request(int16_t version, const offset_commit_params& p);
std::map<topic_partition, std::error_code> read_offset_commit_response(const protocol::offset_commit_response& r);

// `partitions` nullopt = every committed partition (v2+).
result<protocol::offset_fetch_request> build_offset_fetch_request(int16_t version, const std::string& group_id,
                                                                  const std::optional<std::vector<topic_partition>>& partitions,
                                                                  bool require_stable = false);
// The group-level error (v2+) fails the read; partition errors stay in the entries. Entries with
// offset -1 (nothing committed) are kept.
result<std::map<topic_partition, committed_offset>> read_offset_fetch_response(int16_t version,
                                                                               const protocol::offset_fetch_response& r,
                                                                               const std::string& group_id);

// `states` needs v4+ (invalid_argument below).
result<protocol::list_groups_request> build_list_groups_request(int16_t version, const std::vector<std::string>& states);
result<std::vector<group_listing>> read_list_groups_response(const protocol::list_groups_response& r);

protocol::describe_groups_request build_describe_groups_request(const std::vector<std::string>& groups);
std::vector<group_description> read_describe_groups_response(const protocol::describe_groups_response& r);

protocol::delete_groups_request build_delete_groups_request(const std::vector<std::string>& groups);
std::vector<std::pair<std::string, std::error_code>> read_delete_groups_response(const protocol::delete_groups_response& r);

protocol::offset_delete_request build_offset_delete_request(const std::string& group_id,
                                                            const std::vector<topic_partition>& partitions);
offset_delete_outcome read_offset_delete_response(const protocol::offset_delete_response& r);

} // namespace gregor::client
