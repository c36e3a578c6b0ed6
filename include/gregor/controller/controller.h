#pragma once
// controller: the ZooKeeper-mode cluster controller (Kafka's KafkaController). Every broker runs
// one; the one that wins the /controller election is active. The active controller reads the
// cluster state from ZooKeeper, reacts to watches (brokers joining or leaving, topics created,
// changed or marked for deletion), elects partition leaders, writes their state (fenced by the
// controller epoch), and tells brokers through LeaderAndIsr, UpdateMetadata and StopReplica
// requests — itself included, over the network, as Kafka does.
//
// Threading: all controller state lives on one strand and events are processed one at a time in
// arrival order (Kafka's ControllerEventManager). Public methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "gregor/common/topic_partition.h"
#include "gregor/protocol/error_code.h"

namespace gregor::zk {
class kafka_zk;
}

namespace gregor::controller {

struct controller_options {
  int32_t broker_id = 0;
  std::string inter_broker_listener = "PLAINTEXT";  // endpoint used to reach brokers
  bool delete_topic_enable = true;
  bool unclean_leader_election = false;
  std::chrono::milliseconds request_timeout{30000};  // controller.socket.timeout.ms
  bool auto_leader_rebalance_enable = true;           // auto.leader.rebalance.enable
  int32_t leader_imbalance_per_broker_percentage = 10;
  std::chrono::milliseconds leader_imbalance_check_interval{300000};  // leader.imbalance.check.interval.seconds
};

// ---- requests the active controller answers (any other broker: not_controller) ----

// ControlledShutdown (API 7): the partitions the broker still leads (empty when it may stop).
struct controlled_shutdown_reply {
  protocol::error_code error = protocol::error_code::none;
  std::vector<topic_partition> remaining;
};

enum class election_type : int8_t { preferred = 0, unclean = 1 };

struct election_outcome {
  protocol::error_code error = protocol::error_code::none;
  std::optional<std::string> message;
};

// ElectLeaders (API 43). `error` is set for the whole request (not_controller); otherwise one entry
// per partition asked for (every partition when none were named): none, election_not_needed,
// preferred_leader_not_available, eligible_leaders_not_available, unknown_topic_or_partition, ...
struct elect_leaders_reply {
  protocol::error_code error = protocol::error_code::none;
  std::map<topic_partition, election_outcome> partitions;
};

// AlterPartitionReassignments (API 45). A target of nullopt cancels that partition's reassignment.
struct alter_reassignments_reply {
  protocol::error_code error = protocol::error_code::none;
  std::optional<std::string> message;
  std::map<topic_partition, election_outcome> partitions;  // none, unknown_topic_or_partition,
                                                           // invalid_replica_assignment, no_reassignment_in_progress
};

struct ongoing_reassignment {
  std::vector<int32_t> replicas;  // the full replica set right now (target + original)
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
};

// ListPartitionReassignments (API 46): the reassignments in progress among `partitions` (all when
// nullopt).
struct list_reassignments_reply {
  protocol::error_code error = protocol::error_code::none;
  std::map<topic_partition, ongoing_reassignment> partitions;
};

class controller {
public:
  controller(boost::asio::io_context& io, zk::kafka_zk& zk, controller_options options);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  // Watches /controller and runs for election. Call after this broker registered itself.
  void start();
  // The ZooKeeper session expired: resign at once (ephemerals and watches are gone).
  void on_session_expired();
  // A new session is up and the broker re-registered: run for election again.
  void on_session_reestablished();
  // Resigns if active and stops every channel. Safe to call more than once.
  boost::asio::awaitable<void> shutdown();

  bool is_active() const;
  int32_t epoch() const;

  // The request APIs below run as events on the controller's queue, in order with the ZooKeeper
  // events, and complete once the controller has decided (and written ZooKeeper); they do not wait
  // for brokers to apply the result. They may be awaited from any executor.
  boost::asio::awaitable<controlled_shutdown_reply> controlled_shutdown(int32_t broker_id, int64_t broker_epoch);
  boost::asio::awaitable<elect_leaders_reply> elect_leaders(election_type type,
                                                            std::optional<std::vector<topic_partition>> partitions);
  boost::asio::awaitable<alter_reassignments_reply> alter_partition_reassignments(
      std::map<topic_partition, std::optional<std::vector<int32_t>>> targets);
  boost::asio::awaitable<list_reassignments_reply> list_partition_reassignments(
      std::optional<std::vector<topic_partition>> partitions);

  struct impl;

private:
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::controller
