#pragma once
// The controller's events (Kafka's ControllerEvent subclasses). Each is processed alone, in
// arrival order, on the controller's strand (controller.cc drains the queue).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/controller/controller.h"
#include "gregor/protocol/error_code.h"
#include "reply.h"

namespace gregor::controller {

// ---- election and resignation ----
struct ev_elect {};               // run for controller (startup, /controller deleted, new session)
struct ev_controller_changed {};  // /controller created, changed or deleted
struct ev_resign {};              // the ZooKeeper session expired

// ---- ZooKeeper watches (only acted on by the active controller) ----
struct ev_broker_change {};  // /brokers/ids children
struct ev_broker_modification {  // /brokers/ids/<id> data
  int32_t broker = -1;
};
struct ev_topic_change {};  // /brokers/topics children
struct ev_partition_modification {  // /brokers/topics/<t> data
  std::string topic;
};
struct ev_topic_deletion {};            // /admin/delete_topics children
struct ev_isr_change_notification {};   // /isr_change_notification children
struct ev_zk_reassignment {};           // /admin/reassign_partitions created/changed
struct ev_zk_preferred_election {};     // /admin/preferred_replica_election created/changed
struct ev_auto_rebalance {};            // leader imbalance check timer

// ---- broker responses ----
struct ev_stop_replica_response {  // answer to a StopReplica carrying delete=true entries
  int32_t broker = -1;
  std::map<topic_partition, protocol::error_code> errors;  // per partition asked to delete
};

// ---- request APIs ----
struct ev_controlled_shutdown {
  int32_t broker = -1;
  int64_t broker_epoch = -1;
  std::shared_ptr<reply_promise<controlled_shutdown_reply>> reply;
};
struct ev_elect_leaders {
  election_type type = election_type::preferred;
  std::optional<std::vector<topic_partition>> partitions;
  std::shared_ptr<reply_promise<elect_leaders_reply>> reply;
};
struct ev_alter_reassignments {
  std::map<topic_partition, std::optional<std::vector<int32_t>>> targets;
  std::shared_ptr<reply_promise<alter_reassignments_reply>> reply;
};
struct ev_list_reassignments {
  std::optional<std::vector<topic_partition>> partitions;
  std::shared_ptr<reply_promise<list_reassignments_reply>> reply;
};

using event = std::variant<ev_elect, ev_controller_changed, ev_resign, ev_broker_change, ev_broker_modification,
                           ev_topic_change, ev_partition_modification, ev_topic_deletion, ev_isr_change_notification,
                           ev_zk_reassignment, ev_zk_preferred_election, ev_auto_rebalance, ev_stop_replica_response,
                           ev_controlled_shutdown, ev_elect_leaders, ev_alter_reassignments, ev_list_reassignments>;

// A queued event. Watch events carry the controller generation that armed them: a watch armed by
// an earlier term of office (or before a resignation) is dropped instead of processed, so each
// term keeps exactly one watch per znode.
struct queued_event {
  event e;
  uint64_t generation = 0;  // 0: not tied to a term
};

} // namespace gregor::controller
