#pragma once
// What kafka-consumer-groups prints, as Kafka 3.x's ConsumerGroupCommand lays it out (described
// in src/tools/README.md): the --describe tables (offsets, --members [--verbose], --state), the
// --list [--state] table, the reset plan (table or CSV), the --delete-offsets status table, and
// the per-group notices ("has no active members", "is rebalancing", "does not exist"). Columns
// are left-aligned and padded to Kafka's minimum widths or to the longest value, whichever is
// wider; "-" stands for an unknown value. Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "consumer_groups_reset.h"
#include "gregor/client/consumer_protocol.h"
#include "gregor/client/group_types.h"
#include "gregor/common/topic_partition.h"

namespace gregor::tools {

// One row of the default (--offsets) view.
struct offset_row {
  std::string group;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<int64_t> current_offset;
  std::optional<int64_t> log_end_offset;
  std::optional<int64_t> lag;
  std::optional<std::string> consumer_id;
  std::optional<std::string> host;
  std::optional<std::string> client_id;
};

// Kafka's lag: log end - committed, when both are known and something was committed.
std::optional<int64_t> lag_of(std::optional<int64_t> committed, std::optional<int64_t> log_end);

// "\n<header>\n<rows>\n...": GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID
// HOST CLIENT-ID.
std::string format_offsets_table(const std::vector<offset_row>& rows);

struct member_row {
  std::string group;
  std::string consumer_id;
  std::string group_instance_id;  // "" for dynamic members
  std::string host;
  std::string client_id;
  int32_t partitions = 0;
  client::partition_map assignment;  // for --verbose
};
// GROUP CONSUMER-ID [GROUP-INSTANCE-ID] HOST CLIENT-ID #PARTITIONS [ASSIGNMENT]; the instance-id
// column only when some member has one. Every line but the leading blank one ends with a space
// after #PARTITIONS when not verbose (Kafka's format string does).
std::string format_members_table(const std::vector<member_row>& rows, bool verbose);

struct state_row {
  std::string group;
  std::string coordinator;  // "host:port (id)"
  std::string assignment_strategy;
  std::string state;
  int32_t members = 0;
};
// GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS.
std::string format_state_table(const state_row& row);

// --list: ids one per line; with --type/--state a GROUP [TYPE] [STATE] table.
std::string format_group_list(const std::vector<client::group_listing>& groups, bool with_type, bool with_state);

// The reset plan: "\nGROUP TOPIC PARTITION NEW-OFFSET" and one row per partition (nothing at all
// when the plan names no group; the header alone for groups that could not be reset).
std::string format_reset_table(const reset_plan& plan);
// --export: "topic,partition,offset" lines for one group, "group,topic,partition,offset" for
// several, followed by an empty line (Kafka println()s the CSV, which ends with a newline).
std::string format_reset_csv(const reset_plan& plan, bool single_group);

// --delete-offsets: "\nTOPIC PARTITION STATUS" then one row per partition ("Not Provided" for a
// topic that could not be described), "Successful" or "Error: <message>".
std::string format_delete_offsets_table(const std::map<topic_partition, std::optional<std::string>>& results);

// Before a group's table Kafka says why it may be missing or incomplete. `rows` nullopt: the
// group could not be described. `err` goes to stderr, `out` to stdout; `print` tells whether the
// table follows.
struct group_notice {
  std::string out;
  std::string err;
  bool print = false;
};
group_notice notice_for_group(const std::string& group, const std::string& state, std::optional<size_t> rows);

// "\nError: <message>\n" (Kafka's printError goes to stdout).
std::string error_line(const std::string& message);

// How the Java client names a broker error: "org.apache.kafka.common.errors.GroupNotEmptyException:
// The group is not empty." (the message alone with `message_only`).
std::string java_exception(const std::error_code& ec, bool message_only = false);

// "topic(0,1), other(2)": topics sorted, partitions sorted; "-" when empty.
std::string assignment_text(const client::partition_map& assignment);

} // namespace gregor::tools
