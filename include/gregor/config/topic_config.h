#pragma once
// Topic-level configuration keys (`/config/topics/<t>`, CreateTopics/AlterConfigs entries) and
// their broker-level synonyms. Pure functions over immutable data: thread-safe.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gregor::config {

class broker_config;

// nullopt when `key` is a topic key and `value` is valid for it; otherwise Kafka's message:
// "Unknown topic config name: foo" or "Invalid value x for configuration retention.ms: ...".
// Does not throw (used on the request path by CreateTopics / AlterConfigs).
std::optional<std::string> topic_key_error(const std::string& key, const std::string& value);

// Broker keys a topic key falls back to, most specific first (retention.ms ->
// {log.retention.ms, log.retention.minutes, log.retention.hours}). Empty for a topic key without
// a broker synonym (the throttled-replica lists) and for unknown keys.
std::vector<std::string> topic_synonyms(std::string_view topic_key);

// Each topic key's effective broker-level value (canonical text; the trios resolved into ms).
std::map<std::string, std::string> topic_defaults_from(const broker_config& broker);

// As topic_defaults_from, with the source DescribeConfigs reports for a topic without override.
struct topic_default {
  std::string name;
  std::string value;
  std::string source;   // "STATIC_BROKER_CONFIG" when a synonym was set, else "DEFAULT_CONFIG"
  std::string synonym;  // the broker key that supplied the value ("" when none)
  bool sensitive = false;
};
std::vector<topic_default> describe_topic_defaults(const broker_config& broker);

}  // namespace gregor::config
