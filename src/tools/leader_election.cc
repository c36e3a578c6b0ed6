// The election tools' command lines and runs (see leader_election.h). Problems with the command
// line or the JSON file are printed on stderr with exit code 1, as Kafka's tools report the
// exceptions they end with.

#include "leader_election.h"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <set>

#include <CLI/CLI.hpp>

#include "admin_client_options.h"
#include "cli_util.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "gregor/zk/znodes.h"
#include "json_input.h"
#include "kafka_exception.h"
#include "zk_tool_session.h"

namespace gregor::tools {

namespace {

namespace gc = gregor::client;
using namespace std::chrono_literals;

// Kafka's election tools wait up to 30 s for the controller's answer.
constexpr std::chrono::milliseconds election_timeout = 30s;

std::nullopt_t fail(std::ostream& err, int& exit_code, const std::string& message) {
  err << message << "\n";
  exit_code = 1;
  return std::nullopt;
}

std::optional<std::vector<topic_partition>> read_election_file(const std::string& path, election_file_kind kind,
                                                               std::string& error) {
  auto text = json_input::read_file(path, error);
  if (!text) return std::nullopt;
  return parse_election_json(*text, kind, error);
}

// The failures Kafka's admin client reports as a TimeoutException: nothing answered in time.
bool timed_out(const std::error_code& ec) {
  return ec == gc::client_errc::no_broker_reachable || ec == gc::client_errc::timed_out ||
         ec == gc::client_errc::no_controller || ec == gc::kafka_error(protocol::error_code::request_timed_out) ||
         (ec.category() != gc::kafka_category() && gc::is_retriable(ec));
}

std::optional<gc::client_options> client_options_for(const std::string& bootstrap, const std::string& config,
                                                     std::ostream& err) {
  std::string error;
  auto co = admin_client_options(bootstrap, config, "gregor-leader-election", error);
  if (!co) err << error << "\n";
  return co;
}

} // namespace

// ---- kafka-leader-election.sh ----

std::optional<leader_election_options> parse_leader_election_options(int argc, char** argv, std::ostream& out,
                                                                     std::ostream& err, int& exit_code) {
  leader_election_options o;
  std::string admin_config, command_config, partition_text, type_text;
  CLI::App app{"This tool attempts to elect a new leader for a set of topic partitions. The type of elections "
               "supported are preferred replicas and unclean replicas.",
               "kafka-leader-election.sh"};
  app.add_option("--bootstrap-server", o.bootstrap_server,
                 "A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated "
                 "URLs can be given. REQUIRED.");
  app.add_option("--admin.config", admin_config, "Configuration properties files to pass to the admin client");
  app.add_option("--command-config", command_config, "Config properties file to pass to the admin client.");
  app.add_option("--path-to-json-file", o.path_to_json_file,
                 "The JSON file with the list of partition for which leader elections should be performed. This is "
                 "an example format.\n{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": "
                 "\"foobar\", \"partition\": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are "
                 "specified.");
  app.add_option("--topic", o.topic,
                 "Name of topic for which to perform an election. Not allowed if --path-to-json-file or "
                 "--all-topic-partitions is specified.");
  app.add_option("--partition", partition_text,
                 "Partition id for which to perform an election. REQUIRED if --topic is specified.");
  app.add_flag("--all-topic-partitions", o.all_topic_partitions,
               "Perform election on all of the eligible topic partitions based on the type of election (see the "
               "--election-type flag). Not allowed if --topic or --path-to-json-file is specified.");
  app.add_option("--election-type", type_text,
                 "Type of election to attempt. Possible values are \"preferred\" for preferred leader election or "
                 "\"unclean\" for unclean leader election. If preferred election is selection, the election is only "
                 "performed if the current leader is not the preferred leader for the topic partition. If unclean "
                 "election is selected, the election is only performed if there are no leader for the topic "
                 "partition. REQUIRED.");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;
  auto given = [&](const char* name) { return app.count(name) > 0; };
  if (given("--election-type")) {
    auto t = parse_election_type(type_text);
    if (!t) return fail(err, exit_code, "Cannot parse argument '" + type_text + "' of option election-type");
    o.type = *t;
  }
  if (given("--partition")) {
    auto p = parse_int32(partition_text);
    if (!p) return fail(err, exit_code, "Cannot parse argument '" + partition_text + "' of option partition");
    o.partition = *p;
  }
  std::vector<std::string> missing;
  if (!given("--bootstrap-server")) missing.push_back("bootstrap-server");
  if (!given("--election-type")) missing.push_back("election-type");
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    return fail(err, exit_code, "Missing required option(s): " + names);
  }
  if (given("--admin.config") && given("--command-config")) {
    return fail(err, exit_code, "Option \"[admin.config]\" can't be used with option \"[command-config]\"");
  }
  o.admin_config = given("--admin.config") ? admin_config : command_config;
  int selectors = int{given("--topic")} + int{o.all_topic_partitions} + int{given("--path-to-json-file")};
  if (selectors != 1) {
    return fail(err, exit_code,
                "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file");
  }
  if (given("--topic") && !given("--partition")) return fail(err, exit_code, "Missing required option(s): partition");
  if (!given("--topic") && given("--partition")) {
    return fail(err, exit_code, "Option partition is only allowed if topic is used");
  }
  return o;
}

int run_leader_election(const leader_election_options& o, std::ostream& out, std::ostream& err) {
  std::optional<std::vector<topic_partition>> partitions;
  if (o.path_to_json_file) {
    std::string error;
    partitions = read_election_file(*o.path_to_json_file, election_file_kind::leader_election, error);
    if (!partitions) {
      err << error << "\n";
      return 1;
    }
  } else if (o.topic) {
    partitions.emplace(1, topic_partition{*o.topic, o.partition.value_or(0)});
  }
  auto co = client_options_for(o.bootstrap_server, o.admin_config, err);
  if (!co) return 1;
  gc::sync_client c(std::move(*co));
  auto results = c.run(c.async().elect_leaders(o.type, std::move(partitions), election_timeout));
  if (!results) {
    const auto& ec = results.error();
    if (timed_out(ec)) {
      out << "Timeout waiting for election results\n";
    } else if (ec == gc::kafka_error(protocol::error_code::cluster_authorization_failed)) {
      out << "Not authorized to perform leader election\n";
    }
    err << kafka_exception_text(ec, "") << "\n";
    return 1;
  }
  auto report = leader_election_report(o.type, *results);
  out << report.out;
  out.flush();
  err << report.err;
  return report.exit_code;
}

// ---- kafka-preferred-replica-election.sh ----

std::optional<preferred_election_options> parse_preferred_election_options(int argc, char** argv, std::ostream& out,
                                                                           std::ostream& err, int& exit_code) {
  preferred_election_options o;
  CLI::App app{"This tool helps to causes leadership for each partition to be transferred back to the 'preferred "
               "replica', it can be used to balance leadership among the servers.",
               "kafka-preferred-replica-election.sh"};
  app.add_option("--path-to-json-file", o.path_to_json_file,
                 "The JSON file with the list of partitions for which preferred replica leader election should be "
                 "done, in the following format - \n{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t "
                 "{\"topic\": \"foobar\", \"partition\": 2}]\n}\nDefaults to all existing partitions");
  app.add_option("--zookeeper", o.zookeeper,
                 "DEPRECATED. The connection string for the zookeeper connection in the form host:port. Multiple "
                 "URLS can be given to allow fail-over. Replaced by --bootstrap-server, REQUIRED unless "
                 "--bootstrap-server is given.");
  app.add_option("--bootstrap-server", o.bootstrap_server,
                 "A hostname and port for the broker to connect to, in the form host:port. Multiple comma-separated "
                 "URLs can be given. REQUIRED unless --zookeeper is given.");
  app.add_option("--admin.config", o.admin_config,
                 "Admin client config properties file to pass to the admin client when --bootstrap-server is given.");
  if (!parse_command_line(app, argc, argv, out, err, exit_code)) return std::nullopt;
  bool bootstrap = app.count("--bootstrap-server") > 0;
  bool zookeeper = app.count("--zookeeper") > 0;
  if (bootstrap == zookeeper) {
    err << "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided\n"
        << "Run with --help for the list of options.\n";
    exit_code = 1;
    return std::nullopt;
  }
  if (app.count("--admin.config") > 0 && !bootstrap) {
    return fail(err, exit_code, "Option admin.config is available only when bootstrap-server is present");
  }
  return o;
}

namespace {

// The 2.x ZooKeeper path: /admin/preferred_replica_election with the partitions that exist.
int preferred_election_zk(const preferred_election_options& o, const std::optional<std::vector<topic_partition>>& asked,
                          std::ostream& out, std::ostream& err) {
  out << "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.\n"
      << "Use --bootstrap-server instead to specify a broker to connect to.\n";
  zk_tool_session zk(o.zookeeper);
  auto started = zk.start();
  // Kafka ends with an exception for these: the JVM prints it on stderr.
  auto admin_failed = [&](const std::string& cause) {
    err << "Exception in thread \"main\" kafka.common.AdminCommandFailedException: Admin command failed\n"
        << "Caused by: " << cause << "\n";
    return 1;
  };
  if (!started) return admin_failed("Cannot connect to ZooKeeper at " + o.zookeeper + ": " + started.error().message());
  auto topics = zk.run(zk.kafka().list_topics());
  if (!topics) return admin_failed(topics.error().message());
  std::set<topic_partition> existing;
  for (const auto& t : *topics) {
    auto a = zk.run(zk.kafka().get_topic_assignment(t));
    if (!a) return admin_failed(a.error().message());
    if (!*a) continue;
    for (const auto& [p, replicas] : (*a)->value.partitions) existing.insert(topic_partition{t, p});
  }
  std::vector<topic_partition> valid, invalid;
  if (asked) {
    for (const auto& tp : *asked) (existing.count(tp) > 0 ? valid : invalid).push_back(tp);
  } else {
    valid.assign(existing.begin(), existing.end());
  }
  std::sort(valid.begin(), valid.end());
  std::sort(invalid.begin(), invalid.end());
  std::string data = zk::encode_preferred_replica_election(valid);
  auto created = zk.run(zk.session().create(zk::paths::preferred_replica_election(), bytes(data.begin(), data.end())));
  if (!created) {
    if (created.error() != zk::zk_errc::node_exists) {
      return admin_failed("kafka.admin.AdminOperationException: " + created.error().message());
    }
    std::string running;
    auto current = zk.run(zk.session().get(zk::paths::preferred_replica_election()));
    if (current && current->first) {
      if (auto parts = zk::decode_preferred_replica_election(as_string_view(*current->first))) {
        for (const auto& tp : *parts) running += (running.empty() ? "" : ",") + tp.to_string();
      }
    }
    return admin_failed("kafka.admin.AdminOperationException: Preferred replica leader election currently in progress "
                        "for " + running + ". Aborting operation");
  }
  std::string list;
  for (const auto& tp : valid) list += (list.empty() ? "" : ",") + tp.to_string();
  out << "Created preferred replica election path with " << list << "\n";
  out << "Successfully started preferred replica election for partitions " << scala_set_text(valid) << "\n";
  for (const auto& tp : invalid) {
    out << "Skipping preferred replica leader election for partition " << tp.to_string() << " since it doesn't exist.\n";
  }
  return 0;
}

} // namespace

int run_preferred_election(const preferred_election_options& o, std::ostream& out, std::ostream& err) {
  std::optional<std::vector<topic_partition>> asked;
  if (o.path_to_json_file) {
    std::string error;
    asked = read_election_file(*o.path_to_json_file, election_file_kind::preferred_replica_election, error);
    if (!asked) {
      err << "Exception in thread \"main\" kafka.admin.AdminOperationException: " << error << "\n";
      return 1;
    }
  }
  if (!o.zookeeper.empty()) return preferred_election_zk(o, asked, out, err);

  auto co = client_options_for(o.bootstrap_server, o.admin_config, err);
  if (!co) return 1;
  gc::sync_client c(std::move(*co));
  auto results = c.run(c.async().elect_leaders(gc::election_type::preferred, std::move(asked), election_timeout));
  if (!results) {
    if (timed_out(results.error())) out << "Timeout waiting for election results\n";
    err << "Exception in thread \"main\" kafka.common.AdminCommandFailedException: "
        << kafka_exception_text(results.error(), "") << "\n";
    return 1;
  }
  auto report = preferred_election_report(*results);
  out << report.out;
  out.flush();
  if (report.exit_code != 0) err << "Exception in thread \"main\" kafka.common.AdminCommandFailedException: " << report.err;
  return report.exit_code;
}

} // namespace gregor::tools
