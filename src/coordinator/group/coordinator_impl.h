#pragma once
// The group coordinator's state and logic (private to src/coordinator/group/). Everything here
// runs on `strand`; the public group_coordinator methods hop there.
//
//   group_coordinator.cc  public API, offsets-partition loading and unloading, timers, shutdown
//   membership.cc         JoinGroup, SyncGroup, Heartbeat, LeaveGroup and the rebalance protocol
//   offsets.cc            OffsetCommit/Fetch/Delete, retention, writes to __consumer_offsets,
//                         DescribeGroups, ListGroups, DeleteGroups

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/clock.h"
#include "gregor/config/broker_config.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/replication/replica_manager.h"
#include "group.h"

namespace gregor::group {

namespace asio = boost::asio;

template <typename T>
using reply = std::function<void(T)>;

// A group and the timer that fires at its next deadline (heartbeat expiry, rebalance or sync
// timeout, initial join delay).
struct group_slot {
  group g;
  asio::steady_timer timer;
  explicit group_slot(asio::strand<asio::io_context::executor_type>& ex) : timer(ex) {}
};

class group_coordinator::impl : public std::enable_shared_from_this<impl> {
public:
  using strand_type = asio::strand<asio::io_context::executor_type>;

  impl(asio::io_context& io, replication::replica_manager& replicas, const metadata::metadata_cache& metadata,
       const config::broker_config& config, clock& clk);

  // --- ownership (group_coordinator.cc) ---
  enum class shard_status { loading, loaded };
  struct shard {
    shard_status status = shard_status::loading;
    int32_t epoch = -1;
  };
  int32_t partition_for(const std::string& group_id) const;
  // NONE when this broker serves `group_id` now; NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS or
  // COORDINATOR_NOT_AVAILABLE (shutting down) otherwise.
  error_code check_owner(const std::string& group_id) const;
  group_slot* find(const std::string& group_id);
  group_slot& get_or_create(const std::string& group_id);
  void erase_group(const std::string& group_id);
  void elected(int32_t partition, int32_t epoch);
  void resigned(int32_t partition, int32_t epoch);
  asio::awaitable<void> load(std::shared_ptr<impl> self, int32_t partition, int32_t epoch);
  void install(int32_t partition, replayed_partition state);
  // Answers the group's waiting members with NOT_COORDINATOR and forgets it.
  void unload_group(group_slot& slot);
  void stop_all();

  // Re-arms the group's timer for its earliest deadline; on expiry check_deadlines() runs.
  void schedule(group_slot& slot);
  void check_deadlines(const std::string& group_id);

  // --- membership (membership.cc) ---
  void join(join_group_request req, reply<join_group_result> done);
  void sync(sync_group_request req, reply<sync_group_result> done);
  error_code heartbeat(const heartbeat_request& req);
  leave_group_result leave(const std::string& group_id, const std::vector<leave_member>& members);

  void add_member_and_rebalance(group_slot& slot, join_group_request& req, std::string member_id,
                                reply<join_group_result> done);
  void update_member_and_rebalance(group_slot& slot, member& m, join_group_request& req,
                                   reply<join_group_result> done);
  void update_static_member(group_slot& slot, join_group_request& req, std::string new_id,
                            reply<join_group_result> done);
  void prepare_rebalance(group_slot& slot, const std::string& reason);
  void maybe_complete_join(group_slot& slot);
  void complete_join(group_slot& slot);
  void remove_member_and_update(group_slot& slot, const std::string& member_id, const std::string& reason);
  void heartbeat_ok(group& g, member& m);
  join_group_result current_generation_result(const group& g, const member& m, bool with_members) const;
  // Writes the leader's assignment, then moves the group to Stable and answers every SyncGroup.
  asio::awaitable<void> store_assignment(std::shared_ptr<impl> self, std::string group_id, int32_t generation,
                                         std::map<std::string, bytes> assignments);
  void complete_sync(group_slot& slot, int32_t generation, const std::map<std::string, bytes>& assignments,
                     error_code e);

  // --- offsets and admin (offsets.cc) ---
  asio::awaitable<offset_commit_result> commit(std::shared_ptr<impl> self, offset_commit_request req);
  // --- transactional offsets (txn_offsets.cc) ---
  asio::awaitable<offset_commit_result> txn_commit(std::shared_ptr<impl> self, txn_offset_commit_request req);
  void complete_txn(int64_t producer_id, const std::vector<int32_t>& partitions, bool commit);
  offset_fetch_result fetch(const offset_fetch_request& req);
  asio::awaitable<offset_delete_result> delete_offsets(std::shared_ptr<impl> self, std::string group_id,
                                                       std::vector<topic_partition> partitions);
  std::vector<described_group> describe(const std::vector<std::string>& ids);
  list_groups_result list(const std::vector<std::string>& states);
  asio::awaitable<std::vector<std::pair<std::string, error_code>>> delete_groups(std::shared_ptr<impl> self,
                                                                                 std::vector<std::string> ids);
  asio::awaitable<void> expire_offsets(std::shared_ptr<impl> self);
  asio::awaitable<void> remove_partitions(std::shared_ptr<impl> self, std::vector<topic_partition> partitions);
  void schedule_retention();
  using record_list = std::vector<std::pair<bytes, std::optional<bytes>>>;
  // Appends one batch of (key, value) records to offsets partition `partition` and maps the
  // outcome to the coordinator's error codes (Kafka's GroupMetadataManager mapping).
  // With a producer id: one transactional batch of that producer (TxnOffsetCommit).
  asio::awaitable<error_code> append(int32_t partition, record_list records, int64_t producer_id = -1,
                                     int16_t producer_epoch = -1);
  // What an offset commit (OffsetCommit, TxnOffsetCommit) writes for `partitions`: a record per
  // partition whose metadata fits offset.metadata.max.bytes (the others are answered
  // OFFSET_METADATA_TOO_LARGE in `result`), committed at the partition's commit timestamp or now
  // when it has none (-1), expiring `retention_ms` later when that is >= 0.
  struct offset_records {
    record_list records;
    std::vector<std::pair<size_t, committed_offset>> accepted;  // index in `partitions`, offset written
  };
  offset_records commit_records(const std::string& group_id, const std::vector<offset_commit_partition>& partitions,
                                int64_t retention_ms, offset_commit_result& result) const;
  // Appends an offset commit's records for the group of `slot`, counted in its pending_writes
  // meanwhile (see append() for the producer). `slot` is read before the append only; a group gone
  // by its end (unloaded or deleted) makes the outcome NOT_COORDINATOR.
  asio::awaitable<error_code> append_offsets(group_slot& slot, record_list records, int64_t producer_id = -1,
                                             int16_t producer_epoch = -1);
  // Writes the group's metadata (GroupMetadataValue v3) with `assignments` for the members.
  asio::awaitable<error_code> store_group(const group& g, const std::map<std::string, bytes>& assignments);

  std::string new_member_id(const std::string& prefix) const;
  int64_t now_ms() const { return _clock.now_ms(); }
  int64_t mono_ms() const { return _clock.monotonic_ms(); }

  asio::io_context& _io;
  strand_type _strand;
  replication::replica_manager& _replicas;
  const metadata::metadata_cache& _metadata;
  const config::broker_config& _config;
  clock& _clock;

  bool _stopped = false;
  std::map<int32_t, shard> _shards;
  std::unordered_map<std::string, std::unique_ptr<group_slot>> _groups;
  std::unique_ptr<asio::steady_timer> _retention_timer;
};

} // namespace gregor::group
