#pragma once
// gregor-configs (kafka-configs.sh) for topics and brokers: describe and alter dynamic configs,
// through a broker (--bootstrap-server: DescribeConfigs, IncrementalAlterConfigs for topics,
// AlterConfigs for brokers, as Kafka's ConfigCommand does) or straight in ZooKeeper (--zookeeper:
// /config/<type>/<name> plus a /config/changes notification). Output and error lines follow
// Kafka's ConfigCommand. Each run_* returns the process exit code.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gregor::tools {

struct configs_options {
  bool describe = false;
  bool alter = false;
  bool all = false;                  // --describe --all: every entry, not only dynamic ones
  std::string bootstrap_server;
  std::string zookeeper;
  std::string command_config;
  std::string entity_type;           // "topics" | "brokers"
  std::optional<std::string> entity_name;
  bool entity_default = false;
  std::string add_config;            // "k1=v1,k2=[a,b]"
  std::string delete_config;         // "k1,k2"
  std::vector<std::string> raw_args;  // for Kafka's "Error while executing config command with args '...'"
};

// nullopt: exit with `exit_code` (help printed, or a usage error on `err`).
std::optional<configs_options> parse_configs_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                     int& exit_code);

// Kafka's parseConfigsToBeAdded: entries split at commas outside [...], "k=v" each, brackets
// removed from values, keys and values trimmed. nullopt (and `error` set) on a malformed entry.
std::optional<std::map<std::string, std::string>> parse_add_config(const std::string& text, std::string& error);
// "k1, k2" -> {k1, k2}.
std::vector<std::string> parse_delete_config(const std::string& text);

// One described entry as printed: "  k=v sensitive=false synonyms={SOURCE:k=v, ...}".
struct printed_synonym {
  std::string source;
  std::string name;
  std::optional<std::string> value;
};
std::string format_config_line(const std::string& name, const std::optional<std::string>& value, bool sensitive,
                               const std::vector<printed_synonym>& synonyms);

int run_configs_bootstrap(const configs_options& o, std::ostream& out, std::ostream& err);
int run_configs_zookeeper(const configs_options& o, std::ostream& out, std::ostream& err);

} // namespace gregor::tools
