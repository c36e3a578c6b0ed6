#include <iostream>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "consumer_groups_command.h"

namespace gregor::tools {

namespace {

// joptsimple prints an option as "[name]".
std::string opt(const char* name) { return std::string("[") + name + "]"; }

std::string cant_combine(const char* used, const char* other) {
  return "Option \"" + opt(used) + "\" can't be used with option \"" + opt(other) + "\"";
}

} // namespace

std::optional<consumer_groups_options> parse_consumer_groups_options(int argc, char** argv, std::ostream& out,
                                                                     std::ostream& err, int& exit_code) {
  consumer_groups_options o;
  CLI::App app{"This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, "
               "or reset consumer group offsets.",
               "kafka-consumer-groups.sh"};
  bool list = false, describe = false, remove = false, reset = false, delete_offsets = false;
  bool members = false, offsets = false, to_earliest = false, to_latest = false, to_current = false;
  std::optional<int64_t> to_offset, shift_by;
  std::optional<std::string> to_datetime, by_duration, from_file;
  app.add_option("--bootstrap-server", o.bootstrap_server, "REQUIRED: The server(s) to connect to.");
  app.add_option("--group", o.groups, "The consumer group we wish to act on.")->allow_extra_args(false);
  app.add_option("--topic", o.topics,
                 "The topic whose consumer group information should be deleted or topic whose should be included in the "
                 "reset offset process (topic1:0,1,2 selects partitions).")
    ->allow_extra_args(false);
  app.add_flag("--all-topics", o.all_topics, "Consider all topics assigned to a group in the `reset-offsets` process.");
  app.add_flag("--list", list, "List all consumer groups.");
  app.add_flag("--describe", describe,
               "Describe consumer group and list offset lag (number of messages not yet processed) related to given group.");
  app.add_flag("--all-groups", o.all_groups, "Apply to all consumer groups.");
  app.add_flag("--delete", remove, "Pass in groups to delete topic partition offsets and ownership information over the "
                                   "entire consumer group. For instance --group g1 --group g2");
  app.add_option("--timeout", o.timeout_ms, "The timeout that can be set for some use cases (ms, default 5000).");
  app.add_option("--command-config", o.command_config, "Property file containing configs to be passed to Admin Client and Consumer.");
  app.add_flag("--reset-offsets", reset, "Reset offsets of consumer group (--dry-run by default, --execute to apply).");
  app.add_flag("--delete-offsets", delete_offsets, "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.");
  app.add_flag("--dry-run", o.dry_run, "Only show results without executing changes on Consumer Groups.");
  app.add_flag("--execute", o.execute, "Execute operation. Supported operations: reset-offsets.");
  app.add_flag("--export", o.export_csv, "Export operation execution to a CSV file. Supported operations: reset-offsets.");
  app.add_option("--to-offset", to_offset, "Reset offsets to a specific offset.");
  app.add_option("--from-file", from_file, "Reset offsets to values defined in CSV file.");
  app.add_option("--to-datetime", to_datetime, "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'");
  app.add_option("--by-duration", by_duration, "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'");
  app.add_flag("--to-earliest", to_earliest, "Reset offsets to earliest offset.");
  app.add_flag("--to-latest", to_latest, "Reset offsets to latest offset.");
  app.add_flag("--to-current", to_current, "Reset offsets to current offset.");
  app.add_option("--shift-by", shift_by, "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.");
  app.add_flag("--members", members, "Describe members of the group.");
  app.add_flag("--verbose", o.verbose, "Provide additional information, if any, when describing the group.");
  app.add_flag("--offsets", offsets, "Describe the group and list all topic partitions in the group along with their offset lag.");
  auto* state_opt = app.add_option("--state", o.state, "With --describe: the state of the group. With --list: the state of "
                                                       "all groups, optionally only those in the given states (stable,empty).");
  state_opt->expected(0, 1)->default_str("");
  auto* type_opt = app.add_option("--type", o.type, "With --list: the type of all groups, optionally filtered (classic,consumer).");
  type_opt->expected(0, 1)->default_str("");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;
  // An --state / --type given without a value leaves the optional engaged with "".
  if (state_opt->count() > 0 && !o.state) o.state = "";
  if (type_opt->count() > 0 && !o.type) o.type = "";

  if (o.bootstrap_server.empty()) return usage_error(err, exit_code, "Missing required argument \"" + opt("bootstrap-server") + "\"");

  int actions = int{list} + int{describe} + int{remove} + int{reset} + int{delete_offsets};
  if (actions != 1) {
    return usage_error(err, exit_code,
                       "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets");
  }
  o.action = list ? groups_action::list
           : describe ? groups_action::describe
           : remove ? groups_action::remove
           : reset ? groups_action::reset_offsets
                   : groups_action::delete_offsets;
  const bool has_group = !o.groups.empty();
  const std::string group_scopes = opt("group") + ", " + opt("all-groups");

  // --members, --verbose and --offsets exist only with --describe; --state with --describe or
  // --list; --type with --list (joptsimple's availableIf).
  if ((members || o.verbose || offsets) && !describe) {
    const char* name = members ? "members" : o.verbose ? "verbose" : "offsets";
    return usage_error(err, exit_code, "Option " + opt(name) + " is available only when " + opt("describe") + " is present");
  }
  if (o.state && !describe && !list) {
    return usage_error(err, exit_code, "Option " + opt("state") + " is available only when " + opt("describe") + ", " +
                                         opt("list") + " is present");
  }
  if (o.type && !list) {
    return usage_error(err, exit_code, "Option " + opt("type") + " is available only when " + opt("list") + " is present");
  }

  if (describe) {
    if (!has_group && !o.all_groups) {
      return usage_error(err, exit_code, "Option " + opt("describe") + " takes one of these options: " + group_scopes);
    }
    if (int{members} + int{offsets} + int{o.state.has_value()} > 1) {
      return usage_error(err, exit_code, "Option " + opt("describe") + " takes at most one of these options: " +
                                           opt("members") + ", " + opt("offsets") + ", " + opt("state"));
    }
    if (o.state && !o.state->empty()) {
      return usage_error(err, exit_code, "Option " + opt("describe") + " does not take a value for " + opt("state"));
    }
    o.view = members ? describe_view::members : o.state ? describe_view::state : describe_view::offsets;
  }
  if (remove) {
    if (!has_group && !o.all_groups) {
      return usage_error(err, exit_code, "Option " + opt("delete") + " takes one of these options: " + group_scopes);
    }
    if (!o.topics.empty()) {
      return usage_error(err, exit_code, "The consumer does not support topic-specific offset deletion from a consumer group.");
    }
  }
  if (delete_offsets && (!has_group || o.topics.empty())) {
    return usage_error(err, exit_code, "Option " + opt("delete-offsets") + " takes the following options: " + opt("group") +
                                         ", " + opt("topic"));
  }
  if (reset) {
    if (o.dry_run && o.execute) {
      return usage_error(err, exit_code, "Option " + opt("reset-offsets") + " only accepts one of " + opt("execute") + " and " +
                                           opt("dry-run"));
    }
    if (!o.dry_run && !o.execute) {
      err << "WARN: No action will be performed as the --execute option is missing.In a future major release, the default "
             "behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. "
             "You should add the --dry-run option explicitly if you are scripting this command and want to keep the current "
             "default behavior without prompting.\n";
    }
    if (!has_group && !o.all_groups) {
      return usage_error(err, exit_code, "Option " + opt("reset-offsets") + " takes one of these options: " + group_scopes);
    }
    // Exactly one scenario; two of them is a conflict (checkInvalidArgs).
    struct candidate {
      const char* name;
      bool given;
      reset_scenario scenario;
    };
    const candidate scenarios[] = {
      {"to-offset", to_offset.has_value(), reset_scenario::to_offset},
      {"to-datetime", to_datetime.has_value(), reset_scenario::to_datetime},
      {"by-duration", by_duration.has_value(), reset_scenario::by_duration},
      {"to-earliest", to_earliest, reset_scenario::to_earliest},
      {"to-latest", to_latest, reset_scenario::to_latest},
      {"to-current", to_current, reset_scenario::to_current},
      {"shift-by", shift_by.has_value(), reset_scenario::shift_by},
      {"from-file", from_file.has_value(), reset_scenario::from_file},
    };
    const candidate* chosen = nullptr;
    for (const auto& c : scenarios) {
      if (!c.given) continue;
      if (chosen != nullptr) return usage_error(err, exit_code, cant_combine(chosen->name, c.name));
      chosen = &c;
    }
    if (chosen == nullptr) {
      return usage_error(err, exit_code, "Option '" + opt("reset-offsets") + "' requires one of the following scenarios: " +
                                           opt("to-offset") + ", " + opt("shift-by") + ", " + opt("to-datetime") + ", " +
                                           opt("by-duration") + ", " + opt("to-earliest") + ", " + opt("to-latest") + ", " +
                                           opt("to-current") + ", " + opt("from-file"));
    }
    o.scenario = chosen->scenario;
    if (to_offset) o.reset_number = *to_offset;
    if (shift_by) o.reset_number = *shift_by;
    if (to_datetime) o.reset_text = *to_datetime;
    if (by_duration) o.reset_text = *by_duration;
    if (from_file) o.reset_text = *from_file;
    if (!o.all_topics && o.topics.empty() && !from_file) {
      return usage_error(err, exit_code, "One of the reset scopes should be defined: --all-topics, --topic.");
    }
  } else if (o.dry_run || o.execute || o.export_csv || o.all_topics || to_offset || shift_by || to_datetime || by_duration ||
             from_file || to_earliest || to_latest || to_current) {
    return usage_error(err, exit_code, "Option " + opt(o.execute ? "execute" : o.dry_run ? "dry-run" : "all-topics") +
                                         " can only be used with " + opt("reset-offsets"));
  }
  if (has_group && o.all_groups) return usage_error(err, exit_code, cant_combine("group", "all-groups"));
  if (has_group && list) return usage_error(err, exit_code, cant_combine("group", "list"));
  if (!o.topics.empty() && (list || describe)) return usage_error(err, exit_code, cant_combine("topic", list ? "list" : "describe"));
  return o;
}

} // namespace gregor::tools
