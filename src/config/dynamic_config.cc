#include "gregor/config/dynamic_config.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "config_value.h"
#include "gregor/config/topic_config.h"

namespace gregor::config {

namespace {

using string_map = std::map<std::string, std::string>;

// Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the same broker value, most
// specific first (the time trios, log.flush.interval.ms), else the key alone.
std::vector<std::string> broker_synonyms(const std::string& key) {
  for (const config_def& def : topic_config_defs()) {
    auto row = topic_synonyms(def.name);
    if (row.size() > 1 && std::find(row.begin(), row.end(), key) != row.end()) return row;
  }
  return {key};
}

// Every key server.properties set, as canonical text (passwords in clear).
string_map static_set_values(const broker_config& cfg) {
  string_map out;
  for (const config_def& def : broker_config_defs()) {
    std::string key(def.name);
    if (!cfg.is_set(key)) continue;
    if (auto v = cfg.get(key)) out.emplace(key, *v);
  }
  return out;
}

string_map registry_defaults() {
  string_map out;
  for (const config_def& def : broker_config_defs()) {
    if (def.default_value) out.emplace(std::string(def.name), std::string(*def.default_value));
  }
  return out;
}

// Kafka's ConfigHelper.configSynonyms: entries of `names` found in each layer (per-broker,
// cluster default, static, built-in), then everything before the first entry named `name` dropped.
// `statics` is static_set_values() of the static configuration (computed once per describe).
std::vector<config_synonym> layer_synonyms(const std::string& name, const std::vector<std::string>& names,
                                           bool sensitive, const string_map& statics, const dynamic_layers& dyn) {
  static const string_map defaults = registry_defaults();
  std::vector<config_synonym> all;
  auto add = [&](const string_map& layer, config_source source) {
    for (const std::string& n : names) {
      auto it = layer.find(n);
      if (it == layer.end()) continue;
      all.push_back({n, sensitive ? std::nullopt : std::optional<std::string>(it->second), source});
    }
  };
  add(dyn.per_broker, config_source::dynamic_broker);
  add(dyn.cluster_default, config_source::dynamic_default_broker);
  add(statics, config_source::static_broker);
  add(defaults, config_source::default_config);
  auto first = std::find_if(all.begin(), all.end(), [&](const config_synonym& s) { return s.name == name; });
  return {first, all.end()};
}

std::string scala_set(const std::set<std::string>& keys) {
  std::string out = "Set(";
  bool first = true;
  for (const auto& k : keys) {
    if (!first) out += ", ";
    out += k;
    first = false;
  }
  return out + ")";
}

bool is_listener_config(const std::string& key) { return key.rfind("listener.name.", 0) == 0; }

// SslConfigs.RECONFIGURABLE_CONFIGS: keystore/truststore settings only per listener.
bool is_unprefixed_security_config(const std::string& key) {
  return key.rfind("ssl.keystore.", 0) == 0 || key.rfind("ssl.truststore.", 0) == 0 || key == "ssl.key.password";
}

bool is_per_broker_config(const std::string& key) {
  return key == "listeners" || key == "advertised.listeners" || key == "listener.security.protocol.map" ||
         is_unprefixed_security_config(key) || is_listener_config(key);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

alter_error request_error(std::string message) { return {alter_error::kind::invalid_request, std::move(message)}; }

const char* op_name(int8_t op) {
  switch (op) {
    case 0: return "SET";
    case 1: return "DELETE";
    case 2: return "APPEND";
    case 3: return "SUBTRACT";
  }
  return "UNKNOWN";
}

} // namespace

const char* source_name(config_source s) {
  switch (s) {
    case config_source::dynamic_topic: return "DYNAMIC_TOPIC_CONFIG";
    case config_source::dynamic_broker: return "DYNAMIC_BROKER_CONFIG";
    case config_source::dynamic_default_broker: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
    case config_source::static_broker: return "STATIC_BROKER_CONFIG";
    case config_source::default_config: return "DEFAULT_CONFIG";
    case config_source::unknown: break;
  }
  return "UNKNOWN";
}

int8_t config_type_id(config_type t) {
  switch (t) {
    case config_type::boolean: return 1;
    case config_type::string: return 2;
    case config_type::int_: return 3;
    case config_type::short_int: return 4;
    case config_type::long_int: return 5;
    case config_type::double_: return 6;
    case config_type::list: return 7;
    case config_type::class_name: return 8;
    case config_type::password: return 9;
  }
  return 0;
}

broker_config apply_dynamic(const broker_config& static_cfg, const dynamic_layers& dyn,
                            std::vector<std::string>* skipped) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& [k, v] : static_set_values(static_cfg)) pairs.emplace_back(k, v);
  for (const auto& [k, v] : static_cfg.listener_prefixed()) pairs.emplace_back(k, v);
  bool any = false;
  auto layer = [&](const string_map& values) {
    for (const auto& [k, v] : values) {
      const config_def* def = find_broker_config(k);
      if (!def || !def->dynamic || check_value(*def, v)) {
        if (skipped) skipped->push_back(k + "=" + v);
        continue;
      }
      pairs.emplace_back(k, v);
      any = true;
    }
  };
  layer(dyn.cluster_default);
  layer(dyn.per_broker);
  if (!any) return static_cfg;
  try {
    return broker_config::from_pairs(pairs);
  } catch (const config_error& e) {
    if (skipped) skipped->push_back(std::string("(all dynamic values: ") + e.what() + ")");
    return static_cfg;
  }
}

std::map<std::string, std::string> effective_topic_values(const broker_config& effective_broker,
                                                          const std::map<std::string, std::string>& overrides) {
  auto values = topic_defaults_from(effective_broker);
  for (const auto& [k, v] : overrides) {
    const config_def* def = find_topic_config(k);
    if (!def) continue;
    values[k] = check_value(*def, v) ? v : canonical_value(*def, v);
  }
  return values;
}

std::vector<described_config> describe_topic(const broker_config& static_cfg, const dynamic_layers& dyn,
                                             const std::map<std::string, std::string>& overrides) {
  broker_config effective = apply_dynamic(static_cfg, dyn);
  auto values = effective_topic_values(effective, overrides);
  const string_map statics = static_set_values(static_cfg);
  std::vector<described_config> out;
  for (const config_def& def : topic_config_defs()) {
    described_config c;
    c.name = std::string(def.name);
    c.type = def.type;
    c.sensitive = def.type == config_type::password;
    c.read_only = false;
    auto v = values.find(c.name);
    if (!c.sensitive && v != values.end()) c.value = v->second;
    auto row = topic_synonyms(def.name);
    if (!row.empty()) c.synonyms = layer_synonyms(row.front(), broker_synonyms(row.front()), c.sensitive, statics, dyn);
    if (overrides.count(c.name)) c.synonyms.insert(c.synonyms.begin(), {c.name, c.value, config_source::dynamic_topic});
    c.source = c.synonyms.empty() ? config_source::default_config : c.synonyms.front().source;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<described_config> describe_broker(const broker_config& static_cfg, const dynamic_layers& dyn,
                                              bool per_broker) {
  std::vector<described_config> out;
  const string_map statics = static_set_values(static_cfg);
  auto describe_one = [&](const std::string& name, std::optional<std::string> value) {
    const config_def* def = find_broker_config(name);
    described_config c;
    c.name = name;
    c.type = def ? def->type : config_type::string;
    c.sensitive = def && def->type == config_type::password;
    c.read_only = !(def && def->dynamic);
    c.value = c.sensitive ? std::nullopt : std::move(value);
    c.synonyms = layer_synonyms(name, broker_synonyms(name), c.sensitive, statics, dyn);
    if (!per_broker) {
      std::erase_if(c.synonyms, [](const config_synonym& s) { return s.source != config_source::dynamic_default_broker; });
    }
    c.source = c.synonyms.empty() ? config_source::default_config : c.synonyms.front().source;
    out.push_back(std::move(c));
  };
  if (!per_broker) {
    for (const auto& [k, v] : dyn.cluster_default) describe_one(k, v);
    return out;
  }
  broker_config effective = apply_dynamic(static_cfg, dyn);
  for (const config_def& def : broker_config_defs()) {
    std::string name(def.name);
    describe_one(name, effective.get(name));
  }
  return out;
}

std::string topic_resource_text(const std::string& topic) { return "ConfigResource(type=TOPIC, name='" + topic + "')"; }
std::string broker_resource_text(const std::string& name) { return "ConfigResource(type=BROKER, name='" + name + "')"; }

std::optional<alter_error> validate_topic_overrides(const std::string& topic,
                                                    const std::map<std::string, std::string>& config) {
  for (const auto& [k, v] : config) {
    if (!find_topic_config(k)) return alter_error{alter_error::kind::invalid_config, "Unknown topic config name: " + k};
  }
  for (const auto& [k, v] : config) {
    if (auto err = check_value(*find_topic_config(k), v)) {
      return request_error("Invalid config value for resource " + topic_resource_text(topic) + ": " + *err);
    }
  }
  // LogConfig.validate's cross-key check.
  auto number = [&](const char* key, int64_t dflt) {
    auto it = config.find(key);
    if (it == config.end()) return dflt;
    int64_t n = dflt;
    std::string canon = canonical_value(*find_topic_config(key), it->second);
    std::from_chars(canon.data(), canon.data() + canon.size(), n);
    return n;
  };
  int64_t min_lag = number("min.compaction.lag.ms", 0);
  int64_t max_lag = number("max.compaction.lag.ms", INT64_MAX);
  if (min_lag > max_lag) {
    return request_error("Invalid config value for resource " + topic_resource_text(topic) +
                         ": conflict topic config setting min.compaction.lag.ms (" + std::to_string(min_lag) +
                         ") > max.compaction.lag.ms (" + std::to_string(max_lag) + ")");
  }
  return std::nullopt;
}

std::optional<alter_error> validate_broker_dynamic(const std::string& resource_name,
                                                   const std::map<std::string, std::string>& config,
                                                   bool per_broker) {
  const std::string prefix = "Invalid config value for resource " + broker_resource_text(resource_name) + ": ";
  std::set<std::string> bad;
  for (const auto& [k, v] : config) {
    const config_def* def = find_broker_config(k);
    if (def && !def->dynamic) bad.insert(k);
  }
  if (!bad.empty()) return request_error(prefix + "Cannot update these configs dynamically: " + scala_set(bad));
  for (const auto& [k, v] : config) {
    if (is_unprefixed_security_config(k)) bad.insert(k);
  }
  if (!bad.empty()) {
    return request_error(prefix + "These security configs can be dynamically updated only per-listener using the "
                                  "listener prefix: " + scala_set(bad));
  }
  for (const auto& [k, v] : config) {
    if (const config_def* def = find_broker_config(k)) {
      if (auto err = check_value(*def, v)) return request_error(prefix + *err);
    }
  }
  if (!per_broker) {
    for (const auto& [k, v] : config) {
      if (is_per_broker_config(k)) bad.insert(k);
    }
    if (!bad.empty()) {
      return request_error(prefix + "Cannot update these configs at default cluster level, broker id must be "
                                    "specified: " + scala_set(bad));
    }
  }
  return std::nullopt;
}

std::optional<alter_error> parse_broker_resource(const std::string& name, int32_t self_id, broker_target& out) {
  out.id.reset();
  if (name.empty()) return std::nullopt;
  int32_t id = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (ec != std::errc() || end != name.data() + name.size()) {
    return request_error("Broker id must be an integer, but it is: " + name);
  }
  if (id != self_id) {
    return request_error("Unexpected broker id, expected " + std::to_string(self_id) + ", but received " + name);
  }
  out.id = id;
  return std::nullopt;
}

std::optional<alter_error> apply_incremental(std::map<std::string, std::string>& current,
                                             const std::vector<config_op>& ops, bool topic) {
  std::map<std::string, int> seen;
  for (const auto& o : ops) ++seen[o.name];
  std::string dups;
  for (const auto& [k, n] : seen) {
    if (n > 1) dups += (dups.empty() ? "" : ",") + k;
  }
  if (!dups.empty()) return request_error("Error due to duplicate config keys : " + dups);
  std::string nulls;
  for (const auto& o : ops) {
    if (o.op < 0 || o.op > 3) return request_error("Unknown config operation type " + std::to_string(o.op));
    if (!o.value && o.op != static_cast<int8_t>(alter_op::remove)) {
      nulls += (nulls.empty() ? "" : ",") + std::string(op_name(o.op)) + ":" + o.name;
    }
  }
  if (!nulls.empty()) return request_error("Null value not supported for : " + nulls);

  for (const auto& o : ops) {
    auto op = static_cast<alter_op>(o.op);
    if (op == alter_op::set) {
      current[o.name] = *o.value;
      continue;
    }
    if (op == alter_op::remove) {
      current.erase(o.name);
      continue;
    }
    const config_def* def = topic ? find_topic_config(o.name) : find_broker_config(o.name);
    if (!def) return alter_error{alter_error::kind::invalid_config, "Unknown topic config name: " + o.name};
    if (def->type != config_type::list) {
      return request_error(std::string("Config value ") + (op == alter_op::append ? "append" : "subtract") +
                           " is not allowed for config key: " + o.name);
    }
    std::string old_text;
    if (auto it = current.find(o.name); it != current.end()) old_text = it->second;
    else if (def->default_value) old_text = std::string(*def->default_value);
    std::vector<std::string> items = split_list(old_text);
    if (items.size() == 1 && items[0].empty()) items.clear();
    std::vector<std::string> change = split_list(*o.value);
    if (op == alter_op::append) {
      items.insert(items.end(), change.begin(), change.end());
    } else {
      // Scala's List.diff: removes one occurrence per element of `change`.
      for (const auto& c : change) {
        auto it = std::find(items.begin(), items.end(), c);
        if (it != items.end()) items.erase(it);
      }
    }
    current[o.name] = join_list(items);
  }
  return std::nullopt;
}

std::optional<alter_error> check_no_nulls(
    const std::vector<std::pair<std::string, std::optional<std::string>>>& entries) {
  std::string nulls;
  for (const auto& [k, v] : entries) {
    if (!v) nulls += (nulls.empty() ? "" : ",") + k;
  }
  if (nulls.empty()) return std::nullopt;
  return request_error("Null value not supported for : " + nulls);
}

} // namespace gregor::config
