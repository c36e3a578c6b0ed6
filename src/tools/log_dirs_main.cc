// gregor-log-dirs (kafka-log-dirs.sh --describe): asks each broker (all, or --broker-list) for its
// log directories with DescribeLogDirs and prints Kafka's LogDirsCommand output: two status lines
// and one JSON line (see log_dirs_format.h). Exit code 0, or 1 with the error on stderr.

#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "admin_client_options.h"
#include "cli_util.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/messages/describe_log_dirs.h"
#include "log_dirs_format.h"
#include "raw_call.h"

namespace {

namespace gc = gregor::client;
namespace gp = gregor::protocol;

// DescribeLogDirs v1: understood by every broker that has the API (Kafka 1.0+), and all the tool
// prints (v4 adds only the dir's total/usable bytes).
constexpr int16_t describe_version = 1;

std::set<std::string> split_topics(const std::string& text) {
  std::set<std::string> out;
  std::stringstream ss(text);
  for (std::string t; std::getline(ss, t, ',');) {
    if (!t.empty()) out.insert(t);
  }
  return out;
}

std::string join(const std::set<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"This tool helps to query log directory usage on the specified brokers.", "kafka-log-dirs.sh"};
  std::string bootstrap_server, command_config, topic_list, broker_list;
  bool describe = false;
  app.add_option("--bootstrap-server", bootstrap_server, "REQUIRED: the server(s) to use for bootstrapping");
  app.add_option("--command-config", command_config, "Property file containing configs to be passed to Admin Client.");
  app.add_flag("--describe", describe, "Describe the specified log directories on the specified brokers.");
  app.add_option("--topic-list", topic_list,
                 "The list of topics to be queried in the form \"topic1,topic2,topic3\". All topics will be queried "
                 "if no topic list is specified");
  app.add_option("--broker-list", broker_list,
                 "The list of brokers to be queried in the form \"0,1,2\". All brokers in the cluster will be "
                 "queried if no broker list is specified");
  app.set_version_flag("--version", "gregor 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (bootstrap_server.empty()) {
    std::cerr << "Missing required argument \"[bootstrap-server]\"\n" << app.help();
    return 1;
  }
  if (!describe) {
    std::cerr << "Missing required argument \"[describe]\"\n" << app.help();
    return 1;
  }
  std::set<int32_t> input_brokers;
  {
    std::stringstream ss(broker_list);
    for (std::string b; std::getline(ss, b, ',');) {
      if (b.empty()) continue;
      auto id = gregor::tools::parse_int32(b);
      if (!id) {
        std::cerr << "For input string: \"" << b << "\"\n";
        return 1;
      }
      input_brokers.insert(*id);
    }
  }
  auto client = gregor::tools::bootstrapped_admin_client(bootstrap_server, command_config, "log-dirs-tool", std::cerr);
  if (!client) return 1;
  gc::sync_client& c = *client;
  const auto& brokers = c.async().metadata().brokers;
  std::set<int32_t> cluster;
  for (const auto& [id, b] : brokers) cluster.insert(id);
  std::set<int32_t> existing = input_brokers.empty() ? cluster : std::set<int32_t>{};
  std::set<int32_t> missing;
  for (int32_t id : input_brokers) (cluster.count(id) > 0 ? existing : missing).insert(id);
  if (!missing.empty()) {
    std::cerr << "ERROR: The given brokers do not exist from --broker-list: " << join(missing)
              << ". Current existent brokers: " << join(cluster) << "\n";
    return 1;
  }
  std::cout << "Querying brokers for log directories information" << std::endl;
  std::map<int32_t, gp::describe_log_dirs_response> answers;
  for (int32_t id : existing) {
    const auto& b = brokers.at(id);
    gp::describe_log_dirs_request req;
    req.topics = std::nullopt;  // every partition; the tool filters by --topic-list itself, as Kafka's
    auto answer = gregor::tools::call<gp::describe_log_dirs_response>(c, b, describe_version, req, "log-dirs-tool");
    if (!answer) {
      std::cerr << "Failed to describe the log dirs of broker " << id << " (" << b.host << ":" << b.port
                << "): " << answer.error().message() << "\n";
      return 1;
    }
    answers.emplace(id, std::move(*answer));
  }
  std::cout << "Received log directory information from brokers " << join(existing) << "\n";
  std::cout << gregor::tools::format_log_dirs_json(answers, split_topics(topic_list)) << std::endl;
  return 0;
}
