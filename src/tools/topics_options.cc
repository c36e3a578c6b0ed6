#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "topics_command.h"

namespace gregor::tools {

int topic_command_error(std::ostream& out, const std::string& message) {
  out << "Error while executing topic command : " << message << "\n";
  out.flush();
  return 1;
}

std::optional<topics_options> parse_topics_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                   int& exit_code) {
  topics_options o;
  CLI::App app{"Create, delete, describe, or change a topic.", "kafka-topics.sh"};
  bool create = false, list = false, describe = false, alter = false, remove = false;
  app.add_flag("--create", create, "Create a new topic.");
  app.add_flag("--list", list, "List all available topics.");
  app.add_flag("--describe", describe, "List details for the given topics.");
  app.add_flag("--alter", alter, "Alter the number of partitions and replica assignment.");
  app.add_flag("--delete", remove, "Delete a topic.");
  app.add_option("--bootstrap-server", o.bootstrap_server, "The Kafka server to connect to (host:port[,host:port]).");
  app.add_option("--zookeeper", o.zookeeper, "ZooKeeper connection string host:port[/chroot] (ZooKeeper mode).");
  app.add_option("--command-config", o.command_config, "Property file with client configs.");
  app.add_option("--topic", o.topic, "The topic to create, alter, describe or delete (a regular expression except for --create).");
  app.add_option("--partitions", o.partitions, "The number of partitions for the topic being created or altered.");
  app.add_option("--replication-factor", o.replication_factor, "The replication factor for each partition.");
  app.add_option("--replica-assignment", o.replica_assignment,
                 "Manual partition-to-broker assignments: broker_id_for_part1_replica1:broker_id_for_part1_replica2,...");
  app.add_option("--config", o.configs, "A topic configuration override (key=value); repeatable.")->allow_extra_args(false);
  app.add_flag("--if-exists", o.if_exists, "With --alter, --describe or --delete: only act if the topic exists.");
  app.add_flag("--if-not-exists", o.if_not_exists, "With --create: only create the topic if it does not exist.");
  app.add_flag("--exclude-internal", o.exclude_internal, "Exclude internal topics when listing or describing.");
  app.add_flag("--under-replicated-partitions", o.under_replicated, "With --describe: only partitions whose ISR is smaller than the replica set.");
  app.add_flag("--unavailable-partitions", o.unavailable, "With --describe: only partitions whose leader is not available.");
  app.add_flag("--topics-with-overrides", o.topics_with_overrides, "With --describe: only topics that have overridden configs.");
  app.add_flag("--disable-rack-aware", o.disable_rack_aware, "Disable rack aware replica assignment.");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;

  int actions = int{create} + int{list} + int{describe} + int{alter} + int{remove};
  if (actions != 1) {
    return usage_error(err, exit_code, "Command must include exactly one action: --list, --describe, --create, --alter or --delete");
  }
  o.action = create ? topics_action::create
           : list ? topics_action::list
           : describe ? topics_action::describe
           : alter ? topics_action::alter
                   : topics_action::remove;
  if (o.bootstrap_server.empty() == o.zookeeper.empty()) {
    return usage_error(err, exit_code, "Only one of --bootstrap-server or --zookeeper must be specified");
  }
  if ((create || alter || remove) && !o.topic) return usage_error(err, exit_code, "Missing required argument \"[topic]\"");
  if (o.replica_assignment && (o.partitions || o.replication_factor) && create) {
    return usage_error(err, exit_code,
                       "Option \"[replica-assignment]\" can't be used with option \"[partitions],[replication-factor]\"");
  }
  if (!o.configs.empty() && !create) {
    return usage_error(err, exit_code, "Option \"[config]\" can only be used with option \"[create]\"");
  }
  if (o.if_exists && !(alter || remove || describe)) {
    return usage_error(err, exit_code, "Option \"[if-exists]\" can only be used with options \"[alter],[delete],[describe]\"");
  }
  if (o.if_not_exists && !create) {
    return usage_error(err, exit_code, "Option \"[if-not-exists]\" can only be used with option \"[create]\"");
  }
  if ((o.under_replicated || o.unavailable || o.topics_with_overrides) && !describe) {
    return usage_error(err, exit_code, "Options \"[under-replicated-partitions],[unavailable-partitions],[topics-with-overrides]\" can only be used with option \"[describe]\"");
  }
  if (alter && !o.partitions) {
    return usage_error(err, exit_code, "Missing required argument \"[partitions]\" for --alter");
  }
  if (o.partitions && *o.partitions <= 0) {
    return usage_error(err, exit_code, "The partitions must be greater than 0");
  }
  if (o.replication_factor && (*o.replication_factor <= 0 || *o.replication_factor > INT16_MAX)) {
    return usage_error(err, exit_code, "The replication-factor must be between 1 and 32767");
  }
  return o;
}

} // namespace gregor::tools
