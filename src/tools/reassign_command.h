#pragma once
// gregor-reassign-partitions (kafka-reassign-partitions.sh): options and the two back ends —
// through the brokers (--bootstrap-server: Metadata, AlterPartitionReassignments,
// ListPartitionReassignments, IncrementalAlterConfigs for throttles, as Kafka 2.6+ does) and
// straight to ZooKeeper (--zookeeper: /admin/reassign_partitions and the topic znodes, as Kafka's
// tool did up to 2.8). Output goes to `out` as Kafka's ReassignPartitionsCommand prints it;
// failures print "Error: <message>" (or Kafka's terse message) on `out` and return 1.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace gregor::tools {

enum class reassign_action { none, generate, execute, verify, cancel, list };

struct reassign_options {
  reassign_action action = reassign_action::none;
  std::string bootstrap_server;
  std::string zookeeper;
  std::string command_config;
  std::string reassignment_json_file;
  std::string topics_to_move_json_file;
  std::string broker_list;
  bool disable_rack_aware = false;
  bool additional = false;
  bool preserve_throttles = false;
  int64_t throttle = -1;                          // --throttle (B/s); -1 = none
  int64_t replica_alter_log_dirs_throttle = -1;  // --replica-alter-log-dirs-throttle (B/s)
  int64_t timeout_ms = 10'000;                    // --timeout
};

// Parses and checks the command line as Kafka does (one action, its required and permitted
// options, --bootstrap-server-only options). nullopt when the process should exit with
// `exit_code` (help printed, or a usage error printed to `err`).
std::optional<reassign_options> parse_reassign_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                       int& exit_code);

int run_reassign_bootstrap(const reassign_options& o, std::ostream& out, std::ostream& err);
int run_reassign_zookeeper(const reassign_options& o, std::ostream& out, std::ostream& err);

// "Error: <message>" on `out` (Kafka println()s failures to stdout); returns 1.
int reassign_error(std::ostream& out, const std::string& message);

} // namespace gregor::tools
