// kafka-configs --zookeeper: reads /config/<type>/<name> and, for --alter, rewrites it and creates
// the /config/changes notification (kafka_zk::set_entity_config), as Kafka's ConfigCommand did in
// ZooKeeper mode. Values are checked with the broker's rules before anything is written.

#include <algorithm>
#include <charconv>
#include <ostream>

#include <boost/asio/io_context.hpp>

#include "configs_command.h"
#include "gregor/client/sync_client.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/zk/kafka_zk.h"
#include "gregor/zk/session.h"

namespace gregor::tools {

namespace {

namespace asio = boost::asio;

constexpr int configs_zk_session_timeout_ms = 30'000;
constexpr int configs_zk_connection_timeout_ms = 30'000;

class zk_access {
public:
  explicit zk_access(std::string connect)
    : _session(_io.get_executor(), std::move(connect), configs_zk_session_timeout_ms), _zk(_session) {}
  ~zk_access() { client::run_blocking(_io, _session.close()); }

  template <class T>
  T run(asio::awaitable<T> op) {
    return client::run_blocking(_io, std::move(op));
  }
  zk::session& session() { return _session; }
  zk::kafka_zk& kafka() { return _zk; }

private:
  asio::io_context _io;
  zk::session _session;
  zk::kafka_zk _zk;
};

// Kafka's ConfigCommand.Entity rendering: "topic 'orders'", "brokers '1'", "default brokers".
std::string entity_text(const std::string& type, const std::string& name) {
  std::string type_name = type == "topics" ? "topic" : type;
  if (name == "<default>") return "default " + type_name;
  return type_name + " '" + name + "'";
}

int zk_error(std::ostream& err, const std::string& message) {
  err << "Error while executing config command: " << message << "\n";
  return 1;
}

} // namespace

int run_configs_zookeeper(const configs_options& o, std::ostream& out, std::ostream& err) {
  zk_access zk(o.zookeeper);
  auto started = zk.run(zk.session().start(configs_zk_connection_timeout_ms));
  if (!started) return zk_error(err, "cannot connect to ZooKeeper at " + o.zookeeper + ": " + started.error().message());

  std::vector<std::string> names;
  if (o.entity_default) {
    names.push_back("<default>");
  } else if (o.entity_name) {
    names.push_back(*o.entity_name);
  } else if (o.entity_type == "topics") {
    auto all = zk.run(zk.kafka().list_topics());
    if (!all) return zk_error(err, all.error().message());
    names = *all;
    std::sort(names.begin(), names.end());
  } else {
    auto children = zk.run(zk.session().children("/config/brokers"));
    if (children) names = *children;
    std::sort(names.begin(), names.end());
  }

  if (o.describe) {
    for (const auto& name : names) {
      auto cfg = zk.run(zk.kafka().get_entity_config(o.entity_type, name));
      if (!cfg) return zk_error(err, cfg.error().message());
      std::string joined;
      for (const auto& [k, v] : *cfg) joined += (joined.empty() ? "" : ",") + k + "=" + v;
      out << "Configs for " << entity_text(o.entity_type, name) << " are " << joined << "\n";
    }
    return 0;
  }

  const std::string& name = names.front();
  std::string parse_error;
  std::map<std::string, std::string> added;
  if (!o.add_config.empty()) {
    auto parsed = parse_add_config(o.add_config, parse_error);
    if (!parsed) {
      err << parse_error << "\n";
      return 1;
    }
    added = std::move(*parsed);
  }
  auto deleted = parse_delete_config(o.delete_config);

  if (o.entity_type == "topics") {
    auto exists = zk.run(zk.kafka().get_topic_assignment(name));
    if (!exists) return zk_error(err, exists.error().message());
    if (!*exists) {
      err << "Topic '" << name << "' does not exist.\n";  // Kafka's AdminOperationException
      return 1;
    }
  } else if (name != "<default>") {
    int32_t id = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (ec != std::errc() || end != name.data() + name.size()) {
      err << "The entity name for brokers must be a valid integer broker id, found: " << name << "\n";
      return 1;
    }
  }

  auto current = zk.run(zk.kafka().get_entity_config(o.entity_type, name));
  if (!current) return zk_error(err, current.error().message());
  std::string invalid;
  for (const auto& k : deleted) {
    if (!current->count(k)) invalid += (invalid.empty() ? "" : ",") + k;
  }
  if (!invalid.empty()) {
    err << "Invalid config(s): " << invalid << "\n";
    return 1;
  }
  std::map<std::string, std::string> next = *current;
  for (const auto& [k, v] : added) next[k] = v;
  for (const auto& k : deleted) next.erase(k);

  auto problem = o.entity_type == "topics" ? config::validate_topic_overrides(name, next)
                                           : config::validate_broker_dynamic(name == "<default>" ? "" : name, next,
                                                                             name != "<default>");
  if (problem) {
    err << problem->message << "\n";
    return 1;
  }
  auto written = zk.run(zk.kafka().set_entity_config(o.entity_type, name, next));
  if (!written) return zk_error(err, written.error().message());
  out << "Completed updating config for entity: " << entity_text(o.entity_type, name) << ".\n";
  return 0;
}

} // namespace gregor::tools
