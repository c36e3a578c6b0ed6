#include "gregor/config/broker_config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "broker_config_index.h"
#include "config_value.h"
#include "gregor/config/config_def.h"
#include "gregor/config/properties.h"
#include "gregor/config/yaml.h"

namespace gregor::config {
namespace {

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw config_error("Cannot read configuration file '" + file.string() + "': " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw config_error("Cannot read configuration file '" + file.string() + "'");
  return ss.str();
}

// A per-listener key "listener.name.<listener>.[<mechanism>.]<key>": returns the registry entry of
// <key>, or nullptr when the name is not of that form.
const config_def* listener_prefixed_def(std::string_view name) {
  constexpr std::string_view prefix = "listener.name.";
  if (name.substr(0, prefix.size()) != prefix) return nullptr;
  std::string_view rest = name.substr(prefix.size());
  auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return nullptr;
  rest = rest.substr(dot + 1);
  if (const config_def* def = find_broker_config(rest)) return def;
  // SASL mechanism-scoped: listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config
  dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return nullptr;
  return find_broker_config(rest.substr(dot + 1));
}

}  // namespace

std::size_t broker_config_index(std::string_view key) {
  auto defs = broker_config_defs();
  const config_def* def = find_broker_config(key);
  if (!def) throw std::logic_error("broker_config: no registry entry for " + std::string(key));
  return static_cast<std::size_t>(def - defs.data());
}

broker_config broker_config::load(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::string text = read_file(file);
  std::string ext = lower(file.extension().string());
  std::vector<std::pair<std::string, std::string>> pairs =
      (ext == ".yaml" || ext == ".yml") ? flatten_yaml(text, file.string()) : parse_properties(text);
  for (const std::string& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || trim_java(std::string_view(o).substr(0, eq)).empty()) {
      throw config_error("Invalid override '" + o + "': expected key=value");
    }
    std::string_view ov(o);
    pairs.emplace_back(std::string(trim_java(ov.substr(0, eq))), std::string(trim_java(ov.substr(eq + 1))));
  }
  return from_pairs(pairs);
}

broker_config broker_config::from_map(const std::map<std::string, std::string>& values) {
  return from_pairs({values.begin(), values.end()});
}

broker_config broker_config::from_pairs(const std::vector<std::pair<std::string, std::string>>& values) {
  auto defs = broker_config_defs();
  broker_config c;
  c._slots.resize(defs.size());
  // Later occurrences win, as in java.util.Properties.
  std::map<std::string, std::string> effective;
  for (const auto& [k, v] : values) effective[k] = v;

  for (const auto& [key, raw] : effective) {
    if (const config_def* def = find_broker_config(key)) {
      slot& s = c._slots[static_cast<std::size_t>(def - defs.data())];
      config_value parsed;
      if (auto err = parse_value(*def, raw, parsed)) throw config_error(*err);
      s.text = format_value(def->type, parsed);
      s.parsed = std::move(parsed);
      s.is_set = true;
    } else if (const config_def* inner = listener_prefixed_def(key)) {
      // Validate by the inner key's type, so that a typo in a number still fails at startup.
      config_def named = *inner;
      named.name = key;
      if (auto err = check_value(named, raw)) throw config_error(*err);
      c._listener_prefixed[key] = std::string(trim_java(raw));
    } else {
      throw config_error("Unknown configuration '" + key + "'");
    }
  }
  for (std::size_t i = 0; i < defs.size(); ++i) {
    slot& s = c._slots[i];
    if (s.is_set || !defs[i].default_value) continue;
    config_value parsed;
    if (auto err = parse_value(defs[i], *defs[i].default_value, parsed)) {
      throw std::logic_error("invalid built-in default: " + *err);
    }
    s.text = format_value(defs[i].type, parsed);
    s.parsed = std::move(parsed);
  }
  c.derive();
  return c;
}

const broker_config::slot& broker_config::at(std::string_view key) const {
  return _slots[broker_config_index(key)];
}

int64_t broker_config::integer(std::size_t index) const { return std::get<int64_t>(_slots[index].parsed); }
bool broker_config::boolean(std::size_t index) const { return std::get<bool>(_slots[index].parsed); }
double broker_config::real(std::size_t index) const { return std::get<double>(_slots[index].parsed); }
const std::string& broker_config::text(std::size_t index) const { return std::get<std::string>(_slots[index].parsed); }

std::optional<std::string> broker_config::get(const std::string& key) const {
  const config_def* def = find_broker_config(key);
  if (!def) return std::nullopt;
  return _slots[static_cast<std::size_t>(def - broker_config_defs().data())].text;
}

bool broker_config::is_set(const std::string& key) const {
  const config_def* def = find_broker_config(key);
  return def && _slots[static_cast<std::size_t>(def - broker_config_defs().data())].is_set;
}

std::vector<broker_config::entry> broker_config::describe() const {
  auto defs = broker_config_defs();
  std::vector<entry> out;
  out.reserve(defs.size());
  for (std::size_t i = 0; i < defs.size(); ++i) {
    entry e;
    e.name = std::string(defs[i].name);
    e.sensitive = defs[i].type == config_type::password;
    e.value = e.sensitive ? std::nullopt : _slots[i].text;
    e.is_default = !_slots[i].is_set;
    e.read_only = !defs[i].dynamic;
    e.source = _slots[i].is_set ? "STATIC_BROKER_CONFIG" : "DEFAULT_CONFIG";
    out.push_back(std::move(e));
  }
  return out;
}

void broker_config::derive() {
  auto fail = [](const std::string& m) { throw config_error(m); };
  auto idx = [](std::string_view k) { return broker_config_index(k); };
  auto set = [this](std::string_view k) { return at(k).is_set; };

  // ZooKeeper mode only.
  if (!std::get<std::vector<std::string>>(at("process.roles").parsed).empty()) {
    fail("process.roles is set: KRaft mode is not supported; Gregor runs in ZooKeeper mode only");
  }
  if (!at("zookeeper.connect").text || at("zookeeper.connect").text->empty()) {
    fail("Missing required configuration `zookeeper.connect` which has no default value.");
  }

  // Broker id.
  int64_t id = integer(idx("broker.id"));
  int64_t max_id = integer(idx("reserved.broker.max.id"));
  if (boolean(idx("broker.id.generation.enable"))) {
    if (id < -1 || id > max_id) {
      fail("broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id");
    }
  } else if (id < 0) {
    fail("broker.id must be greater than or equal to 0");
  }

  // Listeners.
  _protocol_map = parse_security_protocol_map(text(idx("listener.security.protocol.map")));
  if (set("listeners") || (!set("port") && !set("host.name"))) {
    _listeners = parse_listeners(text(idx("listeners")), "listeners", _protocol_map, true);
  } else {
    // Legacy keys (Kafka <= 2.8): PLAINTEXT://<host.name>:<port>.
    const std::string& host = text(idx("host.name"));
    std::string legacy = "PLAINTEXT://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                         std::to_string(integer(idx("port")));
    _listeners = parse_listeners(legacy, "listeners", _protocol_map, true);
  }
  if (_listeners.empty()) fail("listeners must contain at least one listener");
  for (const listener& l : _listeners) {
    if (l.security_protocol != "PLAINTEXT") {
      fail("Listener " + to_string(l) + " uses security protocol " + l.security_protocol +
           ", which is not supported yet: only PLAINTEXT listeners can be served");
    }
  }
  if (set("advertised.listeners")) {
    _advertised = parse_listeners(text(idx("advertised.listeners")), "advertised.listeners", _protocol_map, false);
  } else if (set("advertised.host.name") || set("advertised.port")) {
    std::string host = set("advertised.host.name") ? text(idx("advertised.host.name")) : text(idx("host.name"));
    int64_t port = set("advertised.port") ? integer(idx("advertised.port")) : integer(idx("port"));
    std::string legacy = "PLAINTEXT://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                         std::to_string(port);
    _advertised = parse_listeners(legacy, "advertised.listeners", _protocol_map, false);
  } else {
    _advertised = _listeners;
  }
  std::set<std::string> listener_names;
  for (const listener& l : _listeners) listener_names.insert(l.name);
  std::string valid_names;
  for (const std::string& n : listener_names) valid_names += (valid_names.empty() ? "" : ",") + n;
  for (const listener& a : _advertised) {
    if (a.host == "0.0.0.0" || a.host == "::") {
      fail("advertised.listeners cannot use the nonroutable meta-address " + a.host + ". Use a routable IP address.");
    }
    if (!listener_names.count(a.name)) {
      fail("advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. "
           "Found " + a.name + ". The valid options based on the current configuration are " + valid_names);
    }
  }
  if (set("inter.broker.listener.name") && set("security.inter.broker.protocol")) {
    fail("Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.");
  }
  if (set("inter.broker.listener.name")) {
    _inter_broker_listener = text(idx("inter.broker.listener.name"));
    for (char& ch : _inter_broker_listener) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  } else {
    _inter_broker_listener = text(idx("security.inter.broker.protocol"));
  }
  std::string advertised_names;
  bool found = false;
  for (const listener& a : _advertised) {
    advertised_names += (advertised_names.empty() ? "" : ",") + a.name;
    found = found || a.name == _inter_broker_listener;
  }
  if (!found) {
    fail("inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options "
         "based on currently configured listeners are " + advertised_names);
  }
  if (auto cp = control_plane_listener_name(); cp && !listener_names.count(*cp)) {
    fail("control.plane.listener.name " + *cp + " must be a listener name defined in listeners");
  }

  // Log directories: log.dirs beats log.dir.
  std::string_view dirs = set("log.dirs") ? text(idx("log.dirs")) : text(idx("log.dir"));
  _log_dirs.clear();
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t comma = dirs.find(',', start);
    std::string_view item =
        trim_java(dirs.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!item.empty()) {
      std::string norm = std::filesystem::path(item).lexically_normal().string();
      while (norm.size() > 1 && norm.back() == '/') norm.pop_back();  // "/d/a/" is "/d/a"
      if (!seen.insert(norm).second) fail("Duplicate log directory found: " + std::string(dirs));
      _log_dirs.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (_log_dirs.empty()) fail("At least one log directory must be defined via log.dirs or log.dir.");

  // Time trios: *.ms beats *.minutes beats *.hours.
  constexpr int64_t minute = 60'000;
  constexpr int64_t hour = 3'600'000;
  _log_roll_ms = set("log.roll.ms") ? integer(idx("log.roll.ms")) : integer(idx("log.roll.hours")) * hour;
  if (_log_roll_ms < 1) fail("log.roll.ms must be greater than or equal to 1");
  _log_roll_jitter_ms =
      set("log.roll.jitter.ms") ? integer(idx("log.roll.jitter.ms")) : integer(idx("log.roll.jitter.hours")) * hour;
  if (_log_roll_jitter_ms < 0) fail("log.roll.jitter.ms must be greater than or equal to 0");
  if (set("log.retention.ms")) _log_retention_ms = integer(idx("log.retention.ms"));
  else if (set("log.retention.minutes")) _log_retention_ms = integer(idx("log.retention.minutes")) * minute;
  else _log_retention_ms = integer(idx("log.retention.hours")) * hour;
  if (_log_retention_ms < 0) _log_retention_ms = -1;
  if (_log_retention_ms == 0) fail("log.retention.ms must be unlimited (-1) or, greater than or equal to 1");

  // Cross-key checks Kafka makes at startup.
  int64_t cleaner_threads = integer(idx("log.cleaner.threads"));
  if (cleaner_threads > 0 && integer(idx("log.cleaner.dedupe.buffer.size")) / cleaner_threads <= 1024 * 1024) {
    fail("log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread.");
  }
  if (integer(idx("replica.fetch.wait.max.ms")) > integer(idx("replica.socket.timeout.ms"))) {
    fail("replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary "
         "socket timeouts");
  }
  if (integer(idx("replica.fetch.wait.max.ms")) > integer(idx("replica.lag.time.max.ms"))) {
    fail("replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent "
         "frequent changes in ISR");
  }
  int64_t acks = integer(idx("offsets.commit.required.acks"));
  if (acks < -1 || acks > integer(idx("offsets.topic.replication.factor"))) {
    fail("offsets.commit.required.acks must be greater or equal -1 and less or equal to "
         "offsets.topic.replication.factor");
  }
  int64_t queued_bytes = integer(idx("queued.max.request.bytes"));
  if (queued_bytes > 0 && queued_bytes < integer(idx("socket.request.max.bytes"))) {
    fail("queued.max.request.bytes must be larger or equal to socket.request.max.bytes");
  }
  if (integer(idx("group.min.session.timeout.ms")) > integer(idx("group.max.session.timeout.ms"))) {
    fail("group.min.session.timeout.ms must not be greater than group.max.session.timeout.ms");
  }
}

}  // namespace gregor::config
