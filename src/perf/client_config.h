#pragma once
// Client configuration for the perf tools: Kafka's Java property names (as given to
// kafka-*-perf-test.sh with --producer-props, --producer.config, --consumer.config) translated to
// librdkafka's, and RAII owners for librdkafka handles. Pure functions apart from the handles.

#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <librdkafka/rdkafka.h>

#include "cli_util.h"

namespace gregor::perf {

using properties = std::map<std::string, std::string>;

// Java properties files are read by the tools' reader (src/tools/cli_util.h).
using gregor::tools::read_properties_file;

// "key=value" split at the first '='; false when there is no '=' or the key is empty.
bool split_key_value(const std::string& entry, std::string& key, std::string& value);

// A Java client property as librdkafka knows it. An empty name means the property is dropped;
// note then says why (printed as a warning unless the drop is silent, e.g. serializer classes).
struct mapped_property {
  std::string name;
  std::string value;
  std::string note;
};
mapped_property map_java_property(const std::string& key, const std::string& value);

struct conf_deleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
struct kafka_deleter {
  void operator()(rd_kafka_t* k) const { rd_kafka_destroy(k); }
};
struct topic_deleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using conf_ptr = std::unique_ptr<rd_kafka_conf_t, conf_deleter>;
using kafka_ptr = std::unique_ptr<rd_kafka_t, kafka_deleter>;
using topic_ptr = std::unique_ptr<rd_kafka_topic_t, topic_deleter>;

// Sets one librdkafka property. Unknown names are warned about on `warn` and skipped (Kafka's
// clients also only warn about unknown configs); an invalid value is an error (false, *error set).
bool set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value, std::FILE* warn,
                  std::string* error);

// Maps and sets every property; stops at the first invalid value.
bool apply_java_properties(rd_kafka_conf_t* conf, const properties& props, std::FILE* warn, std::string* error);

} // namespace gregor::perf
