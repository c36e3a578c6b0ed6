#pragma once
// Dynamic configuration: the layers Kafka keeps in ZooKeeper on top of server.properties
// (/config/brokers/<default>, /config/brokers/<id>, /config/topics/<t>), the effective values they
// produce, what DescribeConfigs reports for them (value, source, synonyms), and the checks
// AlterConfigs / IncrementalAlterConfigs make before anything is written.
//
// Pure functions over values: thread-safe. No I/O here; the owners read and write ZooKeeper.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gregor/config/broker_config.h"
#include "gregor/config/config_def.h"

namespace gregor::config {

// Kafka's ConfigSource ids (DescribeConfigs v1+).
enum class config_source : int8_t {
  unknown = 0,
  dynamic_topic = 1,           // /config/topics/<t>
  dynamic_broker = 2,          // /config/brokers/<id>
  dynamic_default_broker = 3,  // /config/brokers/<default>
  static_broker = 4,           // server.properties / --override
  default_config = 5,          // built-in default
};
// "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", ... (Kafka's enum names).
const char* source_name(config_source s);

// The two dynamic broker layers; the per-broker one wins.
struct dynamic_layers {
  std::map<std::string, std::string> cluster_default;  // /config/brokers/<default>
  std::map<std::string, std::string> per_broker;       // /config/brokers/<id>
  friend bool operator==(const dynamic_layers&, const dynamic_layers&) = default;
};

// The static configuration with the dynamic layers applied (per broker > cluster default >
// static). Keys that are unknown, not dynamically updatable or invalid are skipped and, when
// `skipped` is given, reported there ("key=value"); if the combination fails a cross-key check the
// static configuration is returned unchanged (and every layer key reported as skipped).
broker_config apply_dynamic(const broker_config& static_cfg, const dynamic_layers& dyn,
                            std::vector<std::string>* skipped = nullptr);

// A topic's effective settings as text: built-in defaults < broker synonyms (all layers, trios
// resolved) < the topic's overrides. `effective_broker` is apply_dynamic's result.
std::map<std::string, std::string> effective_topic_values(const broker_config& effective_broker,
                                                          const std::map<std::string, std::string>& overrides);

struct config_synonym {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive keys
  config_source source = config_source::default_config;
};

// One DescribeConfigs entry.
struct described_config {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive keys (and null defaults)
  config_source source = config_source::default_config;
  bool read_only = true;
  bool sensitive = false;
  config_type type = config_type::string;
  std::vector<config_synonym> synonyms;  // Kafka's order; the first one gives the source
};

// Every topic key, name order, as Kafka's ConfigHelper reports it: source DYNAMIC_TOPIC_CONFIG when
// overridden, else the first broker synonym found in per-broker, cluster-default, static and
// built-in default layers (Kafka drops entries before the topic key's primary broker synonym, so
// log.retention.hours alone does not make retention.ms anything but DEFAULT_CONFIG).
std::vector<described_config> describe_topic(const broker_config& static_cfg, const dynamic_layers& dyn,
                                             const std::map<std::string, std::string>& overrides);

// The broker resource. per_broker (resource name = our id): every registry key with its effective
// value. Cluster default (empty name): only the keys set in /config/brokers/<default>, with
// synonyms restricted to that layer.
std::vector<described_config> describe_broker(const broker_config& static_cfg, const dynamic_layers& dyn,
                                              bool per_broker);

// Kafka's Type names as DescribeConfigs v3+ numbers them (ConfigType: BOOLEAN=1 ... PASSWORD=9).
int8_t config_type_id(config_type t);

// ---- AlterConfigs / IncrementalAlterConfigs checks ----

struct alter_error {
  enum class kind : uint8_t { invalid_request, invalid_config, unknown_topic } code = kind::invalid_request;
  std::string message;
};

// "ConfigResource(type=TOPIC, name='orders')", "ConfigResource(type=BROKER, name='')".
std::string topic_resource_text(const std::string& topic);
std::string broker_resource_text(const std::string& name);

// The complete new override set of a topic: unknown key -> INVALID_CONFIG "Unknown topic config
// name: k"; bad value -> INVALID_REQUEST "Invalid config value for resource ConfigResource(...):
// Invalid value ..." (Kafka's LogConfig.validate as ZkAdminManager wraps it).
std::optional<alter_error> validate_topic_overrides(const std::string& topic,
                                                    const std::map<std::string, std::string>& config);

// The complete new set for /config/brokers/<id> (per_broker) or <default>, in Kafka's order of
// checks: keys that are not dynamic ("Cannot update these configs dynamically: Set(k)"), SSL
// store keys without a listener prefix, invalid values, per-broker keys at cluster level. All
// INVALID_REQUEST, wrapped in "Invalid config value for resource ...". Unknown keys are accepted,
// as Kafka accepts custom keys (they have no effect).
std::optional<alter_error> validate_broker_dynamic(const std::string& resource_name,
                                                   const std::map<std::string, std::string>& config,
                                                   bool per_broker);

// Broker resource name -> id: "" = cluster default (nullopt); otherwise it must be our id.
// INVALID_REQUEST "Broker id must be an integer, but it is: x" or "Unexpected broker id, expected
// 1, but received 2".
struct broker_target {
  std::optional<int32_t> id;  // nullopt = <default>
};
std::optional<alter_error> parse_broker_resource(const std::string& name, int32_t self_id, broker_target& out);

// IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids).
enum class alter_op : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };
struct config_op {
  std::string name;
  int8_t op = 0;
  std::optional<std::string> value;
};

// Checks duplicates, null values and op ids, then applies `ops` to `current` (the stored set), as
// Kafka's prepareIncrementalConfigs: APPEND/SUBTRACT only on LIST keys, starting from the stored
// value or the key's default. `topic` selects the topic registry (else the broker registry).
std::optional<alter_error> apply_incremental(std::map<std::string, std::string>& current,
                                             const std::vector<config_op>& ops, bool topic);

// AlterConfigs' null check: "Null value not supported for : k1,k2".
std::optional<alter_error> check_no_nulls(const std::vector<std::pair<std::string, std::optional<std::string>>>& entries);

} // namespace gregor::config
