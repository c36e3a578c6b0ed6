// gregor-console-producer (kafka-console-producer.sh): one record per stdin line, sent through
// the client library's batching producer. Exits 0 at end of input once every record has been
// acknowledged; prints the error and exits 1 when a send fails.

#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "cli_util.h"
#include "gregor/client/errc.h"
#include "gregor/client/producer.h"
#include "gregor/client/sync_client.h"
#include "gregor/common/logger.h"
#include "gregor/compression/codec.h"
#include "line_reader.h"

namespace {

namespace gc = gregor::client;
using gregor::tools::parse_int64;

int fail(const std::string& message) {
  std::cerr << "ERROR " << message << "\n";
  return 1;
}

std::string failure_text(const gc::producer& p, const std::string& topic, const std::error_code& ec,
                         std::chrono::milliseconds max_block) {
  if (const auto& f = p.last_failure()) {
    std::string text = "Error when sending message to topic " + f->topic + " with error: ";
    text += f->message.empty() ? f->error.message() : f->message;
    if (f->records > 0) text += " (" + std::to_string(f->records) + " record(s) not delivered)";
    return text;
  }
  // No batch failed: the topic's metadata never became usable.
  if (gc::is_retriable(ec) || ec == gc::client_errc::no_broker_reachable) {
    return "Error when sending message to topic " + topic + ": Topic " + topic + " not present in metadata after " +
           std::to_string(max_block.count()) + " ms (" + ec.message() + ")";
  }
  return "Error when sending message to topic " + topic + ": " + ec.message();
}

} // namespace

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  CLI::App app{"Reads lines from standard input and publishes them to Kafka.", "kafka-console-producer.sh"};
  std::string bootstrap_server, broker_list, topic, codec_name, acks_text, producer_config;
  std::vector<std::string> producer_properties, properties;
  bool sync = false;
  int64_t batch_size = 16384;
  int64_t request_timeout_ms = 1500;
  app.add_option("--bootstrap-server", bootstrap_server, "The server(s) to connect to (host:port[,host:port]).");
  app.add_option("--broker-list", broker_list, "DEPRECATED, use --bootstrap-server instead.");
  app.add_option("--topic", topic, "The topic to produce messages to.")->required();
  app.add_flag("--sync", sync, "Send each message synchronously, as it arrives.");
  auto* codec_opt = app.add_option("--compression-codec", codec_name,
                                   "none, gzip, snappy, lz4 or zstd; given without a value it means gzip.");
  auto* batch_opt = app.add_option("--batch-size", batch_size, "Bytes of messages per partition batch (default 16384).");
  auto* acks_opt = app.add_option("--request-required-acks", acks_text, "Acks required for each request: 0, 1, -1/all (default -1).");
  auto* timeout_opt = app.add_option("--request-timeout-ms", request_timeout_ms, "Ack timeout of the requests (default 1500).");
  app.add_option("--producer-property", producer_properties, "A producer config key=value; repeatable.")->allow_extra_args(false);
  app.add_option("--producer.config", producer_config, "Producer config properties file.");
  app.add_option("--property", properties, "Line reader property key=value (parse.key, key.separator, ignore.error, null.marker).")
      ->allow_extra_args(false);
  app.set_version_flag("--version", "gregor 0.1.0");
  auto args = gregor::tools::expand_bare_codec_flag(argc, argv);
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // usage errors exit 1, as Kafka's tools do
  }
  if (bootstrap_server.empty()) bootstrap_server = broker_list;
  if (bootstrap_server.empty()) return fail("Missing required option(s) [bootstrap-server]");

  // Producer configs: the properties file, then --producer-property, then the explicit options.
  std::map<std::string, std::string> config;
  if (!producer_config.empty()) {
    auto file = gregor::tools::read_properties_file(producer_config);
    if (!file) return fail("Cannot read " + producer_config);
    config = std::move(*file);
  }
  std::string bad;
  auto extra = gregor::tools::parse_key_values(producer_properties, &bad);
  if (!extra) return fail("Invalid producer property (expected key=value): " + bad);
  for (auto& [k, v] : *extra) config[k] = v;
  if (acks_opt->count() > 0) config["acks"] = acks_text;
  if (codec_opt->count() > 0) config["compression.type"] = codec_name;
  if (batch_opt->count() > 0) config["batch.size"] = std::to_string(batch_size);
  if (timeout_opt->count() > 0 || config.count("request.timeout.ms") == 0) {
    config["request.timeout.ms"] = std::to_string(request_timeout_ms);
  }

  gc::producer_options popts;
  std::string acks = config.count("acks") > 0 ? config["acks"] : "-1";
  if (acks == "all") acks = "-1";
  auto acks_value = parse_int64(acks);
  if (!acks_value || (*acks_value != 0 && *acks_value != 1 && *acks_value != -1)) return fail("Invalid value " + acks + " for acks");
  popts.acks = static_cast<int16_t>(*acks_value);
  if (auto it = config.find("compression.type"); it != config.end()) {
    auto codec = gregor::compression::parse_codec_name(it->second);
    if (!codec) return fail("Unknown compression codec: " + it->second);
    popts.codec = *codec;
  }
  if (auto it = config.find("batch.size"); it != config.end()) {
    auto v = parse_int64(it->second);
    if (!v || *v < 0) return fail("Invalid value " + it->second + " for batch.size");
    popts.batch_size = static_cast<size_t>(*v);
  }
  if (auto it = config.find("max.request.size"); it != config.end()) {
    if (auto v = parse_int64(it->second); v && *v > 0) popts.max_request_size = static_cast<size_t>(*v);
  }
  if (auto it = config.find("max.block.ms"); it != config.end()) {
    if (auto v = parse_int64(it->second); v && *v >= 0) popts.max_block = std::chrono::milliseconds(*v);
  }
  if (auto it = config.find("delivery.timeout.ms"); it != config.end()) {
    if (auto v = parse_int64(it->second); v && *v > 0) popts.delivery_timeout = std::chrono::milliseconds(*v);
  }

  auto servers = gc::parse_bootstrap_servers(bootstrap_server);
  if (!servers) return fail("Invalid url in bootstrap.servers: " + bootstrap_server);
  gc::client_options copts;
  copts.bootstrap_servers = std::move(*servers);
  copts.client_id = config.count("client.id") > 0 ? config["client.id"] : "console-producer";
  if (auto v = parse_int64(config["request.timeout.ms"]); v && *v > 0) copts.request_timeout = std::chrono::milliseconds(*v);

  std::map<std::string, std::string> reader_props;
  auto parsed_props = gregor::tools::parse_key_values(properties, &bad);
  if (!parsed_props) return fail("Invalid property (expected key=value): " + bad);
  auto reader = gregor::tools::line_reader_options_from(*parsed_props);

  gc::sync_client client(copts);
  auto boot = client.run(client.async().bootstrap());
  if (!boot) return fail("Cannot connect to any broker in " + bootstrap_server + ": " + boot.error().message());
  gc::producer producer(client.async(), popts);

  std::string line;
  size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto parsed = gregor::tools::parse_line(reader, line, line_number);
    if (!parsed) {
      auto flushed = client.run(producer.flush());
      (void)flushed;
      return fail(parsed.error());
    }
    std::optional<gregor::bytes> key;
    std::optional<gregor::bytes> value;
    if (parsed->key) key = gregor::bytes(parsed->key->begin(), parsed->key->end());
    if (parsed->value) value = gregor::bytes(parsed->value->begin(), parsed->value->end());
    auto sent = client.run(producer.send(topic, std::move(key), std::move(value)));
    if (!sent) return fail(failure_text(producer, topic, sent.error(), popts.max_block));
    if (sync) {
      auto flushed = client.run(producer.flush());
      if (!flushed) return fail(failure_text(producer, topic, flushed.error(), popts.max_block));
    }
  }
  auto flushed = client.run(producer.flush());
  if (!flushed) return fail(failure_text(producer, topic, flushed.error(), popts.max_block));
  return 0;
}
