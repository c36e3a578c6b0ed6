// gregor-delete-records (kafka-delete-records.sh): reads Kafka's offset JSON file
// {"partitions":[{"topic":"t","partition":0,"offset":10}],"version":1}, sends DeleteRecords to each
// partition's leader and prints Kafka's DeleteRecordsCommand output:
//   Executing records delete operation
//   Records delete operation completed:
//   partition: t-0<TAB>low_watermark: 10            (or: partition: t-0<TAB>error: <exception>: <text>)
// Exit code 0 once the requests were answered (per-partition errors are printed, as Kafka does);
// 1 for a bad file, bad arguments or an unreachable cluster.

#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "admin_client_options.h"
#include "cli_util.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/messages/delete_records.h"
#include "raw_call.h"

namespace {

namespace gc = gregor::client;
namespace gp = gregor::protocol;

// v1: every broker with the API understands it (v2 only adds flexible encoding).
constexpr int16_t delete_version = 1;

struct wanted {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string name() const { return topic + "-" + std::to_string(partition); }
};

// Kafka's exception text for the errors DeleteRecords returns (what AdminClient users print).
std::string exception_text(gp::error_code e) {
  switch (e) {
  case gp::error_code::offset_out_of_range:
    return "org.apache.kafka.common.errors.OffsetOutOfRangeException: The requested offset is not within the range "
           "of offsets maintained by the server.";
  case gp::error_code::unknown_topic_or_partition:
    return "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this "
           "topic-partition.";
  case gp::error_code::not_leader_or_follower:
    return "org.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the "
           "leader, this error indicates that the broker is not the current leader. For requests intended for any "
           "replica, this error indicates that the broker is not a replica of the topic partition.";
  case gp::error_code::policy_violation:
    return "org.apache.kafka.common.errors.PolicyViolationException: Request parameters do not satisfy the "
           "configured policy.";
  case gp::error_code::leader_not_available:
    return "org.apache.kafka.common.errors.LeaderNotAvailableException: There is no leader for this topic-partition "
           "as we are in the middle of a leadership election.";
  default: return "org.apache.kafka.common.KafkaException: " + std::string(gp::error_name(e));
  }
}

// Parses the offset JSON file as Kafka's DeleteRecordsCommand does; an error text on failure.
std::variant<std::vector<wanted>, std::string> parse_offsets(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string("Could not parse the offset json file");
  auto version = doc.find("version");
  if (version != doc.end() && (!version->is_number_integer() || version->get<int64_t>() != 1)) {
    return std::string("Not supported version field value ") + version->dump();
  }
  auto parts = doc.find("partitions");
  if (parts == doc.end() || !parts->is_array()) return std::string("Missing partitions field");
  std::vector<wanted> out;
  for (const auto& p : *parts) {
    if (!p.is_object() || !p.contains("topic") || !p["topic"].is_string() || !p.contains("partition") ||
        !p["partition"].is_number_integer() || !p.contains("offset") || !p["offset"].is_number_integer()) {
      return std::string("Each partition needs \"topic\", \"partition\" and \"offset\": ") + p.dump();
    }
    out.push_back({p["topic"].get<std::string>(), p["partition"].get<int32_t>(), p["offset"].get<int64_t>()});
  }
  std::set<std::string> seen;
  std::vector<std::string> duplicates;
  for (const auto& w : out) {
    if (!seen.insert(w.name()).second) duplicates.push_back(w.name());
  }
  if (!duplicates.empty()) {
    std::string joined;
    for (const auto& d : duplicates) joined += (joined.empty() ? "" : ",") + d;
    return "Offset json file contains duplicate topic partitions: " + joined;
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"This tool helps to delete records of the given partitions down to the specified offset.",
               "kafka-delete-records.sh"};
  std::string bootstrap_server, offset_file, command_config;
  app.add_option("--bootstrap-server", bootstrap_server, "REQUIRED: The server to connect to.");
  app.add_option("--offset-json-file", offset_file,
                 "REQUIRED: The JSON file with offset per partition. The format to use is:\n"
                 "{\"partitions\":\n  [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}],\n \"version\":1\n}");
  app.add_option("--command-config", command_config, "A property file containing configs to be passed to Admin Client.");
  app.set_version_flag("--version", "gregor 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (bootstrap_server.empty() || offset_file.empty()) {
    std::cerr << "Missing required argument \"[" << (bootstrap_server.empty() ? "bootstrap-server" : "offset-json-file")
              << "]\"\n"
              << app.help();
    return 1;
  }
  std::ifstream in(offset_file);
  if (!in) {
    std::cerr << "Cannot read " << offset_file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_offsets(text.str());
  if (auto* err = std::get_if<std::string>(&parsed)) {
    std::cerr << "Error: " << *err << "\n";
    return 1;
  }
  auto wanted_list = std::get<std::vector<wanted>>(parsed);

  std::string options_error;
  auto co = gregor::tools::admin_client_options(bootstrap_server, command_config, "delete-records-tool", options_error);
  if (!co) {
    std::cerr << options_error << "\n";
    return 1;
  }
  auto timeout = co->request_timeout;
  gc::sync_client c(std::move(*co));
  std::cout << "Executing records delete operation" << std::endl;
  std::vector<std::string> topics;
  for (const auto& w : wanted_list) {
    if (std::find(topics.begin(), topics.end(), w.topic) == topics.end()) topics.push_back(w.topic);
  }
  auto md = c.run(c.async().refresh_metadata(topics));
  if (!md) {
    std::cerr << "Cannot connect to any broker in " << bootstrap_server << ": " << md.error().message() << "\n";
    return 1;
  }
  // Outcome per partition, and one request per leader.
  std::map<std::string, std::string> outcome;
  std::map<int32_t, gp::delete_records_request> by_leader;
  for (const auto& w : wanted_list) {
    if (md->find_partition(w.topic, w.partition) == nullptr) {
      outcome[w.name()] = "error: " + exception_text(gp::error_code::unknown_topic_or_partition);
      continue;
    }
    int32_t leader = md->leader_of(w.topic, w.partition);
    if (leader < 0 || md->find_broker(leader) == nullptr) {
      outcome[w.name()] = "error: " + exception_text(gp::error_code::leader_not_available);
      continue;
    }
    auto& req = by_leader[leader];
    req.timeout_ms = static_cast<int32_t>(timeout.count());
    auto t = std::find_if(req.topics.begin(), req.topics.end(), [&](const auto& x) { return x.name == w.topic; });
    if (t == req.topics.end()) {
      req.topics.emplace_back().name = w.topic;
      t = std::prev(req.topics.end());
    }
    auto& p = t->partitions.emplace_back();
    p.partition_index = w.partition;
    p.offset = w.offset;
  }
  for (auto& [leader, req] : by_leader) {
    const auto* b = md->find_broker(leader);
    auto answer = gregor::tools::call<gp::delete_records_response>(c, *b, delete_version, req, "delete-records-tool");
    for (const auto& t : req.topics) {
      for (const auto& p : t.partitions) {
        std::string name = t.name + "-" + std::to_string(p.partition_index);
        if (!answer) {
          outcome[name] = "error: org.apache.kafka.common.errors.TimeoutException: " + answer.error().message();
          continue;
        }
        outcome[name] = "error: " + exception_text(gp::error_code::unknown_server_error);
        for (const auto& rt : answer->topics) {
          if (rt.name != t.name) continue;
          for (const auto& rp : rt.partitions) {
            if (rp.partition_index != p.partition_index) continue;
            auto e = static_cast<gp::error_code>(rp.error_code);
            outcome[name] = e == gp::error_code::none ? "low_watermark: " + std::to_string(rp.low_watermark)
                                                      : "error: " + exception_text(e);
          }
        }
      }
    }
  }
  std::cout << "Records delete operation completed:" << std::endl;
  for (const auto& w : wanted_list) std::cout << "partition: " << w.name() << "\t" << outcome[w.name()] << "\n";
  std::cout.flush();
  return 0;
}
