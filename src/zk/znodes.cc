// JSON codecs of Kafka's znodes (ZOOKEEPER-LAYOUT.md §2).
//
// Encoders use ordered_json so the bytes match what Kafka writes, key order included. Decoders parse
// without exceptions and check every type before reading; the outer try/catch only guards against
// allocation failure so that "never throws" holds unconditionally.

#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "gregor/zk/znodes.h"

namespace gregor::zk {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) { return j.dump(); }

std::optional<json> parse(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

const json* find(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : &*it;
}

template <typename T>
std::optional<T> as_int(const json* v) {
  if (v == nullptr || !v->is_number_integer()) return std::nullopt;
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return std::nullopt;
    return static_cast<T>(u);
  }
  auto i = v->get<int64_t>();
  if (i < std::numeric_limits<T>::min() || i > std::numeric_limits<T>::max()) return std::nullopt;
  return static_cast<T>(i);
}

template <typename T>
std::optional<T> parse_decimal(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Kafka writes some numbers as JSON strings; accept either form.
template <typename T>
std::optional<T> as_int_or_string(const json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return parse_decimal<T>(v->get_ref<const std::string&>());
  return as_int<T>(v);
}

std::optional<std::string> as_string(const json* v) {
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->get<std::string>();
}

std::optional<std::vector<int32_t>> as_int_array(const json* v) {
  if (v == nullptr || !v->is_array()) return std::nullopt;
  std::vector<int32_t> out;
  out.reserve(v->size());
  for (const auto& e : *v) {
    auto i = as_int<int32_t>(&e);
    if (!i) return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

// {"<partition>":[replicas], ...}; absent -> empty map.
std::optional<std::map<int32_t, std::vector<int32_t>>> as_replica_map(const json* v) {
  std::map<int32_t, std::vector<int32_t>> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) return std::nullopt;
  for (auto it = v->begin(); it != v->end(); ++it) {
    auto p = parse_decimal<int32_t>(it.key());
    auto r = as_int_array(&it.value());
    if (!p || !r) return std::nullopt;
    out.emplace(*p, std::move(*r));
  }
  return out;
}

ojson replica_map_json(const std::map<int32_t, std::vector<int32_t>>& m) {
  ojson o = ojson::object();
  for (const auto& [p, r] : m) o[std::to_string(p)] = r;
  return o;
}

std::optional<std::vector<topic_partition>> as_partition_list(const json& root) {
  const json* parts = find(root, "partitions");
  if (parts == nullptr || !parts->is_array()) return std::nullopt;
  std::vector<topic_partition> out;
  out.reserve(parts->size());
  for (const auto& e : *parts) {
    if (!e.is_object()) return std::nullopt;
    auto t = as_string(find(e, "topic"));
    auto p = as_int<int32_t>(find(e, "partition"));
    if (!t || !p) return std::nullopt;
    out.push_back(topic_partition{std::move(*t), *p});
  }
  return out;
}

// Runs a decoder body, turning any escaping exception (allocation failure, a library surprise)
// into nullopt.
template <typename F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    return std::nullopt;
  }
}

std::string format_endpoint(const endpoint& e) {
  // IPv6 literals are bracketed, as Kafka's Utils.formatAddress does.
  bool v6 = e.host.find(':') != std::string::npos;
  return e.listener_name + "://" + (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

std::optional<endpoint> parse_endpoint(std::string_view s) {
  auto sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  endpoint e;
  e.listener_name = std::string(s.substr(0, sep));
  std::string_view rest = s.substr(sep + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto port = parse_decimal<int32_t>(rest.substr(colon + 1));
  if (!port) return std::nullopt;
  e.host = std::string(host);
  e.port = *port;
  return e;
}

} // namespace

// ---- broker registration ----

std::string encode_broker_registration(const broker_registration& r) {
  ojson features = ojson::object();
  for (const auto& [name, range] : r.features) {
    features[name] = ojson{{"min_version", range.first}, {"max_version", range.second}};
  }
  ojson protocols = ojson::object();
  ojson endpoints = ojson::array();
  const endpoint* plaintext = nullptr;
  for (const auto& e : r.endpoints) {
    if (!protocols.contains(e.listener_name)) protocols[e.listener_name] = e.security_protocol;
    endpoints.push_back(format_endpoint(e));
    if (plaintext == nullptr && e.security_protocol == "PLAINTEXT") plaintext = &e;
  }
  ojson j = ojson::object();
  j["features"] = std::move(features);
  j["listener_security_protocol_map"] = std::move(protocols);
  j["endpoints"] = std::move(endpoints);
  if (r.rack) j["rack"] = *r.rack;
  j["jmx_port"] = r.jmx_port;
  j["port"] = plaintext != nullptr ? plaintext->port : -1;
  j["host"] = plaintext != nullptr ? ojson(plaintext->host) : ojson(nullptr);
  j["version"] = 5;
  j["timestamp"] = std::to_string(r.timestamp_ms);
  return dump(j);
}

std::optional<broker_registration> decode_broker_registration(int32_t id, std::string_view text) {
  return guarded([&]() -> std::optional<broker_registration> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto version = as_int<int32_t>(find(*root, "version"));
    if (!version || *version < 1) return std::nullopt;
    broker_registration r;
    r.id = id;
    if (const json* jmx = find(*root, "jmx_port"); jmx != nullptr) {
      auto v = as_int<int32_t>(jmx);
      if (!v) return std::nullopt;
      r.jmx_port = *v;
    }
    if (const json* ts = find(*root, "timestamp"); ts != nullptr && !ts->is_null()) {
      auto v = as_int_or_string<int64_t>(ts);
      if (!v) return std::nullopt;
      r.timestamp_ms = *v;
    }
    if (const json* rack = find(*root, "rack"); rack != nullptr && !rack->is_null()) {
      auto v = as_string(rack);
      if (!v) return std::nullopt;
      r.rack = std::move(*v);
    }
    if (*version == 1) {
      auto host = as_string(find(*root, "host"));
      auto port = as_int<int32_t>(find(*root, "port"));
      if (!host || !port) return std::nullopt;
      r.endpoints.push_back(endpoint{"PLAINTEXT", std::move(*host), *port, "PLAINTEXT"});
    } else {
      const json* eps = find(*root, "endpoints");
      if (eps == nullptr || !eps->is_array()) return std::nullopt;
      const json* map = find(*root, "listener_security_protocol_map");
      if (map != nullptr && !map->is_null() && !map->is_object()) return std::nullopt;
      for (const auto& e : *eps) {
        if (!e.is_string()) return std::nullopt;
        auto ep = parse_endpoint(e.get_ref<const std::string&>());
        if (!ep) return std::nullopt;
        ep->security_protocol = ep->listener_name;  // v2/v3: the name is the protocol
        if (map != nullptr && map->is_object()) {
          auto proto = as_string(find(*map, ep->listener_name.c_str()));
          if (!proto) return std::nullopt;  // a listener without a protocol is unusable
          ep->security_protocol = std::move(*proto);
        }
        r.endpoints.push_back(std::move(*ep));
      }
    }
    if (const json* fs = find(*root, "features"); fs != nullptr && !fs->is_null()) {
      if (!fs->is_object()) return std::nullopt;
      for (auto it = fs->begin(); it != fs->end(); ++it) {
        if (!it.value().is_object()) return std::nullopt;
        auto lo = as_int<int16_t>(find(it.value(), "min_version"));
        auto hi = as_int<int16_t>(find(it.value(), "max_version"));
        if (!lo || !hi) return std::nullopt;
        r.features.emplace(it.key(), std::make_pair(*lo, *hi));
      }
    }
    return r;
  });
}

// ---- topic assignment ----

std::string encode_topic_assignment(const topic_assignment& a) {
  ojson j = ojson::object();
  j["version"] = 3;
  j["partitions"] = replica_map_json(a.partitions);
  j["adding_replicas"] = replica_map_json(a.adding_replicas);
  j["removing_replicas"] = replica_map_json(a.removing_replicas);
  if (a.topic_id) j["topic_id"] = a.topic_id->to_base64url();
  return dump(j);
}

std::optional<topic_assignment> decode_topic_assignment(std::string_view text) {
  return guarded([&]() -> std::optional<topic_assignment> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    const json* parts = find(*root, "partitions");
    if (parts == nullptr || !parts->is_object()) return std::nullopt;
    topic_assignment a;
    auto p = as_replica_map(parts);
    auto add = as_replica_map(find(*root, "adding_replicas"));
    auto rem = as_replica_map(find(*root, "removing_replicas"));
    if (!p || !add || !rem) return std::nullopt;
    a.partitions = std::move(*p);
    a.adding_replicas = std::move(*add);
    a.removing_replicas = std::move(*rem);
    if (const json* id = find(*root, "topic_id"); id != nullptr && !id->is_null()) {
      auto s = as_string(id);
      if (!s) return std::nullopt;
      auto u = uuid::from_base64url(*s);
      if (!u) return std::nullopt;
      a.topic_id = *u;
    }
    return a;
  });
}

// ---- partition state ----

std::string encode_partition_state(const partition_state& s) {
  ojson j = ojson::object();
  j["controller_epoch"] = s.controller_epoch;
  j["leader"] = s.leader;
  j["version"] = 1;
  j["leader_epoch"] = s.leader_epoch;
  j["isr"] = s.isr;
  if (s.leader_recovery_state != 0) j["leader_recovery_state"] = s.leader_recovery_state;
  return dump(j);
}

std::optional<partition_state> decode_partition_state(std::string_view text) {
  return guarded([&]() -> std::optional<partition_state> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto ce = as_int<int32_t>(find(*root, "controller_epoch"));
    auto leader = as_int<int32_t>(find(*root, "leader"));
    auto le = as_int<int32_t>(find(*root, "leader_epoch"));
    auto isr = as_int_array(find(*root, "isr"));
    if (!ce || !leader || !le || !isr) return std::nullopt;
    partition_state s{*ce, *leader, *le, std::move(*isr), 0};
    if (const json* lrs = find(*root, "leader_recovery_state"); lrs != nullptr) {
      auto v = as_int<int32_t>(lrs);
      if (!v) return std::nullopt;
      s.leader_recovery_state = *v;
    }
    return s;
  });
}

// ---- controller ----

std::string encode_controller(const controller_info& c) {
  ojson j = ojson::object();
  j["version"] = 1;
  j["brokerid"] = c.broker_id;
  j["timestamp"] = std::to_string(c.timestamp_ms);
  return dump(j);
}

std::optional<controller_info> decode_controller(std::string_view text) {
  return guarded([&]() -> std::optional<controller_info> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto id = as_int<int32_t>(find(*root, "brokerid"));
    if (!id) return std::nullopt;
    controller_info c;
    c.broker_id = *id;
    if (const json* ts = find(*root, "timestamp"); ts != nullptr && !ts->is_null()) {
      auto v = as_int_or_string<int64_t>(ts);
      if (!v) return std::nullopt;
      c.timestamp_ms = *v;
    }
    if (const json* k = find(*root, "kraftControllerEpoch"); k != nullptr) {
      auto v = as_int<int32_t>(k);
      if (!v) return std::nullopt;
      c.kraft_controller_epoch = *v;
    }
    return c;
  });
}

std::string encode_controller_epoch(int32_t epoch) { return std::to_string(epoch); }

std::optional<int32_t> decode_controller_epoch(std::string_view text) { return parse_decimal<int32_t>(text); }

// ---- cluster id ----

std::string encode_cluster_id(std::string_view id) {
  ojson j = ojson::object();
  j["version"] = "1";
  j["id"] = std::string(id);
  return dump(j);
}

std::optional<std::string> decode_cluster_id(std::string_view text) {
  return guarded([&]() -> std::optional<std::string> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto id = as_string(find(*root, "id"));
    if (!id || id->empty()) return std::nullopt;
    return id;
  });
}

// ---- entity config and change notifications ----

std::string encode_entity_config(const std::map<std::string, std::string>& config) {
  ojson cfg = ojson::object();
  for (const auto& [k, v] : config) cfg[k] = v;
  ojson j = ojson::object();
  j["version"] = 1;
  j["config"] = std::move(cfg);
  return dump(j);
}

std::optional<std::map<std::string, std::string>> decode_entity_config(std::string_view text) {
  return guarded([&]() -> std::optional<std::map<std::string, std::string>> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    std::map<std::string, std::string> out;
    const json* cfg = find(*root, "config");
    if (cfg == nullptr || cfg->is_null()) return out;
    if (!cfg->is_object()) return std::nullopt;
    for (auto it = cfg->begin(); it != cfg->end(); ++it) {
      if (it.value().is_string()) out.emplace(it.key(), it.value().get<std::string>());
      else if (it.value().is_null()) continue;
      else out.emplace(it.key(), it.value().dump());  // lenient: numbers/bools by their JSON text
    }
    return out;
  });
}

std::string encode_config_change(std::string_view entity_path) {
  ojson j = ojson::object();
  j["version"] = 2;
  j["entity_path"] = std::string(entity_path);
  return dump(j);
}

std::optional<std::string> decode_config_change(std::string_view text) {
  return guarded([&]() -> std::optional<std::string> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    if (auto p = as_string(find(*root, "entity_path")); p && !p->empty()) return p;
    auto type = as_string(find(*root, "entity_type"));
    auto name = as_string(find(*root, "entity_name"));
    if (!type || !name) return std::nullopt;
    return *type + "/" + *name;
  });
}

// ---- partition lists ----

std::string encode_isr_change_notification(const std::vector<topic_partition>& partitions) {
  ojson parts = ojson::array();
  for (const auto& tp : partitions) parts.push_back(ojson{{"topic", tp.topic}, {"partition", tp.partition}});
  ojson j = ojson::object();
  j["version"] = 1;
  j["partitions"] = std::move(parts);
  return dump(j);
}

std::optional<std::vector<topic_partition>> decode_isr_change_notification(std::string_view text) {
  return guarded([&]() -> std::optional<std::vector<topic_partition>> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    return as_partition_list(*root);
  });
}

std::optional<std::vector<topic_partition>> decode_preferred_replica_election(std::string_view text) {
  return decode_isr_change_notification(text);
}

std::string encode_preferred_replica_election(const std::vector<topic_partition>& partitions) {
  return encode_isr_change_notification(partitions);
}

std::string encode_reassignment(const std::map<topic_partition, std::vector<int32_t>>& reassignment) {
  ojson parts = ojson::array();
  for (const auto& [tp, replicas] : reassignment) {
    parts.push_back(ojson{{"topic", tp.topic}, {"partition", tp.partition}, {"replicas", replicas}});
  }
  ojson j = ojson::object();
  j["version"] = 1;
  j["partitions"] = std::move(parts);
  return dump(j);
}

std::optional<std::map<topic_partition, std::vector<int32_t>>> decode_reassignment(std::string_view text) {
  return guarded([&]() -> std::optional<std::map<topic_partition, std::vector<int32_t>>> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    const json* parts = find(*root, "partitions");
    if (parts == nullptr || !parts->is_array()) return std::nullopt;
    std::map<topic_partition, std::vector<int32_t>> out;
    for (const auto& e : *parts) {
      if (!e.is_object()) return std::nullopt;
      auto t = as_string(find(e, "topic"));
      auto p = as_int<int32_t>(find(e, "partition"));
      auto r = as_int_array(find(e, "replicas"));
      if (!t || !p || !r) return std::nullopt;
      out[topic_partition{std::move(*t), *p}] = std::move(*r);
    }
    return out;
  });
}

// ---- log dir events, producer id blocks, features ----

std::string encode_log_dir_event(int32_t broker_id) {
  ojson j = ojson::object();
  j["version"] = 1;
  j["broker"] = broker_id;
  j["event"] = 1;
  return dump(j);
}

std::optional<int32_t> decode_log_dir_event(std::string_view text) {
  return guarded([&]() -> std::optional<int32_t> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    return as_int<int32_t>(find(*root, "broker"));
  });
}

std::string encode_producer_id_block(const producer_id_block& b) {
  ojson j = ojson::object();
  j["version"] = 1;
  j["broker"] = b.broker;
  j["block_start"] = std::to_string(b.block_start);
  j["block_end"] = std::to_string(b.block_end);
  return dump(j);
}

std::optional<producer_id_block> decode_producer_id_block(std::string_view text) {
  return guarded([&]() -> std::optional<producer_id_block> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto broker = as_int<int32_t>(find(*root, "broker"));
    auto start = as_int_or_string<int64_t>(find(*root, "block_start"));
    auto end = as_int_or_string<int64_t>(find(*root, "block_end"));
    if (!broker || !start || !end) return std::nullopt;
    return producer_id_block{*broker, *start, *end};
  });
}

std::string encode_feature_znode(const feature_znode& f) {
  ojson features = ojson::object();
  for (const auto& [name, level] : f.max_version_levels) features[name] = ojson{{"max_version_level", level}};
  ojson j = ojson::object();
  j["version"] = 2;
  j["status"] = f.status;
  j["features"] = std::move(features);
  return dump(j);
}

std::optional<feature_znode> decode_feature_znode(std::string_view text) {
  return guarded([&]() -> std::optional<feature_znode> {
    auto root = parse(text);
    if (!root) return std::nullopt;
    auto status = as_int<int32_t>(find(*root, "status"));
    if (!status) return std::nullopt;
    feature_znode f;
    f.status = *status;
    const json* fs = find(*root, "features");
    if (fs == nullptr || fs->is_null()) return f;
    if (!fs->is_object()) return std::nullopt;
    for (auto it = fs->begin(); it != fs->end(); ++it) {
      if (!it.value().is_object()) return std::nullopt;
      auto hi = as_int<int16_t>(find(it.value(), "max_version_level"));
      if (!hi) return std::nullopt;
      f.max_version_levels.emplace(it.key(), *hi);
    }
    return f;
  });
}

} // namespace gregor::zk
