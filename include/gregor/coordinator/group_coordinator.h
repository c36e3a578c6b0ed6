#pragma once
// group_coordinator: Kafka's GroupCoordinator for the classic group protocol. It owns the groups
// whose __consumer_offsets partition this broker leads: membership (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, session and rebalance timeouts, static members), committed offsets and
// their retention, and the admin views. Every change is written to the group's offsets partition
// (offsets_records.h) before it is acknowledged; on becoming leader of an offsets partition the
// coordinator replays it, on losing it the coordinator drops its groups (NOT_COORDINATOR).
//
// Threading: every public method is thread-safe and may be called from any executor; the state
// lives on one strand of the broker's io_context and results come back on the caller's executor.
// Appends and log reads hop to the offsets partition's own strand (replica_manager).
//
// Lifecycle: construct, start(), then shutdown() (awaitable) before the replica_manager stops.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/coordinator/group_api.h"

namespace boost::asio {
class io_context;
}
namespace gregor {
class clock;
}
namespace gregor::config {
class broker_config;
}
namespace gregor::metadata {
class metadata_cache;
}
namespace gregor::replication {
class replica_manager;
}

namespace gregor::group {

inline constexpr const char* offsets_topic = "__consumer_offsets";

class group_coordinator {
public:
  group_coordinator(boost::asio::io_context& io, replication::replica_manager& replicas,
                    const metadata::metadata_cache& metadata, const config::broker_config& config, clock& clk);
  ~group_coordinator();
  group_coordinator(const group_coordinator&) = delete;
  group_coordinator& operator=(const group_coordinator&) = delete;

  // Starts the offset-retention timer (offsets.retention.check.interval.ms).
  void start();
  // Stops timers, answers every waiting JoinGroup/SyncGroup with NOT_COORDINATOR (as Kafka does on
  // shutdown) and drops all state.
  boost::asio::awaitable<void> shutdown();

  // The __consumer_offsets partition of `group_id`: Java hash of the id modulo the topic's partition
  // count (from metadata; offsets.topic.num.partitions until the topic exists).
  int32_t partition_for(const std::string& group_id) const;

  // Leadership of __consumer_offsets partitions (called by the replica_manager's listener).
  // Elected: load the partition's groups and offsets (COORDINATOR_LOAD_IN_PROGRESS meanwhile).
  // Resigned: drop them; waiting members get NOT_COORDINATOR.
  void on_elected(int32_t partition, int32_t leader_epoch);
  void on_resigned(int32_t partition, int32_t leader_epoch);

  boost::asio::awaitable<join_group_result> join_group(join_group_request request);
  boost::asio::awaitable<sync_group_result> sync_group(sync_group_request request);
  boost::asio::awaitable<error_code> heartbeat(heartbeat_request request);
  boost::asio::awaitable<leave_group_result> leave_group(std::string group_id, std::vector<leave_member> members);

  boost::asio::awaitable<offset_commit_result> commit_offsets(offset_commit_request request);
  // TxnOffsetCommit: written to the group's partition in the producer's transaction; the offsets
  // become visible (OffsetFetch) when the transaction commits, and are dropped if it aborts.
  boost::asio::awaitable<offset_commit_result> commit_txn_offsets(txn_offset_commit_request request);
  // A transaction marker was written to these __consumer_offsets partitions (WriteTxnMarkers):
  // the producer's pending offsets there are committed or dropped (Kafka's
  // scheduleHandleTxnCompletion).
  void on_transaction_completed(int64_t producer_id, std::vector<int32_t> partitions, bool commit);
  boost::asio::awaitable<offset_fetch_result> fetch_offsets(offset_fetch_request request);
  // OffsetDelete: removes committed offsets of partitions the group is not subscribed to
  // (GROUP_SUBSCRIBED_TO_TOPIC for consumer groups still reading them).
  boost::asio::awaitable<offset_delete_result> delete_offsets(std::string group_id, std::vector<topic_partition> partitions);

  boost::asio::awaitable<std::vector<described_group>> describe_groups(std::vector<std::string> group_ids);
  // `states`: empty = all; otherwise case-insensitive state names (ListGroups v4+).
  boost::asio::awaitable<list_groups_result> list_groups(std::vector<std::string> states);
  // DeleteGroups: only Empty or unknown-but-owned groups (NON_EMPTY_GROUP otherwise,
  // GROUP_ID_NOT_FOUND when unknown).
  boost::asio::awaitable<std::vector<std::pair<std::string, error_code>>> delete_groups(std::vector<std::string> group_ids);

  // Offsets of a deleted topic's partitions are removed from every group (Kafka's
  // handleDeletedPartitions).
  void on_partitions_deleted(std::vector<topic_partition> partitions);

  class impl;  // defined in src/coordinator/group/coordinator_impl.h

private:
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::group
