#pragma once
// One consumer group as the coordinator holds it in memory (Kafka's GroupMetadata and
// MemberMetadata): its state, generation, members, the selected protocol and its committed
// offsets. Plain data plus the transitions and queries the coordinator needs; no I/O.
//
// Owned by the group_coordinator and used only on its strand.
//
// The state machine (the only transitions allowed; transition_to() asserts them):
//
//   Empty ------------------> PreparingRebalance    first member joins (after the initial delay)
//   Stable -----------------> PreparingRebalance    a member joins, leaves, changes its protocols,
//   CompletingRebalance ----> PreparingRebalance    times out, or the leader rejoins
//   PreparingRebalance -----> CompletingRebalance   every known member rejoined, or the rebalance
//                                                   timeout expired (stragglers removed); members
//                                                   got their JoinGroup answers, the leader the
//                                                   member list; waiting for the leader's SyncGroup
//   PreparingRebalance -----> Empty                 the rebalance ended with no members left
//   CompletingRebalance ----> Stable                the leader's assignment was written to the log;
//                                                   every member gets its SyncGroup answer
//   any state --------------> Dead                  the group was deleted, expired, or its offsets
//                                                   partition moved to another broker
//
// In Stable and CompletingRebalance every member heartbeats within its session timeout or is
// removed; members waiting in JoinGroup or SyncGroup are kept alive by the pending request.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/topic_partition.h"
#include "gregor/coordinator/group_api.h"
#include "gregor/coordinator/offsets_records.h"

namespace gregor::group {

enum class group_state { empty, preparing_rebalance, completing_rebalance, stable, dead };

const char* state_name(group_state s);

struct member {
  std::string id;
  std::optional<std::string> instance_id;  // static membership
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::string protocol_type;
  std::vector<std::pair<std::string, bytes>> protocols;  // (name, metadata), preference order
  bytes assignment;

  // The member's pending JoinGroup / SyncGroup, answered exactly once.
  std::function<void(join_group_result)> awaiting_join;
  std::function<void(sync_group_result)> awaiting_sync;
  // Monotonic ms after which a member that is not waiting in JoinGroup/SyncGroup is removed.
  int64_t heartbeat_deadline_ms = 0;
  bool is_new = false;  // joined during the current rebalance

  const bytes* metadata_for(const std::string& protocol) const;
  bool matches(const std::vector<std::pair<std::string, bytes>>& other) const;
};

struct group {
  std::string id;
  int32_t partition = 0;  // its __consumer_offsets partition
  group_state state = group_state::empty;
  int64_t state_timestamp_ms = -1;  // wall clock of the last transition (Kafka's currentStateTimestamp)
  int32_t generation = 0;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol;  // selected in the last completed join
  std::optional<std::string> leader;
  std::map<std::string, member> members;
  std::map<std::string, int64_t> pending_members;  // MEMBER_ID_REQUIRED given; value: deadline (monotonic)
  std::map<std::string, std::string> static_members;  // instance id -> member id
  std::set<std::string> pending_sync;  // members that still owe a SyncGroup after a join completed
  std::map<topic_partition, committed_offset> offsets;
  // TxnOffsetCommit: offsets written in a producer's open transaction, by producer id. They become
  // committed when that producer's COMMIT marker reaches the group's partition; ABORT drops them.
  std::map<int64_t, std::map<topic_partition, committed_offset>> pending_txn_offsets;
  int pending_writes = 0;  // appends in flight for this group

  // Rebalance timing (monotonic ms; 0 = not armed).
  int64_t rebalance_deadline_ms = 0;  // PreparingRebalance: complete the join at the latest then
  int64_t initial_delay_deadline_ms = 0;  // first join into an Empty group: wait this long first
  int64_t initial_delay_remaining_ms = 0;  // rebalance-timeout budget left for further extensions
  bool new_member_added = false;  // during the initial delay
  int64_t sync_deadline_ms = 0;  // CompletingRebalance: members that have not synced by then leave

  bool is(group_state s) const { return state == s; }
  bool has(const std::string& member_id) const { return members.count(member_id) != 0; }
  // Committed offsets or offsets pending in a transaction (Kafka's hasOffsets): such a group is
  // never forgotten as Dead.
  bool has_offsets() const { return !offsets.empty() || !pending_txn_offsets.empty(); }
  bool has_pending_txn_offset(const topic_partition& tp) const;
  // A producer's transaction ended: its pending offsets become committed, or are dropped.
  void complete_txn_offsets(int64_t producer_id, bool commit);
  // Moves to `next`, recording the time; false (and no change) for a transition the diagram above
  // does not allow.
  bool transition_to(group_state next, int64_t now_ms);

  void add(member m);
  void remove(const std::string& member_id);
  // Static member `instance` changes its member id (a restart); the leader id follows.
  void replace_static_member(const std::string& instance, const std::string& old_id, const std::string& new_id);
  // True when `instance_id` names a static member whose current id is not `member_id`.
  bool is_static_member_fenced(const std::optional<std::string>& instance_id, const std::string& member_id) const;

  size_t awaiting_join_count() const;
  bool all_members_joined() const { return members.size() == awaiting_join_count() && pending_members.empty(); }
  int32_t max_rebalance_timeout_ms() const;

  // JoinGroup's protocol check: an empty group takes any non-empty type with at least one
  // protocol; otherwise the type must match and some protocol must be supported by every member
  // plus the joining one.
  bool supports_protocols(const std::string& type, const std::vector<std::pair<std::string, bytes>>& protocols) const;
  // The protocol every member supports that gets the most first-choice votes.
  std::optional<std::string> select_protocol() const;
  // Elects a new leader among the members waiting in JoinGroup when the old one did not rejoin;
  // false when nobody is waiting.
  bool elect_joined_leader();

  // The topics the members subscribed to, when the group uses the "consumer" protocol type and
  // every subscription decodes (Kafka's ConsumerProtocol); nullopt otherwise.
  std::optional<std::set<std::string>> subscribed_topics() const;

  stored_group to_stored(const std::map<std::string, bytes>& assignments) const;
};

} // namespace gregor::group
