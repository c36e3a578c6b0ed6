#pragma once
// gregor::client::client — a small asynchronous Kafka client over our generated codecs.
//
// It bootstraps from a broker list, negotiates API versions per connection, keeps a metadata cache
// (brokers, controller, leaders) and routes each request: admin requests to the controller,
// Produce/ListOffsets/Fetch to each partition's leader. Retriable failures (NOT_CONTROLLER,
// NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, lost connections, ...) refresh the metadata and
// are retried with a short backoff until the operation's deadline.
//
// Threading: not thread-safe. Use it from coroutines on the executor given to the constructor,
// one operation at a time (operations share the connection slots and the metadata cache).
// sync_client wraps it for blocking callers.
//
// Lifetime: the executor must outlive the client. Destroying or close()-ing the client closes
// every connection; an operation in flight then fails with a connection error.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "gregor/client/bootstrap.h"
#include "gregor/client/cluster_metadata.h"
#include "gregor/client/group_types.h"
#include "gregor/client/types.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"

namespace gregor::client {

namespace asio = boost::asio;

class node_connection;

struct client_options {
  std::vector<broker_address> bootstrap_servers;
  std::string client_id = "gregor-client";
  std::chrono::milliseconds connect_timeout{10'000};
  // Bound on each round trip beyond the request's own timeout field.
  std::chrono::milliseconds request_timeout{30'000};
  std::chrono::milliseconds retry_backoff{100};
};

// DescribeConfigs outcome for one topic.
struct topic_configs {
  std::string topic;
  std::error_code error;  // kafka category
  std::string message;
  std::vector<config_entry> entries;  // in the broker's order
};

// A topic as kafka-topics --describe shows it.
struct topic_description {
  topic_info topic;                   // partitions, leaders, replicas, ISR (Metadata)
  std::vector<config_entry> configs;  // the entries that are not defaults (DescribeConfigs), in broker order
};

class client {
public:
  client(asio::any_io_executor ex, client_options options);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  const client_options& options() const { return _options; }
  const asio::any_io_executor& executor() const { return _executor; }

  // Connects to the first bootstrap broker that answers and loads the cluster's metadata (all
  // topics). Other operations call it implicitly when nothing is connected yet.
  // Errors: no_broker_reachable (with the last connect error logged at debug level).
  asio::awaitable<result<void>> bootstrap();

  // Metadata for `topics` (nullopt: every topic), merged into the cache and returned.
  asio::awaitable<result<cluster_metadata>> refresh_metadata(std::optional<std::vector<std::string>> topics,
                                                            bool allow_auto_topic_creation = false);
  // The cache as of the last refresh.
  const cluster_metadata& metadata() const { return _metadata; }

  // CreateTopics / DeleteTopics / CreatePartitions at the controller. `timeout` is the request's
  // timeout_ms (the broker waits up to it for the change to take effect) and bounds the retries.
  // Per-topic outcomes come back in the result; the outer error is for failures of the whole call.
  asio::awaitable<result<std::vector<topic_result>>> create_topics(std::vector<new_topic> topics,
                                                                   std::chrono::milliseconds timeout,
                                                                   bool validate_only = false);
  asio::awaitable<result<std::vector<topic_result>>> delete_topics(std::vector<std::string> topics,
                                                                   std::chrono::milliseconds timeout);
  asio::awaitable<result<std::vector<topic_result>>> create_partitions(std::vector<new_partitions> topics,
                                                                       std::chrono::milliseconds timeout);

  // Names of every topic, sorted; internal topics only when `include_internal`.
  asio::awaitable<result<std::vector<std::string>>> list_topics(bool include_internal = true);

  // Metadata plus (when `with_configs`) DescribeConfigs of the named topics, in the given order.
  // A topic that does not exist fails the call with UNKNOWN_TOPIC_OR_PARTITION (kafka category);
  // so does a topic whose configs cannot be described (that topic's error).
  asio::awaitable<result<std::vector<topic_description>>> describe_topics(std::vector<std::string> topics,
                                                                          bool with_configs = true);

  // DescribeConfigs for topics (sent to any broker).
  asio::awaitable<result<std::vector<topic_configs>>> describe_topic_configs(std::vector<std::string> topics);

  // Sends each batch to its partition's leader (one batch per partition per request; batches of
  // the same partition go in the given order). acks 0, 1 or -1. Retriable errors are retried until
  // `timeout` (the delivery deadline); each request asks the broker to wait at most
  // min(timeout, request_timeout) for its acks. Each batch's outcome is returned (same order as
  // given).
  asio::awaitable<result<std::vector<produce_result>>> produce(std::vector<produce_batch> batches, int16_t acks,
                                                               std::chrono::milliseconds timeout);

  // ListOffsets for the partitions of one topic at `timestamp` (latest_timestamp,
  // earliest_timestamp, or a time in ms). Retries until request_timeout. Returns partition ->
  // offset; fails with the first non-retriable partition error.
  asio::awaitable<result<std::map<int32_t, int64_t>>> list_offsets(std::string topic, std::vector<int32_t> partitions,
                                                                   int64_t timestamp,
                                                                   isolation_level isolation = isolation_level::read_uncommitted);

  // One Fetch round: the partitions of `topic` from the given offsets, one request per leader.
  // Not retried: per-partition errors (including an unreachable leader) are returned so that the
  // caller can refresh metadata and try again.
  asio::awaitable<result<std::vector<fetched_partition>>> fetch(std::string topic, std::map<int32_t, int64_t> offsets,
                                                                fetch_options options);

  // ---- consumer groups (client_group.cc) ----
  //
  // Group requests go to the group's coordinator over connections of their own (a JoinGroup may
  // wait for a whole rebalance). NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE and lost connections
  // make the client look the coordinator up again.

  // FindCoordinator (key type 0) for each key, batched from v4, sent to any broker. No retries:
  // each answer carries its own error.
  asio::awaitable<result<std::vector<found_coordinator>>> find_coordinators(std::vector<std::string> group_ids);
  // The coordinator of `group_id`, cached until a request to it fails. Retries retriable errors
  // (COORDINATOR_NOT_AVAILABLE while __consumer_offsets is created, lost connections) until
  // request_timeout.
  asio::awaitable<result<broker_info>> find_coordinator(std::string group_id);

  // The membership protocol: one round trip each to the coordinator, no retries. Broker errors
  // come back in the outcome (the caller decides: rejoin, reset the member id, ...); connection
  // failures as the result's error. JoinGroup and SyncGroup may wait up to the rebalance timeout.
  asio::awaitable<result<join_group_outcome>> join_group(join_group_params params);
  asio::awaitable<result<sync_group_outcome>> sync_group(sync_group_params params, std::chrono::milliseconds wait);
  // The heartbeat's error code (empty = success).
  asio::awaitable<result<std::error_code>> heartbeat(heartbeat_params params);
  asio::awaitable<result<leave_group_outcome>> leave_group(std::string group_id, std::vector<leaving_member> members);

  // OffsetCommit; per-partition errors in the map. Coordinator errors are retried until
  // request_timeout.
  asio::awaitable<result<std::map<topic_partition, std::error_code>>> commit_offsets(offset_commit_params params);
  // OffsetFetch of `partitions` (nullopt: every partition the group committed). Partitions without
  // a committed offset have offset -1. Coordinator errors are retried until request_timeout.
  asio::awaitable<result<std::map<topic_partition, committed_offset>>> fetch_offsets(
    std::string group_id, std::optional<std::vector<topic_partition>> partitions);

  // ListGroups at every broker of the cluster, merged (sorted by group id). `states` filters by
  // state (needs ListGroups v4). COORDINATOR_LOAD_IN_PROGRESS and lost connections are retried
  // until request_timeout.
  asio::awaitable<result<std::vector<group_listing>>> list_groups(std::vector<std::string> states = {});
  // DescribeGroups at each group's coordinator; one description per id, in the given order (an
  // unknown group is described as "Dead" by the broker).
  asio::awaitable<result<std::vector<group_description>>> describe_groups(std::vector<std::string> group_ids);
  // DeleteGroups at each group's coordinator: (group, error) in the given order.
  asio::awaitable<result<std::vector<std::pair<std::string, std::error_code>>>> delete_groups(
    std::vector<std::string> group_ids);
  // OffsetDelete of the group's committed offsets for `partitions`.
  asio::awaitable<result<offset_delete_outcome>> delete_offsets(std::string group_id,
                                                                std::vector<topic_partition> partitions);

  // IncrementalAlterConfigs: topic resources (and the cluster default, broker name "") in one
  // request to any broker, each broker id's resources to that broker, as Kafka's admin client
  // routes them. One result per resource, in the given order; a broker that cannot be reached
  // gets its connection error as its resources' error.
  asio::awaitable<result<std::vector<config_resource_result>>> incremental_alter_configs(
    std::vector<config_resource_change> resources, bool validate_only = false);

  // ---- requests the controller answers (client_controller.cc) ----
  //
  // Each goes to the controller named by the last Metadata. NOT_CONTROLLER (the controller moved),
  // no known controller and lost connections refresh the metadata and retry after retry_backoff
  // until `timeout` has passed; `timeout` is also the request's timeout_ms. The whole call's
  // error is the response's top-level error (kafka category) or the client's last failure;
  // per-partition outcomes come back in the value.

  // ElectLeaders for `partitions` (nullopt: every partition). An unclean election needs
  // ElectLeaders v1 (unsupported_version otherwise).
  asio::awaitable<result<std::map<topic_partition, partition_outcome>>> elect_leaders(
    election_type type, std::optional<std::vector<topic_partition>> partitions, std::chrono::milliseconds timeout);
  // AlterPartitionReassignments: a target replica list starts (or replaces) a reassignment;
  // nullopt cancels the partition's reassignment.
  asio::awaitable<result<std::map<topic_partition, partition_outcome>>> alter_partition_reassignments(
    std::map<topic_partition, std::optional<std::vector<int32_t>>> targets, std::chrono::milliseconds timeout);
  // ListPartitionReassignments of `partitions` (nullopt: all); only partitions being reassigned
  // appear in the result.
  asio::awaitable<result<std::map<topic_partition, ongoing_reassignment>>> list_partition_reassignments(
    std::optional<std::vector<topic_partition>> partitions, std::chrono::milliseconds timeout);

  // Closes every connection. Idempotent.
  void close();

  // Work of one admin call (only the member matching `kind` is used).
  enum class admin_kind { create_topics, delete_topics, create_partitions };
  struct admin_work {
    admin_kind kind = admin_kind::create_topics;
    std::vector<new_topic> create;
    std::vector<std::string> remove;
    std::vector<new_partitions> grow;
    bool validate_only = false;
  };

private:
  using node_ptr = std::shared_ptr<node_connection>;
  asio::awaitable<result<node_ptr>> connection_to(int32_t node_id);
  asio::awaitable<result<node_ptr>> any_connection();
  asio::awaitable<void> sleep(std::chrono::milliseconds d);
  asio::awaitable<result<std::vector<topic_result>>> admin(admin_work work, std::chrono::milliseconds timeout);
  asio::awaitable<result<std::vector<topic_result>>> admin_attempt(node_ptr node, admin_work work,
                                                                   std::chrono::milliseconds timeout);
  asio::awaitable<std::vector<produce_result>> produce_to_leader(int32_t leader, std::vector<produce_batch> batches,
                                                                 int16_t acks, std::chrono::milliseconds timeout);
  // The (cached) connection to the coordinator of `group_id`.
  asio::awaitable<result<node_ptr>> coordinator_connection(std::string group_id);
  void forget_coordinator(const std::string& group_id);

  // The group-request helpers below are defined in client_group.cc and used only there. They take
  // their arguments by reference: callers co_await them at once, so the referents outlive them.
  template <class Resp>
  struct coordinator_reply {
    int16_t version = 0;  // the version the request was sent at
    Resp response;
  };
  // One round trip to the coordinator of `group_id`: its connection, the negotiated version of
  // Resp's API, `build(version)` (a request or a result<request>) and the call, bounded by `wait`.
  // A failed call forgets the coordinator. No retries.
  template <class Resp, class Build>
  asio::awaitable<result<coordinator_reply<Resp>>> coordinator_round_trip(const std::string& group_id,
                                                                          std::chrono::milliseconds wait,
                                                                          const Build& build);
  // coordinator_round_trip, then `read(version, response)`, a result<T>: a value ends the call,
  // an error is the attempt's failure. A failure that says the coordinator moved forgets it;
  // retriable ones are tried again after retry_backoff until request_timeout, others end the call.
  template <class Resp, class Build, class Read>
  auto coordinator_call(const std::string& group_id, const Build& build, const Read& read)
    -> asio::awaitable<std::invoke_result_t<const Read&, int16_t, const Resp&>>;
  // One controller request with the retries described above: `build(version)` returns a
  // result<request> (its error ends the call), `read(response)` a result<T>; NOT_CONTROLLER from
  // `read` is retried. Defined in client_controller.cc and used only there.
  template <class Resp, class Build, class Read>
  auto controller_call(std::chrono::milliseconds timeout, const Build& build, const Read& read)
    -> asio::awaitable<std::invoke_result_t<const Read&, const Resp&>>;
  asio::awaitable<std::vector<fetched_partition>> fetch_from_leader(int32_t leader, std::string topic,
                                                                    std::map<int32_t, int64_t> offsets,
                                                                    fetch_options options);

  asio::any_io_executor _executor;
  client_options _options;
  cluster_metadata _metadata;
  bool _bootstrapped = false;
  // Open connections by broker id; bootstrap connections use ids -1, -2, ... (before the
  // metadata names the brokers).
  std::map<int32_t, node_ptr> _nodes;
  std::map<std::string, broker_info> _coordinators;  // group id -> its coordinator
  std::map<int32_t, node_ptr> _coordinator_nodes;     // broker id -> connection for group requests
};

} // namespace gregor::client
