#pragma once
// group_member: one member of a classic consumer group, as Kafka's Java consumer runs it with the
// eager "range" assignor — FindCoordinator, JoinGroup (with the MEMBER_ID_REQUIRED round of v4+),
// the leader's range assignment over the members' subscriptions, SyncGroup, periodic heartbeats,
// rejoining after REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, offset commits
// with the member's generation, and LeaveGroup on close (dynamic members only: a static member
// keeps its place until its session times out, as in Kafka).
//
// It has no thread of its own: the owner calls poll_heartbeat() between fetches (often enough:
// every heartbeat_interval) and ensure_active() whenever needs_rejoin() turns true. Before
// rejoining an eager consumer gives up all its partitions, so the owner commits what it consumed
// first and re-reads the committed offsets of the new assignment afterwards.
//
// Threading: like the client it uses — coroutines on the client's executor, one at a time.
// Lifetime: the client must outlive the member.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/client/consumer_protocol.h"
#include "gregor/client/group_types.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"

namespace gregor::client {

class client;

struct group_member_options {
  std::string group_id;
  std::optional<std::string> group_instance_id;  // static membership
  std::vector<std::string> topics;               // the subscription
  std::string client_rack;                       // unused by range; kept for the subscription (v3)
  std::chrono::milliseconds session_timeout{45'000};      // session.timeout.ms
  std::chrono::milliseconds rebalance_timeout{300'000};   // max.poll.interval.ms
  std::chrono::milliseconds heartbeat_interval{3'000};    // heartbeat.interval.ms
  std::chrono::milliseconds retry_backoff{100};           // retry.backoff.ms
};

class group_member {
public:
  using clock_type = std::chrono::steady_clock;

  group_member(client& c, group_member_options options);

  const group_member_options& options() const { return _options; }

  // Joins or rejoins until the member holds the assignment of a completed rebalance, or until
  // `deadline` (client_errc::timed_out). Retriable conditions (no coordinator yet, coordinator
  // moved or loading, lost connections, a rebalance starting again) are retried with the back-off.
  // Errors: fatal broker errors in the kafka category (FENCED_INSTANCE_ID,
  // INCONSISTENT_GROUP_PROTOCOL, GROUP_MAX_SIZE_REACHED, INVALID_SESSION_TIMEOUT,
  // GROUP_AUTHORIZATION_FAILED, ...).
  boost::asio::awaitable<result<void>> ensure_active(clock_type::time_point deadline);

  // Sends a heartbeat if one is due. Rebalances and lost memberships only mark the member for
  // rejoin (needs_rejoin()); coordinator trouble is retried at the next call.
  // Errors: FENCED_INSTANCE_ID (another instance took our group.instance.id).
  boost::asio::awaitable<result<void>> poll_heartbeat();

  // Commits `offsets` with the member's generation. Partition errors come back in the map; the
  // ones that mean the membership is stale (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
  // REBALANCE_IN_PROGRESS) also mark the member for rejoin. Without a generation (between
  // rebalances) nothing is sent and the result is REBALANCE_IN_PROGRESS (kafka category).
  boost::asio::awaitable<result<std::map<topic_partition, std::error_code>>> commit(std::map<topic_partition, int64_t> offsets);

  // Leaves the group (LeaveGroup, dynamic members only) and forgets the membership. Errors are
  // ignored: the session timeout removes the member anyway.
  boost::asio::awaitable<void> leave();

  bool needs_rejoin() const { return _needs_rejoin; }
  // The partitions of the last completed rebalance (empty before the first).
  const partition_map& assignment() const { return _assignment; }
  int32_t generation_id() const { return _generation; }
  const std::string& member_id() const { return _member_id; }
  bool is_leader() const { return _is_leader; }
  // How long until the next heartbeat is due (zero when due now), to bound fetch waits.
  std::chrono::milliseconds time_to_next_heartbeat() const;

private:
  boost::asio::awaitable<void> sleep(std::chrono::milliseconds d);
  // The leader's range assignment: member id -> assignment bytes, for every member.
  boost::asio::awaitable<result<std::vector<std::pair<std::string, bytes>>>> assign(
    std::vector<join_group_member_info> members);
  // Applies an error that invalidates the membership. Returns true if it was one of those.
  bool on_membership_error(const std::error_code& ec);

  client& _client;
  group_member_options _options;
  std::string _member_id;
  int32_t _generation = -1;
  std::string _protocol_name;
  bool _is_leader = false;
  bool _needs_rejoin = true;
  partition_map _assignment;
  clock_type::time_point _last_heartbeat{};
};

} // namespace gregor::client
