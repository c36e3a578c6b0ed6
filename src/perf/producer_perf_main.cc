// gregor-producer-perf-test (scripts/kafka-producer-perf-test.sh): Kafka's ProducerPerformance
// flags and output lines, with librdkafka (Debian's librdkafka1) as the client so that the load
// comes from an independent, fast producer rather than from Gregor's own client library.
//
// One application thread: it produces, and librdkafka's delivery reports run inside
// rd_kafka_poll() on that same thread, so the statistics need no locking.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "client_config.h"
#include "latency_stats.h"

namespace {

namespace gp = gregor::perf;
using clock_type = gp::latency_stats::clock;

struct options {
  std::string topic;
  int64_t num_records = 0;
  int64_t record_size = 0;
  std::string payload_file;
  std::string payload_delimiter = "\\n";
  bool payload_monotonic = false;
  double throughput = 0;
  std::vector<std::string> producer_props;
  std::string producer_config;
  bool print_metrics = false;
  std::string transactional_id;
  int64_t transaction_duration_ms = 0;
};

// State reached from librdkafka's callbacks (through the handle's opaque pointer).
struct run_state {
  gp::latency_stats stats;
  clock_type::time_point start;
  int64_t failed = 0;
  std::string last_statistics;
};

constexpr int64_t max_error_lines = 10;

int fail(const std::string& message) {
  std::fprintf(stderr, "ERROR %s\n", message.c_str());
  return 1;
}

// "\n", "\t", "\r" and "\\" written as two characters on the command line (Kafka's default
// delimiter is the string "\n") become the character itself.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[i + 1];
      if (n == 'n' || n == 't' || n == 'r' || n == '\\') {
        out += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : '\\';
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// Splits the payload file at every delimiter; trailing empty pieces are dropped, as Java's
// String.split does.
bool read_payloads(const std::string& path, const std::string& delimiter, std::vector<std::string>& out,
                   std::string& error) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  if (in) buf << in.rdbuf();
  std::string data = buf.str();
  if (!in || data.empty()) {
    error = "File does not exist or empty file provided.";
    return false;
  }
  std::string delim = unescape(delimiter);
  if (delim.empty()) delim = "\n";
  size_t pos = 0;
  while (true) {
    size_t next = data.find(delim, pos);
    if (next == std::string::npos) {
      out.push_back(data.substr(pos));
      break;
    }
    out.push_back(data.substr(pos, next - pos));
    pos = next + delim.size();
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  if (out.empty()) {
    error = "File does not exist or empty file provided.";
    return false;
  }
  return true;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  auto* state = static_cast<run_state*>(opaque);
  auto now = clock_type::now();
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (state->failed < max_error_lines) {
      std::fprintf(stderr, "ERROR Error when sending message to topic %s: %s\n",
                   msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "?", rd_kafka_err2str(msg->err));
    }
    ++state->failed;
    return;
  }
  auto sent_us = static_cast<int64_t>(reinterpret_cast<uintptr_t>(msg->_private));
  auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(now - state->start).count();
  state->stats.record(std::chrono::microseconds(now_us - sent_us), static_cast<int64_t>(msg->len), now, stdout);
}

int on_statistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<run_state*>(opaque)->last_statistics.assign(json, json_len);
  return 0;  // librdkafka keeps ownership of json
}

// xorshift64: picks payloads from the payload file without the cost of <random> per record.
uint64_t next_random(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"This tool is used to verify the producer performance. Load comes from librdkafka "
               "(Debian's librdkafka). --record-size payloads are random uppercase letters chosen once; "
               "transactions are not supported yet (--transactional-id is ignored).",
               "kafka-producer-perf-test.sh"};
  options o;
  app.add_option("--topic", o.topic, "produce messages to this topic")->required();
  app.add_option("--num-records", o.num_records, "number of messages to produce")->required();
  auto* size_opt = app.add_option("--record-size", o.record_size, "message size in bytes");
  auto* file_opt = app.add_option("--payload-file", o.payload_file,
                                  "file to read the message payloads from; a payload is chosen at random per record");
  app.add_option("--payload-delimiter", o.payload_delimiter,
                 "delimiter between payloads in --payload-file (default: new line)");
  auto* mono_opt = app.add_flag("--payload-monotonic", o.payload_monotonic,
                                "payload is a monotonically increasing integer");
  app.add_option("--throughput", o.throughput,
                 "throttle to approximately THROUGHPUT messages/sec; -1 disables throttling")
      ->required();
  app.add_option("--producer-props", o.producer_props,
                 "producer configuration properties PROP-NAME=PROP-VALUE ... (take precedence over --producer.config)");
  app.add_option("--producer.config", o.producer_config, "producer config properties file");
  app.add_flag("--print-metrics", o.print_metrics, "print librdkafka's statistics (JSON) at the end of the test");
  app.add_option("--transactional-id", o.transactional_id, "accepted and ignored: transactions come with issue 7");
  app.add_option("--transaction-duration-ms", o.transaction_duration_ms, "accepted and ignored (see --transactional-id)");
  if (argc <= 1) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  int payload_choices = static_cast<int>(size_opt->count() > 0) + static_cast<int>(file_opt->count() > 0) +
                        static_cast<int>(mono_opt->count() > 0);
  if (payload_choices != 1) {
    return fail("exactly one of --record-size, --payload-file or --payload-monotonic must be specified");
  }
  if (o.num_records <= 0) return fail("--num-records must be positive");
  if (size_opt->count() > 0 && (o.record_size < 0 || o.record_size > (1 << 30))) {
    return fail("--record-size must be between 0 and 1073741824");
  }
  if (!o.transactional_id.empty() || o.transaction_duration_ms > 0) {
    std::fprintf(stderr, "WARN transactions are not supported yet (issue 7): --transactional-id and "
                         "--transaction-duration-ms are ignored\n");
  }

  // Properties: the file first, then --producer-props, which take precedence.
  gp::properties props;
  if (!o.producer_config.empty()) {
    auto file_props = gp::read_properties_file(o.producer_config);
    if (!file_props) return fail("cannot read " + o.producer_config);
    props = *file_props;
  }
  for (const auto& entry : o.producer_props) {
    std::string key, value;
    if (!gp::split_key_value(entry, key, value)) return fail("Invalid property: " + entry);
    props[key] = value;
  }
  if (props.count("bootstrap.servers") == 0) {
    return fail("Missing required configuration \"bootstrap.servers\" (use --producer-props bootstrap.servers=host:port)");
  }
  if (props.count("client.id") == 0) props["client.id"] = "perf-producer-client";

  std::vector<std::string> payloads;
  std::string fixed_payload;
  if (file_opt->count() > 0) {
    std::printf("Reading payloads from: %s\n", std::filesystem::absolute(o.payload_file).c_str());
    std::string error;
    if (!read_payloads(o.payload_file, o.payload_delimiter, payloads, error)) return fail(error);
    std::printf("Number of messages read: %zu\n", payloads.size());
  } else if (size_opt->count() > 0) {
    fixed_payload.resize(static_cast<size_t>(o.record_size));
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (auto& c : fixed_payload) c = static_cast<char>('A' + next_random(seed) % 26);
  }

  auto start = clock_type::now();
  run_state state{gp::latency_stats(o.num_records, start, std::chrono::milliseconds(5000)), start, 0, {}};

  gp::conf_ptr conf(rd_kafka_conf_new());
  std::string error;
  if (!gp::apply_java_properties(conf.get(), props, stderr, &error)) return fail(error);
  if (o.print_metrics && props.count("statistics.interval.ms") == 0) {
    if (!gp::set_property(conf.get(), "statistics.interval.ms", "1000", stderr, &error)) return fail(error);
  }
  rd_kafka_conf_set_opaque(conf.get(), &state);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), on_delivery);
  if (o.print_metrics) rd_kafka_conf_set_stats_cb(conf.get(), on_statistics);
  char errstr[512];
  gp::kafka_ptr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof(errstr)));
  if (!rk) return fail(std::string("cannot create the producer: ") + errstr);
  (void)conf.release();  // rd_kafka_new took ownership
  gp::topic_ptr rkt(rd_kafka_topic_new(rk.get(), o.topic.c_str(), nullptr));
  if (!rkt) return fail(std::string("cannot create topic handle: ") + rd_kafka_err2str(rd_kafka_last_error()));

  // The run starts now (the stats' clock too), as Kafka's starts after creating its producer.
  start = clock_type::now();
  state.start = start;
  state.stats = gp::latency_stats(o.num_records, start, std::chrono::milliseconds(5000));
  uint64_t pick = 0x2545f4914f6cdd1dULL;
  std::string monotonic;
  for (int64_t i = 0; i < o.num_records; ++i) {
    const char* data = fixed_payload.data();
    size_t len = fixed_payload.size();
    int flags = 0;  // fixed payloads outlive the producer: no copy
    if (!payloads.empty()) {
      const auto& p = payloads[next_random(pick) % payloads.size()];
      data = p.data();
      len = p.size();
    } else if (o.payload_monotonic) {
      monotonic = std::to_string(i);
      data = monotonic.data();
      len = monotonic.size();
      flags = RD_KAFKA_MSG_F_COPY;
    }
    auto now = clock_type::now();
    auto sent_us = std::chrono::duration_cast<std::chrono::microseconds>(now - start).count();
    void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(sent_us));
    while (rd_kafka_produce(rkt.get(), RD_KAFKA_PARTITION_UA, flags, const_cast<char*>(data), len, nullptr, 0,
                            opaque) != 0) {
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (state.failed < max_error_lines) {
          std::fprintf(stderr, "ERROR Error when sending message to topic %s: %s\n", o.topic.c_str(),
                       rd_kafka_err2str(err));
        }
        ++state.failed;
        break;
      }
      rd_kafka_poll(rk.get(), 5);  // queue full: serve delivery reports until there is room
    }
    rd_kafka_poll(rk.get(), 0);
    if (o.throughput > 0) {
      // Sleep (serving delivery reports) while ahead of the target rate.
      while (true) {
        double ahead_s = static_cast<double>(i + 1) / o.throughput -
                         std::chrono::duration<double>(clock_type::now() - start).count();
        if (ahead_s < 0.001) break;
        rd_kafka_poll(rk.get(), static_cast<int>(std::min(ahead_s * 1000.0, 100.0)));
      }
    }
  }
  while (rd_kafka_outq_len(rk.get()) > 0) rd_kafka_poll(rk.get(), 50);
  auto end = clock_type::now();
  state.stats.print_total(end, stdout);
  if (o.print_metrics) {
    // A run shorter than statistics.interval.ms waits for the first report.
    for (int waited = 0; state.last_statistics.empty() && waited < 1500; waited += 100) rd_kafka_poll(rk.get(), 100);
    std::printf("\nlibrdkafka statistics (the last emitted, see librdkafka's STATISTICS.md):\n%s\n",
                state.last_statistics.c_str());
  }
  rkt.reset();
  rk.reset();
  if (state.failed > 0) {
    std::fprintf(stderr, "ERROR %lld of %lld records were not delivered\n", static_cast<long long>(state.failed),
                 static_cast<long long>(o.num_records));
    return 1;
  }
  return 0;
}
