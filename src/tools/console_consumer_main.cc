// gregor-console-consumer (kafka-console-consumer.sh): prints the records of a topic's partitions
// to stdout in DefaultMessageFormatter layout. No consumer groups: every partition (or the one
// given with --partition) is assigned, starting at the latest offset unless --from-beginning or
// --offset say otherwise. Stops after --max-messages, after --timeout-ms without a record, or on
// SIGINT/SIGTERM; then prints "Processed a total of N messages" to stderr and exits 0.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "message_formatter.h"

namespace {

namespace gc = gregor::client;
using clock_type = std::chrono::steady_clock;

std::atomic<bool> stop_requested{false};

extern "C" void on_signal(int) { stop_requested = true; }

int fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

enum class start_at { earliest, latest, offset };

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"Reads records from Kafka and prints them to standard output.", "kafka-console-consumer.sh"};
  std::string bootstrap_server, topic, offset_text, isolation_text = "read_uncommitted", group, consumer_config;
  std::vector<std::string> properties, consumer_properties;
  bool from_beginning = false;
  std::optional<int32_t> partition;
  std::optional<int64_t> max_messages;
  std::optional<int64_t> timeout_ms;
  app.add_option("--bootstrap-server", bootstrap_server, "The server(s) to connect to (host:port[,host:port]).")->required();
  app.add_option("--topic", topic, "The topic to consume from.")->required();
  app.add_flag("--from-beginning", from_beginning, "Start with the earliest message present instead of the latest.");
  app.add_option("--partition", partition, "The partition to consume from (default: all partitions).");
  auto* offset_opt = app.add_option("--offset", offset_text, "A non-negative offset, 'earliest' or 'latest' (default: latest); needs --partition.");
  app.add_option("--max-messages", max_messages, "Exit after consuming this many messages.");
  app.add_option("--timeout-ms", timeout_ms, "Exit if no message is available for this long.");
  app.add_option("--property", properties, "Formatter property key=value (print.key, print.timestamp, ...).")->allow_extra_args(false);
  app.add_option("--consumer-property", consumer_properties, "A consumer config key=value; repeatable.")->allow_extra_args(false);
  app.add_option("--consumer.config", consumer_config, "Consumer config properties file.");
  app.add_option("--isolation-level", isolation_text, "read_committed or read_uncommitted (default).");
  app.add_option("--group", group, "Accepted for compatibility; consumer groups are not used (no offsets are committed).");
  app.set_version_flag("--version", "gregor 0.1.0");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // usage errors exit 1, as Kafka's tools do
  }

  if (offset_opt->count() > 0 && !partition) return fail("The partition is required when offset is specified.");
  if (offset_opt->count() > 0 && from_beginning) return fail("Options from-beginning and offset cannot be specified together.");
  start_at start = from_beginning ? start_at::earliest : start_at::latest;
  int64_t start_offset = -1;
  if (offset_opt->count() > 0) {
    if (offset_text == "earliest") {
      start = start_at::earliest;
    } else if (offset_text == "latest") {
      start = start_at::latest;
    } else {
      auto v = gregor::tools::parse_int64(offset_text);
      if (!v || *v < 0) return fail("The provided offset value '" + offset_text + "' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.");
      start = start_at::offset;
      start_offset = *v;
    }
  }
  gc::fetch_options fetch;
  if (isolation_text == "read_committed") {
    fetch.isolation = gc::isolation_level::read_committed;
  } else if (isolation_text != "read_uncommitted") {
    return fail("Invalid isolation level: " + isolation_text);
  }

  std::map<std::string, std::string> config;
  if (!consumer_config.empty()) {
    auto file = gregor::tools::read_properties_file(consumer_config);
    if (!file) return fail("Cannot read " + consumer_config);
    config = std::move(*file);
  }
  std::string bad;
  auto extra = gregor::tools::parse_key_values(consumer_properties, &bad);
  if (!extra) return fail("Invalid consumer property (expected key=value): " + bad);
  for (auto& [k, v] : *extra) config[k] = v;
  auto props = gregor::tools::parse_key_values(properties, &bad);
  if (!props) return fail("Invalid property (expected key=value): " + bad);
  auto format = gregor::tools::formatter_options_from(*props);
  // Where to go when an offset is out of range: auto.offset.reset, as the Java consumer does.
  bool reset_to_earliest = from_beginning;
  if (auto it = config.find("auto.offset.reset"); it != config.end()) reset_to_earliest = it->second == "earliest";
  if (auto it = config.find("max.partition.fetch.bytes"); it != config.end()) {
    if (auto v = gregor::tools::parse_int32(it->second); v && *v > 0) fetch.partition_max_bytes = *v;
  }

  auto servers = gc::parse_bootstrap_servers(bootstrap_server);
  if (!servers) return fail("Invalid url in bootstrap.servers: " + bootstrap_server);
  gc::client_options copts;
  copts.bootstrap_servers = std::move(*servers);
  copts.client_id = config.count("client.id") > 0 ? config["client.id"] : "console-consumer";

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  int64_t processed = 0;
  auto finish = [&](int code) {
    std::cout.flush();
    std::cerr << "Processed a total of " << processed << " messages\n";
    return code;
  };

  gc::sync_client client(copts);
  auto boot = client.run(client.async().bootstrap());
  if (!boot) return fail("Cannot connect to any broker in " + bootstrap_server + ": " + boot.error().message());

  // A record must arrive within --timeout-ms of the previous one (or of the start).
  auto last_progress = clock_type::now();
  auto timed_out = [&] {
    return timeout_ms && clock_type::now() - last_progress >= std::chrono::milliseconds(*timeout_ms);
  };
  auto pause = [&] { std::this_thread::sleep_for(std::chrono::milliseconds(100)); };

  // Wait for the topic's metadata (the Java consumer waits too, warning about the unknown topic).
  std::vector<int32_t> partitions;
  while (partitions.empty()) {
    if (stop_requested) return finish(0);
    if (timed_out()) {
      std::cerr << "ERROR Error processing message, terminating consumer process: TimeoutException\n";
      return finish(0);
    }
    std::optional<std::vector<std::string>> wanted(std::in_place, 1, topic);
    auto md = client.run(client.async().refresh_metadata(wanted, false));
    if (md) {
      const auto* t = md->find_topic(topic);
      if (t != nullptr && !t->error) {
        for (const auto& [p, info] : t->partitions) {
          if (!partition || *partition == p) partitions.push_back(p);
        }
        if (partition && partitions.empty()) return fail("Partition " + std::to_string(*partition) + " of topic " + topic + " does not exist");
      } else if (t != nullptr && t->error && !gc::is_retriable(t->error)) {
        return fail("Cannot consume from " + topic + ": " + t->error.message());
      }
    }
    if (partitions.empty()) pause();
  }

  // Starting offsets.
  std::map<int32_t, int64_t> offsets;
  if (start == start_at::offset) {
    for (int32_t p : partitions) offsets[p] = start_offset;
  } else {
    int64_t ts = start == start_at::earliest ? gc::earliest_timestamp : gc::latest_timestamp;
    for (;;) {
      auto listed = client.run(client.async().list_offsets(topic, partitions, ts, fetch.isolation));
      if (listed) {
        offsets = std::move(*listed);
        break;
      }
      if (!gc::is_retriable(listed.error()) && listed.error() != gc::client_errc::timed_out) {
        return fail("Cannot look up the offsets of " + topic + ": " + listed.error().message());
      }
      if (stop_requested) return finish(0);
      if (timed_out()) {
        std::cerr << "ERROR Error processing message, terminating consumer process: TimeoutException\n";
        return finish(0);
      }
      pause();
    }
  }

  const int32_t poll_ms = 500;
  while (!stop_requested) {
    if (max_messages && processed >= *max_messages) break;
    if (timed_out()) {
      std::cerr << "ERROR Error processing message, terminating consumer process: TimeoutException\n";
      break;
    }
    fetch.max_wait_ms = poll_ms;
    if (timeout_ms) {
      auto left = std::chrono::milliseconds(*timeout_ms) -
                   std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - last_progress);
      fetch.max_wait_ms = static_cast<int32_t>(std::clamp<int64_t>(left.count(), 0, poll_ms));
    }
    auto fetched = client.run(client.async().fetch(topic, offsets, fetch));
    if (!fetched) {
      if (!gc::is_retriable(fetched.error())) return finish(fail("Fetch failed: " + fetched.error().message()));
      pause();
      continue;
    }
    bool refresh = false;
    std::vector<int32_t> out_of_range;
    for (auto& f : *fetched) {
      if (f.error == gc::kafka_error(gregor::protocol::error_code::offset_out_of_range)) {
        out_of_range.push_back(f.partition);
        continue;
      }
      if (f.error) {
        if (!gc::is_retriable(f.error)) return finish(fail("Fetch of " + topic + "-" + std::to_string(f.partition) + " failed: " + f.error.message()));
        refresh = true;
        continue;
      }
      for (const auto& r : f.records) {
        if (max_messages && processed >= *max_messages) break;
        std::cout << gregor::tools::format_record(format, f.partition, r);
        ++processed;
        last_progress = clock_type::now();
        offsets[f.partition] = r.offset + 1;
      }
      if (!max_messages || processed < *max_messages) offsets[f.partition] = std::max(offsets[f.partition], f.next_offset);
    }
    std::cout.flush();
    if (!out_of_range.empty()) {
      int64_t ts = reset_to_earliest ? gc::earliest_timestamp : gc::latest_timestamp;
      auto reset = client.run(client.async().list_offsets(topic, out_of_range, ts, fetch.isolation));
      if (reset) {
        for (auto& [p, o] : *reset) offsets[p] = o;
      } else {
        refresh = true;
      }
    }
    if (refresh) {
      std::optional<std::vector<std::string>> wanted(std::in_place, 1, topic);
      auto md = client.run(client.async().refresh_metadata(wanted, false));
      (void)md;
      pause();
    }
  }
  return finish(0);
}
