#include "client_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <string_view>

namespace gregor::perf {

namespace {

// Java-only settings with no meaning for a C client: dropped without a warning.
constexpr std::array<std::string_view, 8> java_only = {
    "key.serializer",   "value.serializer", "key.deserializer",    "value.deserializer",
    "partitioner.class", "interceptor.classes", "metric.reporters", "max.block.ms",
};

// Same meaning, different name in librdkafka.
struct rename {
  std::string_view java;
  std::string_view rdkafka;
};
constexpr std::array<rename, 4> renames = {{
    {"max.request.size", "message.max.bytes"},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
}};

} // namespace

bool split_key_value(const std::string& entry, std::string& key, std::string& value) {
  auto eq = entry.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  key = entry.substr(0, eq);
  value = entry.substr(eq + 1);
  return true;
}

mapped_property map_java_property(const std::string& key, const std::string& value) {
  for (auto name : java_only) {
    if (key == name) return {"", value, ""};
  }
  if (key == "transactional.id") {
    return {"", value, "transactional.id is ignored: transactions come with issue 7; records are sent without one"};
  }
  if (key == "buffer.memory") {
    // Java counts bytes; librdkafka's queue limit counts KiB.
    int64_t bytes = 0;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
    if (ec != std::errc() || p != value.data() + value.size() || bytes <= 0) return {"buffer.memory", value, ""};
    return {"queue.buffering.max.kbytes", std::to_string(std::max<int64_t>(bytes / 1024, 1)), ""};
  }
  for (const auto& r : renames) {
    if (key == r.java) return {std::string(r.rdkafka), value, ""};
  }
  return {key, value, ""};
}

bool set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value, std::FILE* warn,
                  std::string* error) {
  std::array<char, 512> err{};
  rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size());
  if (res == RD_KAFKA_CONF_OK) return true;
  if (res == RD_KAFKA_CONF_UNKNOWN) {
    std::fprintf(warn, "WARN The configuration '%s' was supplied but isn't a known config.\n", name.c_str());
    return true;
  }
  if (error != nullptr) *error = "Invalid value " + value + " for configuration " + name + ": " + err.data();
  return false;
}

bool apply_java_properties(rd_kafka_conf_t* conf, const properties& props, std::FILE* warn, std::string* error) {
  for (const auto& [key, value] : props) {
    mapped_property m = map_java_property(key, value);
    if (m.name.empty()) {
      if (!m.note.empty()) std::fprintf(warn, "WARN %s\n", m.note.c_str());
      continue;
    }
    if (!set_property(conf, m.name, m.value, warn, error)) return false;
  }
  return true;
}

} // namespace gregor::perf
