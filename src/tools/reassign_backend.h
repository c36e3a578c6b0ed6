#pragma once
// The back-end-independent half of kafka-reassign-partitions: reading the plan, --generate's
// proposal, and setting/clearing the replication throttles. The two back ends (--bootstrap-server
// in reassign_bootstrap.cc, --zookeeper in reassign_zk.cc) supply their reads and config writes
// through reassign_backend, and print and fail through reassign_outcome. Single-threaded, as the
// tool is; a back end is borrowed for the duration of each call.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/metadata/replica_assignment.h"
#include "reassign_command.h"
#include "reassign_json.h"
#include "reassign_throttle.h"

namespace gregor::tools {

using assignment_map = std::map<topic_partition, std::vector<int32_t>>;

// A failure that ends the command: its text, printed after "Error: " unless `terse`.
struct reassign_failure {
  std::string message;
  bool terse = false;
};
// nullopt: the step succeeded.
using reassign_outcome = std::optional<reassign_failure>;

// Prints `f` as Kafka's tool does and returns the exit code (0 when there is no failure).
int reassign_exit(std::ostream& out, const reassign_outcome& f);

// Dynamic config changes of one broker or topic: key -> value to set, or nullopt to remove.
struct entity_config_change {
  bool broker = false;  // else a topic
  std::string name;
  std::vector<std::pair<std::string, std::optional<std::string>>> keys;
};

// What a back end reads and writes.
class reassign_backend {
public:
  virtual ~reassign_backend() = default;
  // --generate's inputs: the replicas of every partition of `topics` (a back end may skip or
  // refuse a missing topic) and the registered brokers, with their racks.
  virtual reassign_outcome generate_inputs(const std::vector<std::string>& topics, assignment_map& current,
                                           std::vector<metadata::broker_rack>& brokers) = 0;
  // The ids of the brokers registered now.
  virtual reassign_outcome live_brokers(std::set<int32_t>& out) = 0;
  // Applies `changes` (all of one kind: brokers or topics), in one request where the back end can.
  virtual reassign_outcome alter_configs(const std::vector<entity_config_change>& changes) = 0;
};

// Reads and parses the reassignment JSON file of --execute / --verify / --cancel. Refuses what
// Kafka's --execute refuses when `for_execute` (execute_plan_error), then any log-directory move
// with `log_dirs_refusal` (the back end's message).
reassign_outcome read_reassignment_plan(const std::string& path, bool for_execute, const char* log_dirs_refusal,
                                        reassignment_plan& plan);

// --generate: reads --broker-list and --topics-to-move-json-file, proposes a placement over the
// listed registered brokers (rack-aware unless --disable-rack-aware) and prints it.
reassign_outcome generate_reassignment(const reassign_options& o, reassign_backend& backend, std::ostream& out);

// --throttle: the leader/follower throttled replicas on every moving topic, then `rate` (B/s) on
// every broker involved.
reassign_outcome set_reassignment_throttles(const move_map& moves, int64_t rate, reassign_backend& backend);

// --verify / --cancel without --preserve-throttles: every throttle the tool may have set goes, on
// every live broker and every broker of the plan, and on every topic of the plan.
reassign_outcome clear_reassignment_throttles(const reassignment_plan& plan, reassign_backend& backend,
                                              std::ostream& out);

} // namespace gregor::tools
