// kafka-configs.sh options and the parsing helpers shared by both back ends.

#include <ostream>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "configs_command.h"

namespace gregor::tools {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

} // namespace

std::optional<std::map<std::string, std::string>> parse_add_config(const std::string& text, std::string& error) {
  std::vector<std::string> entries;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '[') ++depth;
    if (c == ']' && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      entries.push_back(cur);
      cur.clear();
      continue;
    }
    cur += c;
  }
  entries.push_back(cur);
  std::map<std::string, std::string> out;
  for (const auto& e : entries) {
    // Exactly one '=' outside brackets.
    size_t eq = std::string::npos;
    int equals = 0;
    int level = 0;
    for (size_t i = 0; i < e.size(); ++i) {
      if (e[i] == '[') ++level;
      if (e[i] == ']' && level > 0) --level;
      if (e[i] == '=' && level == 0) {
        if (equals++ == 0) eq = i;
      }
    }
    if (equals != 1) {
      error = "requirement failed: Invalid entity config: all configs to be added must be in the format \"key=val\".";
      return std::nullopt;
    }
    std::string value;
    for (char c : e.substr(eq + 1)) {
      if (c != '[' && c != ']') value += c;
    }
    out[trim(e.substr(0, eq))] = trim(value);
  }
  return out;
}

std::vector<std::string> parse_delete_config(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_config_line(const std::string& name, const std::optional<std::string>& value, bool sensitive,
                               const std::vector<printed_synonym>& synonyms) {
  std::string line = "  " + name + "=" + value.value_or("null") + " sensitive=" + (sensitive ? "true" : "false") +
                     " synonyms={";
  for (size_t i = 0; i < synonyms.size(); ++i) {
    if (i) line += ", ";
    line += synonyms[i].source + ":" + synonyms[i].name + "=" + synonyms[i].value.value_or("null");
  }
  return line + "}";
}

std::optional<configs_options> parse_configs_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                     int& exit_code) {
  configs_options o;
  for (int i = 1; i < argc; ++i) o.raw_args.emplace_back(argv[i]);
  CLI::App app{"Add/Remove entity config for a topic or broker.", "kafka-configs.sh"};
  std::optional<std::string> topic, broker;
  bool broker_defaults = false;
  app.add_flag("--describe", o.describe, "List configs for the given entity.");
  app.add_flag("--alter", o.alter, "Alter the configuration for the entity.");
  app.add_flag("--all", o.all, "List all configs for the given entity (including static and default ones).");
  app.add_option("--bootstrap-server", o.bootstrap_server, "The Kafka server to connect to.");
  app.add_option("--zookeeper", o.zookeeper, "ZooKeeper connection string host:port[/chroot].");
  app.add_option("--command-config", o.command_config, "Property file with admin client configs.");
  app.add_option("--entity-type", o.entity_type, "Type of entity (topics/brokers).");
  app.add_option("--entity-name", o.entity_name, "Name of entity (topic name/broker id).");
  app.add_flag("--entity-default", o.entity_default, "Default entity name for brokers (applies to every broker).");
  app.add_option("--topic", topic, "The topic's name (same as --entity-type topics --entity-name <t>).");
  app.add_option("--broker", broker, "The broker's id (same as --entity-type brokers --entity-name <id>).");
  app.add_flag("--broker-defaults", broker_defaults, "The config defaults for all brokers.");
  app.add_option("--add-config", o.add_config, "Key Value pairs of configs to add: k1=v1,k2=[v1,v2,v2],k3=v3.");
  app.add_option("--delete-config", o.delete_config, "Config keys to remove: k1,k2.");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;
  if (topic) {
    o.entity_type = "topics";
    o.entity_name = topic;
  }
  if (broker) {
    o.entity_type = "brokers";
    o.entity_name = broker;
  }
  if (broker_defaults) {
    o.entity_type = "brokers";
    o.entity_default = true;
  }
  if (int{o.describe} + int{o.alter} != 1) {
    return usage_error(err, exit_code, "Command must include exactly one action: --describe, --alter");
  }
  if (o.bootstrap_server.empty() == o.zookeeper.empty()) {
    return usage_error(err, exit_code, "Only one of --bootstrap-server or --zookeeper must be specified");
  }
  if (o.entity_type.empty()) return usage_error(err, exit_code, "At least one --entity-type must be specified");
  if (o.entity_type != "topics" && o.entity_type != "brokers") {
    return usage_error(err, exit_code, "Invalid entity type " + o.entity_type +
                                           ", the entity type must be one of topics, brokers");
  }
  if (o.entity_name && o.entity_default) {
    return usage_error(err, exit_code, "Only one of --entity-name or --entity-default must be specified with each --entity-type");
  }
  if (o.entity_default && o.entity_type == "topics") {
    return usage_error(err, exit_code, "--entity-default is not supported for topics");
  }
  if (o.alter && !o.entity_name && !o.entity_default) {
    return usage_error(err, exit_code, "an entity name must be specified with --alter of " + o.entity_type);
  }
  if (o.alter && o.add_config.empty() && o.delete_config.empty()) {
    return usage_error(err, exit_code, "At least one of --add-config or --delete-config must be specified with --alter");
  }
  if (o.all && !o.describe) return usage_error(err, exit_code, "--all can only be used with --describe");
  return o;
}

} // namespace gregor::tools
