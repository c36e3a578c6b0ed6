#pragma once
// gregor-consumer-groups (kafka-consumer-groups.sh): list, describe and delete consumer groups,
// reset and delete their committed offsets, through a broker (--bootstrap-server) with the client
// library's group APIs, as Kafka's ConsumerGroupCommand does with its Admin client. Output and
// messages follow ConsumerGroupCommand (src/tools/README.md describes the layouts); tables are
// built in consumer_groups_format.cc, offset arithmetic in consumer_groups_reset.cc.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace gregor::tools {

enum class groups_action { list, describe, remove, reset_offsets, delete_offsets };
enum class describe_view { offsets, members, state };
enum class reset_scenario { to_offset, to_earliest, to_latest, shift_by, to_datetime, by_duration, to_current, from_file };

struct consumer_groups_options {
  groups_action action = groups_action::list;
  std::string bootstrap_server;
  std::string command_config;
  std::vector<std::string> groups;  // --group, repeatable
  bool all_groups = false;
  std::vector<std::string> topics;  // --topic, repeatable: "t" or "t:0,1"
  bool all_topics = false;
  describe_view view = describe_view::offsets;
  bool verbose = false;
  // --state: with --list an optional comma-separated filter ("" = show the column, no filter).
  std::optional<std::string> state;
  std::optional<std::string> type;  // --list --type [filter]
  int64_t timeout_ms = 5000;
  std::optional<reset_scenario> scenario;
  int64_t reset_number = 0;  // --to-offset / --shift-by
  std::string reset_text;    // --to-datetime / --by-duration / --from-file
  bool dry_run = false;
  bool execute = false;
  bool export_csv = false;
};

// Parses and checks the command line as ConsumerGroupCommandOptions.checkArgs does. Returns
// nullopt when the process should exit with `exit_code` (help printed, or a usage error printed
// to `err`). The --reset-offsets warning about a missing --execute goes to `err` too.
std::optional<consumer_groups_options> parse_consumer_groups_options(int argc, char** argv, std::ostream& out,
                                                                     std::ostream& err, int& exit_code);

// Runs the command. Like Kafka's tool it returns 0 after printing "Error: ..." on `out` for
// failures of the command itself (unreachable cluster included); 1 for usage errors found while
// running (bad --state list, shifting an offset that was never committed, ...).
int run_consumer_groups(const consumer_groups_options& o, std::ostream& out, std::ostream& err);

} // namespace gregor::tools
