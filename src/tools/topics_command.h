#pragma once
// gregor-topics (kafka-topics.sh): options, and the two back ends — through a broker
// (--bootstrap-server, via the client library) and straight to ZooKeeper (--zookeeper, via the zk
// module, as kafka-topics did up to 2.8). Output goes to `out`, errors to `err`, formatted as
// Kafka's TopicCommand prints them. Each run_* returns the process exit code.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace gregor::tools {

enum class topics_action { none, create, list, describe, alter, remove };

struct topics_options {
  topics_action action = topics_action::none;
  std::string bootstrap_server;
  std::string zookeeper;
  std::string command_config;  // client properties file (request.timeout.ms, client.id)
  std::optional<std::string> topic;
  std::optional<int32_t> partitions;
  std::optional<int32_t> replication_factor;
  std::optional<std::string> replica_assignment;
  std::vector<std::string> configs;  // k=v
  bool if_exists = false;
  bool if_not_exists = false;
  bool exclude_internal = false;
  bool under_replicated = false;
  bool unavailable = false;
  bool topics_with_overrides = false;
  bool disable_rack_aware = false;
};

// Parses the command line. Returns nullopt when the process should exit with `exit_code` (help
// printed, or a usage error printed to `err`).
std::optional<topics_options> parse_topics_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                   int& exit_code);

int run_topics_bootstrap(const topics_options& o, std::ostream& out, std::ostream& err);
int run_topics_zookeeper(const topics_options& o, std::ostream& out, std::ostream& err);

// "Error while executing topic command : <message>" on `out` (Kafka println()s it to stdout);
// returns 1.
int topic_command_error(std::ostream& out, const std::string& message);

} // namespace gregor::tools
