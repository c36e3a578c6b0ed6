#pragma once
// The registry of broker configuration keys Kafka 3.x (ZooKeeper mode) knows, with Kafka's types,
// defaults and validators, and the topic-level keys. Immutable static data: safe from any thread.
//
// Gregor acts on some keys (acted_on) and accepts the rest so that an operator's existing
// server.properties starts unchanged; accepted-only keys are validated and shown by
// DescribeConfigs but have no effect.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gregor::config {

enum class config_type : uint8_t { boolean, short_int, int_, long_int, double_, string, list, password, class_name };

// Kafka's spelling of the type, as used in error messages: "BOOLEAN", "SHORT", "INT", ...
std::string_view type_name(config_type t);

// How a value is checked beyond its type.
struct config_validator {
  enum class kind : uint8_t {
    none,
    range,        // numeric, [min, max] with either end optional
    one_of,       // string in `allowed`
    each_one_of,  // list whose every element is in `allowed`
    non_empty_list,
    throttled_replicas,  // "*" or "partition:broker,..." (topic *.replication.throttled.replicas)
  };
  kind k = kind::none;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string_view> allowed;
  bool case_insensitive = false;
};

struct config_def {
  std::string_view name;
  config_type type;
  std::optional<std::string_view> default_value;  // Kafka's default as text; nullopt = null
  config_validator validator;
  bool acted_on = false;  // Gregor reads this key; false = accepted only
  bool dynamic = false;   // Kafka can update it at runtime (DescribeConfigs read_only = !dynamic)
};

// All broker keys, sorted by name.
std::span<const config_def> broker_config_defs();
// nullptr when `name` is not a broker key. Keys of the form listener.name.<listener>.<key>
// (optionally with a SASL mechanism between) are not in the table; see broker_config.
const config_def* find_broker_config(std::string_view name);

// All topic-level keys (`/config/topics/<t>`, CreateTopics configs), sorted by name.
std::span<const config_def> topic_config_defs();
const config_def* find_topic_config(std::string_view name);

// Checks `raw` against `def`'s type and validator. Returns the Kafka-style error message
// ("Invalid value abc for configuration num.io.threads: Not a number of type INT") or nullopt.
std::optional<std::string> check_value(const config_def& def, std::string_view raw);

// Kafka's canonical text of a valid value: numbers without '+' or leading zeros, booleans in lower
// case, doubles as Java prints them ("0.5", "1.0"), lists re-joined with "," and no spaces.
// Precondition: check_value(def, raw) returned nullopt.
std::string canonical_value(const config_def& def, std::string_view raw);

}  // namespace gregor::config
