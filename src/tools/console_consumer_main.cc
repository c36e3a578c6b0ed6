// gregor-console-consumer (kafka-console-consumer.sh): prints the records of a topic to stdout in
// DefaultMessageFormatter layout.
//
// Like Kafka's ConsoleConsumer it consumes as a member of a consumer group (group.id from
// --group, --consumer-property or --consumer.config; otherwise a generated
// "console-consumer-<n>" group without offset commits): the partitions come from the group's
// range assignment, each starts at the group's committed offset or per auto.offset.reset (latest;
// earliest with --from-beginning), and with enable.auto.commit (the default when a group is given)
// the position is committed every auto.commit.interval.ms, before each rebalance and at exit.
// With --partition it reads that partition alone from --offset (or the reset policy) without a
// group, and so it does against a broker that serves no group APIs.
//
// Stops after --max-messages, after --timeout-ms without a record, or on SIGINT/SIGTERM; then
// commits, leaves the group, prints "Processed a total of N messages" to stderr and exits 0.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "consumer_groups_console.h"
#include "gregor/client/errc.h"
#include "gregor/client/group_member.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "message_formatter.h"

namespace {

namespace gc = gregor::client;
using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::atomic<bool> stop_requested{false};

extern "C" void on_signal(int) { stop_requested = true; }

int fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

enum class start_at { earliest, latest, offset };

// Why a consume loop ended.
enum class outcome { done, failed };

// The state shared by both ways of consuming: the client, what to print, the limits.
struct console_session {
  gc::sync_client& client;
  std::string topic;
  gc::fetch_options fetch;
  gregor::tools::formatter_options format;
  std::optional<int64_t> max_messages;
  std::optional<int64_t> timeout_ms;
  bool reset_to_earliest = false;
  std::optional<std::string> reset_policy;  // "none": no reset, fail instead
  int64_t processed = 0;
  clock_type::time_point last_progress = clock_type::now();
  std::string error;  // set when a loop ends with outcome::failed

  static constexpr int32_t poll_ms = 500;

  bool done() const { return max_messages && processed >= *max_messages; }
  // A record must arrive within --timeout-ms of the previous one (or of the start).
  bool timed_out() const {
    return timeout_ms && clock_type::now() - last_progress >= milliseconds(*timeout_ms);
  }
  milliseconds timeout_left() const {
    if (!timeout_ms) return milliseconds(poll_ms);
    auto left = milliseconds(*timeout_ms) - std::chrono::duration_cast<milliseconds>(clock_type::now() - last_progress);
    return std::max(left, milliseconds(0));
  }
  void report_timeout() const {
    std::cerr << "ERROR Error processing message, terminating consumer process: TimeoutException\n";
  }
  static void pause(milliseconds d = milliseconds(100)) { std::this_thread::sleep_for(d); }

  // Every partition of the topic, once its metadata is known. Empty when stopped or timed out.
  std::vector<int32_t> wait_for_partitions() {
    while (true) {
      if (stop_requested) return {};
      if (timed_out()) {
        report_timeout();
        return {};
      }
      std::optional<std::vector<std::string>> wanted(std::in_place, 1, topic);
      auto md = client.run(client.async().refresh_metadata(wanted, false));
      if (md) {
        const auto* t = md->find_topic(topic);
        if (t != nullptr && !t->error && !t->partitions.empty()) {
          std::vector<int32_t> out;
          for (const auto& [p, info] : t->partitions) out.push_back(p);
          return out;
        }
        if (t != nullptr && t->error && !gc::is_retriable(t->error)) {
          error = "Cannot consume from " + topic + ": " + t->error.message();
          return {};
        }
      }
      pause();
    }
  }

  // ListOffsets at `ts` for `partitions`, retried until it works, we stop or time out.
  std::optional<std::map<int32_t, int64_t>> offsets_at(const std::vector<int32_t>& partitions, int64_t ts) {
    while (true) {
      auto listed = client.run(client.async().list_offsets(topic, partitions, ts, fetch.isolation));
      if (listed) return std::move(*listed);
      if (!gc::is_retriable(listed.error()) && listed.error() != gc::client_errc::timed_out) {
        error = "Cannot look up the offsets of " + topic + ": " + listed.error().message();
        return std::nullopt;
      }
      if (stop_requested) return std::nullopt;
      if (timed_out()) {
        report_timeout();
        return std::nullopt;
      }
      pause();
    }
  }

  // One fetch of `positions` waiting at most `max_wait`: prints what arrives and advances the
  // positions past the printed records. Out-of-range positions are reset per the policy.
  // false (with `error` set) on a fatal error.
  bool fetch_round(std::map<int32_t, int64_t>& positions, milliseconds max_wait) {
    fetch.max_wait_ms = static_cast<int32_t>(std::clamp<int64_t>(max_wait.count(), 0, poll_ms));
    auto fetched = client.run(client.async().fetch(topic, positions, fetch));
    if (!fetched) {
      if (!gc::is_retriable(fetched.error())) {
        error = "Fetch failed: " + fetched.error().message();
        return false;
      }
      pause();
      return true;
    }
    bool refresh = false;
    std::vector<int32_t> out_of_range;
    for (auto& f : *fetched) {
      if (f.error == gc::kafka_error(gregor::protocol::error_code::offset_out_of_range)) {
        out_of_range.push_back(f.partition);
        continue;
      }
      if (f.error) {
        if (!gc::is_retriable(f.error)) {
          error = "Fetch of " + topic + "-" + std::to_string(f.partition) + " failed: " + f.error.message();
          return false;
        }
        refresh = true;
        continue;
      }
      for (const auto& r : f.records) {
        if (done()) break;
        std::cout << gregor::tools::format_record(format, f.partition, r);
        ++processed;
        last_progress = clock_type::now();
        positions[f.partition] = r.offset + 1;
      }
      if (!done()) positions[f.partition] = std::max(positions[f.partition], f.next_offset);
    }
    std::cout.flush();
    if (!out_of_range.empty()) {
      if (reset_policy == "none") {
        error = "Offsets out of range with no configured reset policy for partitions: " + topic + "-" +
                std::to_string(out_of_range.front());
        return false;
      }
      int64_t ts = reset_to_earliest ? gc::earliest_timestamp : gc::latest_timestamp;
      auto reset = client.run(client.async().list_offsets(topic, out_of_range, ts, fetch.isolation));
      if (reset) {
        for (auto& [p, o] : *reset) positions[p] = o;
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
    return true;
  }

  // Reads `positions` (fixed partitions, no group) until done, stopped or timed out.
  outcome consume_assigned(std::map<int32_t, int64_t> positions) {
    while (!stop_requested && !done()) {
      if (timed_out()) {
        report_timeout();
        break;
      }
      if (!fetch_round(positions, timeout_left())) return outcome::failed;
    }
    return outcome::done;
  }

  outcome consume_in_group(const gregor::tools::console_group_config& cfg);
};

// Positions of `partitions`: the group's committed offsets, else per the reset policy.
std::optional<std::map<int32_t, int64_t>> starting_positions(console_session& s, const std::string& group,
                                                             const std::vector<int32_t>& partitions) {
  std::map<int32_t, int64_t> out;
  if (partitions.empty()) return out;
  std::vector<gregor::topic_partition> tps;
  for (int32_t p : partitions) tps.push_back({s.topic, p});
  std::optional<std::vector<gregor::topic_partition>> wanted(tps);
  auto committed = s.client.run(s.client.async().fetch_offsets(group, wanted));
  if (!committed) return std::nullopt;  // retried by the caller after a rejoin
  std::vector<int32_t> missing;
  for (int32_t p : partitions) {
    auto it = committed->find(gregor::topic_partition{s.topic, p});
    if (it != committed->end() && !it->second.error && it->second.offset >= 0) {
      out[p] = it->second.offset;
    } else {
      missing.push_back(p);
    }
  }
  if (!missing.empty()) {
    if (s.reset_policy == "none") {
      s.error = "Undefined offset with no reset policy for partitions: [" + s.topic + "-" + std::to_string(missing.front()) + "]";
      return std::nullopt;
    }
    auto reset = s.offsets_at(missing, s.reset_to_earliest ? gc::earliest_timestamp : gc::latest_timestamp);
    if (!reset) return std::nullopt;
    for (auto& [p, o] : *reset) out[p] = o;
  }
  return out;
}

// Commits `positions` with the member's generation; failures are logged and left for the next
// commit (as the Java consumer's auto commit does).
void commit_positions(console_session& s, gc::group_member& member, const std::map<int32_t, int64_t>& positions) {
  if (positions.empty() || member.generation_id() < 0) return;
  std::map<gregor::topic_partition, int64_t> offsets;
  for (const auto& [p, o] : positions) offsets[gregor::topic_partition{s.topic, p}] = o;
  auto done = s.client.run(member.commit(std::move(offsets)));
  if (!done) {
    gregor::get_logger("console-consumer")->warn("offset commit failed: {}", done.error().message());
    return;
  }
  for (const auto& [tp, ec] : *done) {
    if (ec) gregor::get_logger("console-consumer")->warn("offset commit of {} failed: {}", tp.to_string(), ec.message());
  }
}

outcome console_session::consume_in_group(const gregor::tools::console_group_config& cfg) {
  gc::group_member_options mo;
  mo.group_id = cfg.group_id;
  mo.group_instance_id = cfg.group_instance_id;
  mo.topics = {topic};
  mo.session_timeout = cfg.session_timeout;
  mo.heartbeat_interval = cfg.heartbeat_interval;
  mo.rebalance_timeout = cfg.max_poll_interval;
  mo.retry_backoff = milliseconds(100);
  gc::group_member member(client.async(), mo);
  std::map<int32_t, int64_t> positions;  // of the partitions we own
  bool positions_known = false;
  auto next_commit = clock_type::now() + cfg.auto_commit_interval;
  outcome result = outcome::done;

  while (!stop_requested && !done()) {
    if (timed_out()) {
      report_timeout();
      break;
    }
    if (member.needs_rejoin()) {
      // Eager rebalance: hand back what we consumed before giving the partitions up.
      if (cfg.auto_commit) commit_positions(*this, member, positions);
      positions.clear();
      positions_known = false;
      // Bounded so that --timeout-ms and signals are noticed between attempts.
      auto slice = timeout_ms ? std::min(timeout_left(), milliseconds(1000)) : milliseconds(1000);
      auto joined = client.run(member.ensure_active(clock_type::now() + slice));
      if (!joined) {
        if (joined.error() == gc::client_errc::timed_out) continue;
        error = "Cannot join group " + cfg.group_id + ": " + joined.error().message();
        result = outcome::failed;
        break;
      }
    }
    if (!positions_known) {
      std::vector<int32_t> mine;
      if (auto it = member.assignment().find(topic); it != member.assignment().end()) mine = it->second;
      auto start = starting_positions(*this, cfg.group_id, mine);
      if (!start) {
        if (!error.empty()) {
          result = outcome::failed;
          break;
        }
        pause();
        continue;
      }
      positions = std::move(*start);
      positions_known = true;
    }
    auto beat = client.run(member.poll_heartbeat());
    if (!beat) {
      error = "Group " + cfg.group_id + ": " + beat.error().message();
      result = outcome::failed;
      break;
    }
    if (member.needs_rejoin()) continue;
    if (cfg.auto_commit && clock_type::now() >= next_commit) {
      commit_positions(*this, member, positions);
      next_commit = clock_type::now() + cfg.auto_commit_interval;
      if (member.needs_rejoin()) continue;
    }
    auto wait = std::min({timeout_left(), member.time_to_next_heartbeat(), milliseconds(poll_ms)});
    if (positions.empty()) {
      // Nothing assigned to us: keep heartbeating until a rebalance brings partitions.
      pause(std::clamp(wait, milliseconds(10), milliseconds(100)));
      continue;
    }
    if (!fetch_round(positions, wait)) {
      result = outcome::failed;
      break;
    }
  }
  if (cfg.auto_commit) commit_positions(*this, member, positions);
  client.run(member.leave());
  return result;
}

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"Reads records from Kafka and prints them to standard output.", "kafka-console-consumer.sh"};
  std::string bootstrap_server, topic, offset_text, isolation_text = "read_uncommitted", consumer_config;
  std::optional<std::string> group;
  std::vector<std::string> properties, consumer_properties;
  bool from_beginning = false;
  std::optional<int32_t> partition;
  std::optional<int64_t> max_messages;
  std::optional<int64_t> timeout_ms;
  app.add_option("--bootstrap-server", bootstrap_server, "The server(s) to connect to (host:port[,host:port]).")->required();
  app.add_option("--topic", topic, "The topic to consume from.")->required();
  app.add_flag("--from-beginning", from_beginning,
               "Without a committed offset, start with the earliest message present instead of the latest.");
  app.add_option("--partition", partition, "The partition to consume from (no consumer group is used then).");
  auto* offset_opt = app.add_option("--offset", offset_text, "A non-negative offset, 'earliest' or 'latest' (default: latest); needs --partition.");
  app.add_option("--max-messages", max_messages, "Exit after consuming this many messages.");
  app.add_option("--timeout-ms", timeout_ms, "Exit if no message is available for this long.");
  app.add_option("--property", properties, "Formatter property key=value (print.key, print.timestamp, ...).")->allow_extra_args(false);
  app.add_option("--consumer-property", consumer_properties, "A consumer config key=value; repeatable.")->allow_extra_args(false);
  app.add_option("--consumer.config", consumer_config, "Consumer config properties file.");
  app.add_option("--isolation-level", isolation_text, "read_committed or read_uncommitted (default).");
  app.add_option("--group", group, "The consumer group id of the consumer.");
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

  std::map<std::string, std::string> file_config;
  if (!consumer_config.empty()) {
    auto file = gregor::tools::read_properties_file(consumer_config);
    if (!file) return fail("Cannot read " + consumer_config);
    file_config = std::move(*file);
  }
  std::string bad;
  auto extra = gregor::tools::parse_key_values(consumer_properties, &bad);
  if (!extra) return fail("Invalid consumer property (expected key=value): " + bad);
  std::map<std::string, std::string> config = file_config;
  for (auto& [k, v] : *extra) config[k] = v;
  auto props = gregor::tools::parse_key_values(properties, &bad);
  if (!props) return fail("Invalid property (expected key=value): " + bad);

  std::random_device seed;
  const int suffix = std::uniform_int_distribution<int>(0, 99'999)(seed);
  std::string error;
  auto group_cfg = gregor::tools::resolve_console_group(group, *extra, file_config, partition.has_value(), from_beginning,
                                                        suffix, error);
  if (!group_cfg) return fail(error);
  if (auto it = config.find("max.partition.fetch.bytes"); it != config.end()) {
    if (auto v = gregor::tools::parse_int32(it->second); v && *v > 0) fetch.partition_max_bytes = *v;
  }

  auto servers = gc::parse_bootstrap_servers(bootstrap_server);
  if (!servers) return fail("Invalid url in bootstrap.servers: " + bootstrap_server);
  gc::client_options copts;
  copts.bootstrap_servers = std::move(*servers);
  copts.client_id = group_cfg->client_id;

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  gc::sync_client client(copts);
  console_session s{client, topic, fetch, gregor::tools::formatter_options_from(*props), max_messages, timeout_ms};
  s.reset_to_earliest = group_cfg->auto_offset_reset == "earliest";
  s.reset_policy = group_cfg->auto_offset_reset;
  auto finish = [&](outcome how) {
    std::cout.flush();
    if (how == outcome::failed) std::cerr << "ERROR " << s.error << "\n";
    std::cerr << "Processed a total of " << s.processed << " messages\n";
    return how == outcome::failed ? 1 : 0;
  };

  auto boot = client.run(client.async().bootstrap());
  if (!boot) return fail("Cannot connect to any broker in " + bootstrap_server + ": " + boot.error().message());

  auto all_partitions = s.wait_for_partitions();
  if (all_partitions.empty()) return finish(s.error.empty() ? outcome::done : outcome::failed);

  bool use_group = !partition;
  if (use_group) {
    // A broker without the group APIs: read every partition without a group, as before.
    auto coordinator = client.run(client.async().find_coordinator(group_cfg->group_id));
    if (!coordinator && coordinator.error() == gc::client_errc::unsupported_version) use_group = false;
  }
  if (use_group) return finish(s.consume_in_group(*group_cfg));

  std::vector<int32_t> partitions;
  for (int32_t p : all_partitions) {
    if (!partition || *partition == p) partitions.push_back(p);
  }
  if (partition && partitions.empty()) return fail("Partition " + std::to_string(*partition) + " of topic " + topic + " does not exist");
  std::map<int32_t, int64_t> positions;
  if (start == start_at::offset) {
    for (int32_t p : partitions) positions[p] = start_offset;
  } else {
    if (offset_opt->count() == 0 && !from_beginning) start = s.reset_to_earliest ? start_at::earliest : start_at::latest;
    auto listed = s.offsets_at(partitions, start == start_at::earliest ? gc::earliest_timestamp : gc::latest_timestamp);
    if (!listed) return finish(s.error.empty() ? outcome::done : outcome::failed);
    positions = std::move(*listed);
  }
  return finish(s.consume_assigned(std::move(positions)));
}
