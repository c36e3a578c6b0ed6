#include "reassign_format.h"

#include <algorithm>

#include "cli_util.h"
#include "reassign_json.h"

namespace gregor::tools {

const char* const existing_reassignment_message =
  "Cannot execute because there is an existing partition assignment.  Use --additional to override this and "
  "create a new partition assignment in addition to the existing one. The --additional flag can also be used to "
  "change the throttle by resubmitting the current reassignment.";

const char* const verify_periodically_message =
  "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is "
  "removed.";

namespace {

std::string plural(size_t n) { return n == 1 ? "" : "s"; }

std::string errors_text(std::string header, const std::map<topic_partition, std::string>& errors) {
  for (const auto& [tp, message] : errors) header += "\n" + tp.to_string() + ": " + message;
  return header;
}

} // namespace

std::string partition_states_text(const std::map<topic_partition, partition_reassignment_state>& states) {
  std::string out = "Status of partition reassignment:";
  for (const auto& [tp, s] : states) {  // std::map: sorted by topic, then partition
    out += "\n";
    if (!s.done) {
      out += "Reassignment of partition " + tp.to_string() + " is still in progress.";
    } else if (s.current == s.target) {
      out += "Reassignment of partition " + tp.to_string() + " is complete.";
    } else {
      out += "There is no active reassignment of partition " + tp.to_string() + ", but replica set is " +
             join_ids(s.current) + " rather than " + join_ids(s.target) + ".";
    }
  }
  return out;
}

std::string current_reassignments_text(const std::map<topic_partition, client::ongoing_reassignment>& reassignments) {
  if (reassignments.empty()) return "No partition reassignments found.";
  std::string out = "Current partition reassignments:";
  for (const auto& [tp, r] : reassignments) {
    out += "\n" + tp.to_string() + ": replicas: " + join_ids(r.replicas) + ".";
    if (!r.adding.empty()) out += " adding: " + join_ids(r.adding) + ".";
    if (!r.removing.empty()) out += " removing: " + join_ids(r.removing) + ".";
  }
  return out;
}

std::string rollback_text(const std::map<topic_partition, std::vector<int32_t>>& current) {
  return "Current partition replica assignment\n\n" + format_reassignment_json(current) +
         "\n\nSave this to use as the --reassignment-json-file option during rollback";
}

std::string generate_text(const std::map<topic_partition, std::vector<int32_t>>& current,
                          const std::map<topic_partition, std::vector<int32_t>>& proposed) {
  return "Current partition replica assignment\n" + format_reassignment_json(current) +
         "\n\nProposed partition reassignment configuration\n" + format_reassignment_json(proposed);
}

std::string partition_list(const std::vector<topic_partition>& partitions) {
  std::vector<topic_partition> sorted = partitions;
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (size_t i = 0; i < sorted.size(); ++i) out += (i > 0 ? "," : "") + sorted[i].to_string();
  return out;
}

std::string started_text(const std::vector<topic_partition>& partitions) {
  return "Successfully started partition reassignment" + plural(partitions.size()) + " for " + partition_list(partitions);
}

std::string cancelled_text(const std::vector<topic_partition>& partitions) {
  return "Successfully cancelled partition reassignment" + plural(partitions.size()) + " for: " +
         partition_list(partitions);
}

std::string reassign_errors_text(const std::map<topic_partition, std::string>& errors) {
  return errors_text("Error reassigning partition(s):", errors);
}

std::string cancel_errors_text(const std::map<topic_partition, std::string>& errors) {
  return errors_text("Error cancelling partition reassignment" + plural(errors.size()) + " for:", errors);
}

std::string clearing_broker_throttles_text(const std::vector<int32_t>& brokers) {
  std::vector<int32_t> sorted = brokers;
  std::sort(sorted.begin(), sorted.end());
  return "Clearing broker-level throttles on broker" + plural(sorted.size()) + " " + join_ids(sorted);
}

std::string clearing_topic_throttles_text(const std::vector<std::string>& topics) {
  std::vector<std::string> sorted = topics;
  std::sort(sorted.begin(), sorted.end());
  std::string out = "Clearing topic-level throttles on topic" + plural(sorted.size()) + " ";
  for (size_t i = 0; i < sorted.size(); ++i) out += (i > 0 ? "," : "") + sorted[i];
  return out;
}

} // namespace gregor::tools
