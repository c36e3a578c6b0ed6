// gregor-consumer-perf-test (scripts/kafka-consumer-perf-test.sh): Kafka's ConsumerPerformance
// flags and CSV output, with librdkafka as the client.
//
// Consumer groups come with issue 4, so --group names the client's group.id but no group is
// joined: the tool reads the topic's partitions from metadata and assigns all of them itself,
// from the beginning (or the end with --from-latest). "rebalance.time.ms" is the time that
// metadata lookup and assignment took. One application thread.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "client_config.h"
#include "date_format.h"

namespace {

namespace gp = gregor::perf;

struct options {
  std::string bootstrap_server;
  std::string broker_list;
  std::string topic;
  std::string group;
  int64_t messages = 0;
  int64_t fetch_size = 1024 * 1024;
  int64_t socket_buffer_size = 2 * 1024 * 1024;
  int64_t threads = 10;
  int64_t num_fetch_threads = 1;
  int64_t timeout_ms = 10000;
  int64_t reporting_interval_ms = 5000;
  bool show_detailed_stats = false;
  bool print_metrics = false;
  bool hide_header = false;
  bool from_latest = false;
  std::string consumer_config;
  std::string date_format = gp::kafka_default_date_format;
};

struct progress {
  int64_t messages = 0;
  int64_t bytes = 0;
  int64_t last_messages = 0;
  int64_t last_bytes = 0;
};

constexpr double mib = 1024.0 * 1024.0;
constexpr int64_t max_error_lines = 10;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int fail(const std::string& message) {
  std::fprintf(stderr, "ERROR %s\n", message.c_str());
  return 1;
}

void print_header(bool detailed) {
  const char* extended = ", rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
  if (detailed) {
    std::printf("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extended);
  } else {
    std::printf("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec%s\n", extended);
  }
}

// One --show-detailed-stats line: the interval [start_ms, end_ms) of a reporting period.
void print_progress(const progress& p, int64_t start_ms, int64_t end_ms, int64_t join_ms, const std::string& fmt) {
  double elapsed_ms = static_cast<double>(end_ms - start_ms);
  double interval_mb = static_cast<double>(p.bytes - p.last_bytes) / mib;
  double interval_msgs = static_cast<double>(p.messages - p.last_messages);
  double mb_per_sec = elapsed_ms > 0 ? 1000.0 * interval_mb / elapsed_ms : 0.0;
  double msgs_per_sec = elapsed_ms > 0 ? 1000.0 * interval_msgs / elapsed_ms : 0.0;
  int64_t fetch_ms = end_ms - start_ms - join_ms;
  double fetch_mb_sec = fetch_ms > 0 ? 1000.0 * interval_mb / static_cast<double>(fetch_ms) : 0.0;
  double fetch_msgs_sec = fetch_ms > 0 ? 1000.0 * interval_msgs / static_cast<double>(fetch_ms) : 0.0;
  std::printf("%s, %d, %.4f, %.4f, %lld, %.4f, %lld, %lld, %.4f, %.4f\n", gp::format_epoch_ms(end_ms, fmt).c_str(), 0,
              static_cast<double>(p.bytes) / mib, mb_per_sec, static_cast<long long>(p.messages), msgs_per_sec,
              static_cast<long long>(join_ms), static_cast<long long>(fetch_ms), fetch_mb_sec, fetch_msgs_sec);
  std::fflush(stdout);
}

int on_statistics(rd_kafka_t*, char* json, size_t json_len, void* opaque) {
  static_cast<std::string*>(opaque)->assign(json, json_len);
  return 0;  // librdkafka keeps ownership of json
}

// The topic's partition ids from metadata, retried until deadline_ms (a topic being created may
// not have leaders yet). Empty on failure, with *error set.
std::vector<int32_t> topic_partitions(rd_kafka_t* rk, const std::string& topic, int64_t deadline_ms,
                                      std::string* error) {
  gp::topic_ptr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  while (true) {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt.get(), &md, 5000);
    std::vector<int32_t> ids;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int i = 0; i < md->topic_cnt; ++i) {
        const auto& t = md->topics[i];
        if (topic != t.topic) continue;
        err = t.err;
        for (int p = 0; p < t.partition_cnt && err == RD_KAFKA_RESP_ERR_NO_ERROR; ++p) ids.push_back(t.partitions[p].id);
      }
      rd_kafka_metadata_destroy(md);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && !ids.empty()) {
      std::sort(ids.begin(), ids.end());
      return ids;
    }
    if (now_ms() >= deadline_ms) {
      *error = "no partitions found for topic " + topic + ": " +
               (err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(err) : "the topic has no partitions");
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"This tool helps in performance test for the consumer. Load comes from librdkafka. Consumer groups "
               "are not implemented yet (issue 4): the tool assigns every partition of the topic itself, from "
               "the beginning (--from-latest: the end), and commits nothing; --group only names the client's "
               "group.id. --threads and --num-fetch-threads are accepted and ignored, as in Kafka.",
               "kafka-consumer-perf-test.sh"};
  options o;
  std::random_device rd;
  o.group = "perf-consumer-" + std::to_string(rd() % 100000);
  app.add_option("--bootstrap-server", o.bootstrap_server, "REQUIRED unless --broker-list: the server(s) to connect to");
  app.add_option("--broker-list", o.broker_list, "DEPRECATED, use --bootstrap-server instead");
  app.add_option("--topic", o.topic, "REQUIRED: the topic to consume from")->required();
  app.add_option("--messages", o.messages, "REQUIRED: the number of messages to consume")->required();
  app.add_option("--group", o.group, "the group id (no group is joined until issue 4; see above)");
  app.add_option("--fetch-size", o.fetch_size, "the amount of data to fetch in a single request (per partition)");
  app.add_flag("--from-latest", o.from_latest, "start at the end of each partition instead of the beginning");
  app.add_option("--socket-buffer-size", o.socket_buffer_size, "the size of the TCP receive buffer");
  app.add_option("--threads", o.threads, "DEPRECATED AND IGNORED: number of processing threads");
  app.add_option("--num-fetch-threads", o.num_fetch_threads, "DEPRECATED AND IGNORED: number of fetcher threads");
  app.add_option("--consumer.config", o.consumer_config, "consumer config properties file");
  app.add_flag("--print-metrics", o.print_metrics, "print librdkafka's statistics (JSON) at the end");
  app.add_flag("--show-detailed-stats", o.show_detailed_stats,
               "report stats for each reporting interval (as configured by --reporting-interval)");
  app.add_option("--timeout", o.timeout_ms, "the maximum allowed time in milliseconds between returned records");
  app.add_option("--reporting-interval", o.reporting_interval_ms, "interval in milliseconds at which to print progress");
  app.add_option("--date-format", o.date_format, "the date format (java.text.SimpleDateFormat subset)");
  app.add_flag("--hide-header", o.hide_header, "do not print the header line");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  std::string bootstrap = o.bootstrap_server.empty() ? o.broker_list : o.bootstrap_server;
  if (bootstrap.empty()) return fail("Missing required argument \"[bootstrap-server]\"");
  if (o.reporting_interval_ms <= 0) return fail("Reporting interval must be greater than 0.");
  if (o.messages < 0) return fail("--messages must not be negative");
  if (app.count("--threads") > 0 || app.count("--num-fetch-threads") > 0) {
    std::printf("WARNING: option [threads] and [num-fetch-threads] have been deprecated and will be ignored by the test\n");
  }

  gp::properties props;
  if (!o.consumer_config.empty()) {
    auto file_props = gp::read_properties_file(o.consumer_config);
    if (!file_props) return fail("cannot read " + o.consumer_config);
    props = *file_props;
  }
  // The tool's own settings override the file, as Kafka's do.
  props["bootstrap.servers"] = bootstrap;
  props["group.id"] = o.group;
  props["socket.receive.buffer.bytes"] = std::to_string(o.socket_buffer_size);
  props["max.partition.fetch.bytes"] = std::to_string(o.fetch_size);
  props["auto.offset.reset"] = o.from_latest ? "latest" : "earliest";
  props["enable.auto.commit"] = "false";       // no group coordinator yet (issue 4)
  props["enable.auto.offset.store"] = "false";
  if (props.count("client.id") == 0) props["client.id"] = "perf-consumer-client";

  std::string statistics;
  gp::conf_ptr conf(rd_kafka_conf_new());
  std::string error;
  if (!gp::apply_java_properties(conf.get(), props, stderr, &error)) return fail(error);
  if (o.print_metrics) {
    if (props.count("statistics.interval.ms") == 0 &&
        !gp::set_property(conf.get(), "statistics.interval.ms", "1000", stderr, &error)) {
      return fail(error);
    }
    rd_kafka_conf_set_opaque(conf.get(), &statistics);
    rd_kafka_conf_set_stats_cb(conf.get(), on_statistics);
  }

  if (!o.hide_header) print_header(o.show_detailed_stats);

  char errstr[512];
  gp::kafka_ptr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), errstr, sizeof(errstr)));
  if (!rk) return fail(std::string("cannot create the consumer: ") + errstr);
  (void)conf.release();  // rd_kafka_new took ownership
  // Messages are read from the consumer queue; events and callbacks (errors, statistics) stay on
  // the main queue, served by rd_kafka_poll() in the loop below.

  int64_t start_ms = now_ms();
  std::vector<int32_t> partitions = topic_partitions(rk.get(), o.topic, start_ms + o.timeout_ms, &error);
  if (partitions.empty()) return fail(error);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
  for (int32_t p : partitions) {
    rd_kafka_topic_partition_list_add(assignment, o.topic.c_str(), p)->offset =
        o.from_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t assign_err = rd_kafka_assign(rk.get(), assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  if (assign_err != RD_KAFKA_RESP_ERR_NO_ERROR) return fail(std::string("assign failed: ") + rd_kafka_err2str(assign_err));
  int64_t join_ms = now_ms() - start_ms;
  int64_t join_ms_in_round = join_ms;

  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk.get());
  std::array<rd_kafka_message_t*, 1024> batch{};
  progress p;
  int64_t errors = 0;
  int64_t current_ms = now_ms();
  int64_t last_report_ms = current_ms;
  int64_t last_consumed_ms = current_ms;
  while (p.messages < o.messages && current_ms - last_consumed_ms <= o.timeout_ms) {
    rd_kafka_poll(rk.get(), 0);
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    current_ms = now_ms();
    bool got_records = false;
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && p.messages < o.messages) {
        got_records = true;
        ++p.messages;
        p.bytes += static_cast<int64_t>(m->key_len + m->len);
        if (current_ms - last_report_ms >= o.reporting_interval_ms) {
          if (o.show_detailed_stats) print_progress(p, last_report_ms, current_ms, join_ms_in_round, o.date_format);
          join_ms_in_round = 0;
          last_report_ms = current_ms;
          p.last_messages = p.messages;
          p.last_bytes = p.bytes;
        }
      } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (errors++ < max_error_lines) std::fprintf(stderr, "ERROR consumer: %s\n", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
    }
    if (got_records) last_consumed_ms = current_ms;
  }
  int64_t end_ms = now_ms();
  // A run shorter than statistics.interval.ms waits for the first report. Depending on the
  // librdkafka version the report arrives on the main or on the consumer queue: serve both.
  for (int64_t deadline = now_ms() + 1500; o.print_metrics && statistics.empty() && now_ms() < deadline;) {
    rd_kafka_poll(rk.get(), 50);
    if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 50)) rd_kafka_message_destroy(m);
  }
  rd_kafka_queue_destroy(queue);
  if (p.messages < o.messages) {
    std::printf("WARNING: Exiting before consuming the expected number of messages: timeout (%lld ms) exceeded. "
                "You can use the --timeout option to increase the timeout.\n",
                static_cast<long long>(o.timeout_ms));
  }
  rd_kafka_consumer_close(rk.get());

  if (!o.show_detailed_stats) {
    double elapsed_s = static_cast<double>(end_ms - start_ms) / 1000.0;
    int64_t fetch_ms = end_ms - start_ms - join_ms;
    double mb = static_cast<double>(p.bytes) / mib;
    double msgs = static_cast<double>(p.messages);
    auto rate = [](double amount, double secs) { return secs > 0 ? amount / secs : 0.0; };
    std::printf("%s, %s, %.4f, %.4f, %lld, %.4f, %lld, %lld, %.4f, %.4f\n",
                gp::format_epoch_ms(start_ms, o.date_format).c_str(), gp::format_epoch_ms(end_ms, o.date_format).c_str(),
                mb, rate(mb, elapsed_s), static_cast<long long>(p.messages), rate(msgs, elapsed_s),
                static_cast<long long>(join_ms), static_cast<long long>(fetch_ms),
                rate(mb, static_cast<double>(fetch_ms) / 1000.0), rate(msgs, static_cast<double>(fetch_ms) / 1000.0));
  }
  if (o.print_metrics) {
    std::printf("\nlibrdkafka statistics (the last emitted, see librdkafka's STATISTICS.md):\n%s\n", statistics.c_str());
  }
  std::fflush(stdout);
  return 0;
}
