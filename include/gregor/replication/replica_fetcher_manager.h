#pragma once
// replica_fetcher_manager: the follower side of replication (Kafka's ReplicaFetcherManager and
// ReplicaFetcherThread). For every (leader broker, fetcher id) pair with partitions to follow it
// runs one fetcher: a coroutine on its own strand with one connection to the leader's
// inter-broker listener, sending Fetch (v12: topic names, current_leader_epoch,
// last_fetched_epoch) with replica_id = this broker, long-polling replica.fetch.wait.max.ms /
// replica.fetch.min.bytes, and handing each partition's answer to the partition's strand:
//   - data: partition::append_from_leader (whole batches; a partial last batch is cut);
//   - diverging_epoch: partition::truncate_on_divergence, then fetch again from the new LEO;
//   - OFFSET_OUT_OF_RANGE: ListOffsets (earliest, latest) to the leader, then
//     partition::handle_out_of_range;
//   - NOT_LEADER_OR_FOLLOWER, FENCED/UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_OR_PARTITION: the partition
//     is delayed by replica.fetch.backoff.ms (the controller's next LeaderAndIsr will move it);
//   - connection failure or timeout (replica.socket.timeout.ms): reconnect after the backoff.
// A partition goes to fetcher `hash(topic, partition) % num.replica.fetchers` of its leader, as in
// Kafka. Fetch positions come from partition::position_for_fetch() before every request, so a
// LeaderAndIsr that changed the partition meanwhile makes the stale answer be dropped.
//
// Threading: public methods are thread-safe; the fetchers run on strands of the io_context.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "gregor/common/topic_partition.h"

namespace gregor::replication {

class partition;

struct broker_endpoint {
  int32_t id = -1;
  std::string host;
  uint16_t port = 0;
  friend bool operator==(const broker_endpoint&, const broker_endpoint&) = default;
};

struct replica_fetcher_options {
  int32_t num_fetchers = 1;                                   // num.replica.fetchers
  int32_t fetch_max_bytes = 1048576;                          // replica.fetch.max.bytes (per partition)
  int32_t fetch_response_max_bytes = 10485760;                // replica.fetch.response.max.bytes
  int32_t fetch_wait_max_ms = 500;                            // replica.fetch.wait.max.ms
  int32_t fetch_min_bytes = 1;                                // replica.fetch.min.bytes
  std::chrono::milliseconds backoff{1000};                    // replica.fetch.backoff.ms
  std::chrono::milliseconds socket_timeout{30000};            // replica.socket.timeout.ms
  std::string client_id = "replica-fetcher";
};

class replica_fetcher_manager {
public:
  // `lookup` finds a hosted partition (nullptr when gone); called from fetcher strands.
  using partition_lookup = std::function<std::shared_ptr<partition>(const topic_partition&)>;

  replica_fetcher_manager(boost::asio::io_context& io, int32_t broker_id, replica_fetcher_options options,
                          partition_lookup lookup);
  ~replica_fetcher_manager();
  replica_fetcher_manager(const replica_fetcher_manager&) = delete;
  replica_fetcher_manager& operator=(const replica_fetcher_manager&) = delete;

  // Follow `tps` from `leader` (Kafka's addFetcherForPartitions): each partition leaves any fetcher
  // it was in and joins the leader's fetcher for it, created (and connected) on demand.
  void add_partitions(const broker_endpoint& leader, const std::vector<topic_partition>& tps);
  // Stops fetching `tps` (become leader, StopReplica, deletion). An in-flight answer for them is
  // dropped. Fetchers left without partitions stop and close their connection.
  void remove_partitions(const std::vector<topic_partition>& tps);
  // Partitions currently assigned to some fetcher (for tests and metrics).
  size_t partition_count() const;

  // Stops every fetcher and waits for them to finish (before the partitions stop).
  boost::asio::awaitable<void> shutdown();

private:
  struct impl;
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::replication
