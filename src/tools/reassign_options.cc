#include <algorithm>
#include <map>
#include <ostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "reassign_command.h"

namespace gregor::tools {

int reassign_error(std::ostream& out, const std::string& message) {
  out << "Error: " << message << "\n";
  out.flush();
  return 1;
}

namespace {

// joptsimple prints an option spec as "[name]".
std::string spec(const std::string& name) { return "[" + name + "]"; }

} // namespace

std::optional<reassign_options> parse_reassign_options(int argc, char** argv, std::ostream& out, std::ostream& err,
                                                       int& exit_code) {
  reassign_options o;
  bool flag_generate = false, flag_execute = false, flag_verify = false, flag_cancel = false, flag_list = false;
  CLI::App app{"This tool helps to move topic partitions between replicas.", "kafka-reassign-partitions.sh"};
  app.add_option("--bootstrap-server", o.bootstrap_server,
                 "the server(s) to use for bootstrapping. REQUIRED if an absolute path of the log directory is "
                 "specified for any replica in the reassignment json file, or if --zookeeper is not given.");
  app.add_option("--zookeeper", o.zookeeper,
                 "DEPRECATED: The connection string for the zookeeper connection in the form host:port. Multiple "
                 "URLS can be given to allow fail-over.  Please use --bootstrap-server instead.");
  app.add_option("--command-config", o.command_config, "Property file containing configs to be passed to Admin Client.");
  app.add_flag("--generate", flag_generate, "Generate a candidate partition reassignment configuration. Note that this only "
                             "generates a candidate assignment, it does not execute it.");
  app.add_flag("--execute", flag_execute, "Kick off the reassignment as specified by the --reassignment-json-file option.");
  app.add_flag("--verify", flag_verify, "Verify if the reassignment completed as specified by the --reassignment-json-file "
                           "option. If there is a throttle engaged for the replicas specified, and the rebalance has "
                           "completed, the throttle will be removed");
  app.add_flag("--cancel", flag_cancel, "Cancel an active reassignment.");
  app.add_flag("--list", flag_list, "List all active partition reassignments.");
  app.add_option("--reassignment-json-file", o.reassignment_json_file,
                 "The JSON file with the partition reassignment configuration. The format to use is - "
                 "{\"partitions\":[{\"topic\": \"foo\", \"partition\": 1, \"replicas\": [1,2,3], \"log_dirs\": "
                 "[\"dir1\",\"dir2\",\"dir3\"]}], \"version\":1}. Note that \"log_dirs\" is optional.");
  app.add_option("--topics-to-move-json-file", o.topics_to_move_json_file,
                 "Generate a reassignment configuration to move the partitions of the specified topics to the list "
                 "of brokers specified by the --broker-list option. The format to use is - "
                 "{\"topics\":[{\"topic\": \"foo\"},{\"topic\": \"foo1\"}], \"version\":1}");
  app.add_option("--broker-list", o.broker_list,
                 "The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\". This is "
                 "required if --topics-to-move-json-file is used to generate reassignment configuration");
  app.add_flag("--disable-rack-aware", o.disable_rack_aware, "Disable rack aware replica assignment");
  app.add_option("--throttle", o.throttle,
                 "The movement of partitions between brokers will be throttled to this value (bytes/sec). This "
                 "option can be included with --execute when a reassignment is started, and it can be altered by "
                 "resubmitting the current reassignment along with the --additional flag. The throttle rate should "
                 "be at least 1 KB/s.");
  app.add_option("--replica-alter-log-dirs-throttle", o.replica_alter_log_dirs_throttle,
                 "The movement of replicas between log directories on the same broker will be throttled to this "
                 "value (bytes/sec). Not supported by Gregor (its brokers do not move replicas between log "
                 "directories).");
  app.add_option("--timeout", o.timeout_ms,
                 "The maximum time in ms to wait for log directory replica assignment to begin.");
  app.add_flag("--additional", o.additional,
               "Execute this reassignment in addition to any other ongoing ones. This option can also be used to "
               "change the throttle of an ongoing reassignment.");
  app.add_flag("--preserve-throttles", o.preserve_throttles,
               "Do not modify broker or topic throttles.");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;
  auto given = [&](const std::string& name) { return app.count("--" + name) > 0; };

  const std::vector<std::pair<std::string, reassign_action>> actions{
    {"generate", reassign_action::generate}, {"execute", reassign_action::execute},
    {"verify", reassign_action::verify},     {"cancel", reassign_action::cancel},
    {"list", reassign_action::list}};
  std::string action_name;
  int count = 0;
  for (const auto& [name, a] : actions) {
    if (!given(name)) continue;
    ++count;
    action_name = name;
    o.action = a;
  }
  if (count != 1) {
    return usage_error(err, exit_code,
                       "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list");
  }
  if (!given("zookeeper") && !given("bootstrap-server")) {
    return usage_error(err, exit_code, "Please specify --bootstrap-server");
  }

  // Kafka's required and permitted options per action.
  const std::map<reassign_action, std::vector<std::string>> required{
    {reassign_action::verify, {"reassignment-json-file"}},
    {reassign_action::generate, {"topics-to-move-json-file", "broker-list"}},
    {reassign_action::execute, {"reassignment-json-file"}},
    {reassign_action::cancel, {"reassignment-json-file"}},
    {reassign_action::list, {}}};
  const std::map<reassign_action, std::vector<std::string>> permitted{
    {reassign_action::verify, {"bootstrap-server", "command-config", "preserve-throttles", "zookeeper"}},
    {reassign_action::generate, {"bootstrap-server", "broker-list", "command-config", "disable-rack-aware", "zookeeper"}},
    {reassign_action::execute,
     {"additional", "bootstrap-server", "command-config", "throttle", "replica-alter-log-dirs-throttle", "timeout",
      "zookeeper"}},
    {reassign_action::cancel, {"bootstrap-server", "command-config", "preserve-throttles", "timeout"}},
    {reassign_action::list, {"bootstrap-server", "command-config"}}};
  for (const auto& name : required.at(o.action)) {
    if (!given(name)) return usage_error(err, exit_code, "Missing required argument \"" + spec(name) + "\"");
  }
  const std::vector<std::string> all{"bootstrap-server", "zookeeper", "command-config", "reassignment-json-file",
                                     "topics-to-move-json-file", "broker-list", "disable-rack-aware", "throttle",
                                     "replica-alter-log-dirs-throttle", "timeout", "additional", "preserve-throttles"};
  for (const auto& name : all) {
    if (!given(name)) continue;
    const auto& req = required.at(o.action);
    const auto& ok = permitted.at(o.action);
    if (std::find(req.begin(), req.end(), name) != req.end() || std::find(ok.begin(), ok.end(), name) != ok.end()) {
      continue;
    }
    return usage_error(err, exit_code,
                       "Option \"" + spec(name) + "\" can't be used with action \"" + spec(action_name) + "\"");
  }
  if (!given("bootstrap-server")) {
    for (const char* name : {"additional", "cancel", "command-config", "replica-alter-log-dirs-throttle", "list", "timeout"}) {
      if (given(name)) {
        // Kafka throws here, before its main's error handling: the JVM reports it on stderr.
        err << "Exception in thread \"main\" java.lang.RuntimeException: You must specify --bootstrap-server when "
               "using \""
            << spec(name) << "\"\n";
        exit_code = 1;
        return std::nullopt;
      }
    }
  }
  return o;
}

} // namespace gregor::tools
