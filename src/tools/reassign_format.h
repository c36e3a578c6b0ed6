#pragma once
// kafka-reassign-partitions' output texts, as Kafka 3.x's ReassignPartitionsCommand prints them
// (lines joined with '\n'; the caller adds the final newline, as Kafka's println does).
// Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gregor/client/types.h"
#include "gregor/common/topic_partition.h"

namespace gregor::tools {

// Where one partition of a plan stands: its replicas now, the plan's target, and whether no
// reassignment of it is in progress any more.
struct partition_reassignment_state {
  std::vector<int32_t> current;
  std::vector<int32_t> target;
  bool done = false;
};

// "Status of partition reassignment:" then, sorted by topic and partition, "Reassignment of
// partition t-0 is complete.", "Reassignment of partition t-0 is still in progress." or "There is
// no active reassignment of partition t-0, but replica set is 1,2 rather than 2,3."
std::string partition_states_text(const std::map<topic_partition, partition_reassignment_state>& states);

// --list: "Current partition reassignments:" and "t-0: replicas: 1,2,3. adding: 3. removing: 1."
// lines, or "No partition reassignments found."
std::string current_reassignments_text(const std::map<topic_partition, client::ongoing_reassignment>& reassignments);

// --execute's rollback hint: "Current partition replica assignment", a blank line, the JSON of the
// current replicas of the planned partitions, a blank line, "Save this to use as the
// --reassignment-json-file option during rollback".
std::string rollback_text(const std::map<topic_partition, std::vector<int32_t>>& current);

// --generate: "Current partition replica assignment", the JSON, a blank line, "Proposed partition
// reassignment configuration", the JSON.
std::string generate_text(const std::map<topic_partition, std::vector<int32_t>>& current,
                          const std::map<topic_partition, std::vector<int32_t>>& proposed);

// "t-0,t-1" (sorted) — the lists of the "Successfully started/cancelled" lines.
std::string partition_list(const std::vector<topic_partition>& partitions);
// "Successfully started partition reassignment(s) for t-0,t-1" (singular for one partition).
std::string started_text(const std::vector<topic_partition>& partitions);
// "Successfully cancelled partition reassignment(s) for: t-0,t-1".
std::string cancelled_text(const std::vector<topic_partition>& partitions);
// "Error reassigning partition(s):" / "Error cancelling partition reassignment(s) for:" then one
// "t-0: <message>" line per failure, sorted.
std::string reassign_errors_text(const std::map<topic_partition, std::string>& errors);
std::string cancel_errors_text(const std::map<topic_partition, std::string>& errors);

// "Clearing broker-level throttles on broker(s) 1,2,3" / "Clearing topic-level throttles on
// topic(s) a,b" (sorted).
std::string clearing_broker_throttles_text(const std::vector<int32_t>& brokers);
std::string clearing_topic_throttles_text(const std::vector<std::string>& topics);

extern const char* const existing_reassignment_message;  // --execute while another one runs
extern const char* const verify_periodically_message;    // --execute with a throttle

} // namespace gregor::tools
