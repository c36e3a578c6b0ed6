// kafka-configs --bootstrap-server: DescribeConfigs v1 (with synonyms), IncrementalAlterConfigs v0
// for topics and AlterConfigs v0 for brokers, as Kafka's ConfigCommand sends them. Topic resources
// and the cluster default go to any broker; a broker id goes to that broker. The client library
// finds the brokers (Metadata); the config requests travel on their own connection.

#include <algorithm>
#include <chrono>
#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>

#include "admin_client_options.h"
#include "cli_util.h"
#include "configs_command.h"
#include "gregor/client/sync_client.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/network/client_connection.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/alter_configs.h"
#include "gregor/protocol/messages/describe_configs.h"
#include "gregor/protocol/messages/incremental_alter_configs.h"
#include "gregor/protocol/reader.h"

namespace gregor::tools {

namespace {

namespace asio = boost::asio;
namespace gc = gregor::client;
using namespace std::chrono_literals;

constexpr int8_t resource_topic = 2;
constexpr int8_t resource_broker = 4;

struct failure {
  std::string exception;  // Java class name Kafka's stack trace would show
  std::string message;
};

// Kafka's exception class for an error code, for the stack-trace line Kafka prints.
std::string exception_for(int16_t code) {
  switch (static_cast<protocol::error_code>(code)) {
    case protocol::error_code::unknown_topic_or_partition: return "org.apache.kafka.common.errors.UnknownTopicOrPartitionException";
    case protocol::error_code::invalid_config: return "org.apache.kafka.common.errors.InvalidConfigurationException";
    case protocol::error_code::invalid_request: return "org.apache.kafka.common.errors.InvalidRequestException";
    case protocol::error_code::policy_violation: return "org.apache.kafka.common.errors.PolicyViolationException";
    default: break;
  }
  return "org.apache.kafka.common.errors.UnknownServerException";
}

struct endpoint {
  std::string host;
  uint16_t port = 0;
};

template <class Resp, class Req>
asio::awaitable<result<Resp>> call(endpoint to, int16_t version, Req req) {
  auto ex = co_await asio::this_coro::executor;
  std::string host = to.host;
  auto conn = co_await network::client_connection::connect(ex, std::move(host), to.port, 10s);
  if (!conn) co_return unexpected(conn.error());
  protocol::request_header h;
  h.api_key = Req::api_key_value;
  h.api_version = version;
  h.correlation_id = 1;
  h.client_id = "gregor-configs";
  iobuf frame = protocol::encode_request_frame(h, req);
  auto raw = co_await (*conn)->round_trip(std::move(frame), 60s);
  (*conn)->close();
  if (!raw) co_return unexpected(raw.error());
  protocol::reader r(*raw);
  int32_t correlation = 0;
  Resp resp;
  if (!protocol::decode_response_header(r, h.api_key, version, correlation) || correlation != 1 ||
      !resp.decode(r, version)) {
    co_return unexpected(std::make_error_code(std::errc::bad_message));
  }
  co_return resp;
}

class session {
public:
  explicit session(const configs_options& o) : _o(o) {}

  // Bootstraps; false with `err` written on failure.
  bool open(std::ostream& err) {
    std::string options_error;
    auto co = admin_client_options(_o.bootstrap_server, _o.command_config, "gregor-configs", options_error);
    if (!co) {
      err << options_error << "\n";
      return false;
    }
    _client = std::make_unique<gc::sync_client>(std::move(*co));
    auto md = _client->run(_client->async().refresh_metadata(std::nullopt, false));
    if (!md) {
      err << "Error while executing config command: " << md.error().message() << "\n";
      return false;
    }
    _md = std::move(*md);
    return true;
  }

  const gc::cluster_metadata& metadata() const { return _md; }

  // Any broker (the first), or broker `id`.
  std::optional<endpoint> node(std::optional<int32_t> id) const {
    if (id) {
      const gc::broker_info* b = _md.find_broker(*id);
      if (!b) return std::nullopt;
      return endpoint{b->host, static_cast<uint16_t>(b->port)};
    }
    if (_md.brokers.empty()) return std::nullopt;
    const auto& b = _md.brokers.begin()->second;
    return endpoint{b.host, static_cast<uint16_t>(b.port)};
  }

  template <class Resp, class Req>
  result<Resp> send(endpoint to, int16_t version, Req req) {
    asio::io_context io;
    return gc::run_blocking(io, call<Resp, Req>(std::move(to), version, std::move(req)));
  }

private:
  const configs_options& _o;
  std::unique_ptr<gc::sync_client> _client;
  gc::cluster_metadata _md;
};

const char* source_text(int8_t s) { return config::source_name(static_cast<config::config_source>(s)); }

// Kafka's ConfigCommand error output: the args line, then the exception as its stack trace starts.
int command_failed(const configs_options& o, std::ostream& err, const failure& f) {
  std::string args;
  for (const auto& a : o.raw_args) args += (args.empty() ? "" : " ") + a;
  err << "Error while executing config command with args '" << args << "'\n";
  err << "java.util.concurrent.ExecutionException: " << f.exception << ": " << f.message << "\n";
  return 1;
}

using described = protocol::describe_configs_response::describe_configs_result;

// DescribeConfigs of one resource; entries filtered as ConfigCommand filters them (the dynamic
// source of the entity unless --all), sorted by name.
std::optional<described> describe_resource(session& s, const configs_options& o, const std::string& name,
                                           std::ostream& err, int& rc) {
  bool topic = o.entity_type == "topics";
  std::optional<int32_t> target;
  if (!topic && !name.empty()) {
    auto id = parse_int32(name);
    if (!id) {
      err << "The entity name for brokers must be a valid integer broker id, found: " << name << "\n";
      rc = 1;
      return std::nullopt;
    }
    target = *id;
  }
  auto to = s.node(target);
  if (!to) {
    rc = command_failed(o, err, {"org.apache.kafka.common.errors.TimeoutException", "No broker " + name + " in the cluster"});
    return std::nullopt;
  }
  protocol::describe_configs_request req;
  auto& r = req.resources.emplace_back();
  r.resource_type = topic ? resource_topic : resource_broker;
  r.resource_name = name;
  r.configuration_keys = std::nullopt;
  req.include_synonyms = true;
  auto resp = s.send<protocol::describe_configs_response>(*to, 1, std::move(req));
  if (!resp || resp->results.size() != 1) {
    rc = command_failed(o, err, {"org.apache.kafka.common.KafkaException", resp ? "malformed response" : resp.error().message()});
    return std::nullopt;
  }
  described d = std::move(resp->results.front());
  if (d.error_code != 0) {
    rc = command_failed(o, err, {exception_for(d.error_code), d.error_message.value_or("")});
    return std::nullopt;
  }
  int8_t dynamic = topic ? 1 : (name.empty() ? 3 : 2);
  if (!o.all) {
    std::erase_if(d.configs, [&](const auto& c) { return c.config_source != dynamic; });
  }
  std::sort(d.configs.begin(), d.configs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return d;
}

int describe(session& s, const configs_options& o, std::ostream& out, std::ostream& err) {
  std::vector<std::string> entities;
  if (o.entity_name) {
    entities.push_back(*o.entity_name);
  } else if (o.entity_default) {
    entities.emplace_back();
  } else if (o.entity_type == "topics") {
    for (const auto& [name, t] : s.metadata().topics) entities.push_back(name);
  } else {
    for (const auto& [id, b] : s.metadata().brokers) entities.push_back(std::to_string(id));
    entities.emplace_back();
  }
  for (const auto& name : entities) {
    if (name.empty()) {
      out << "Default configs for " << o.entity_type << " in the cluster are:\n";
    } else {
      out << (o.all ? "All" : "Dynamic") << " configs for " << o.entity_type.substr(0, o.entity_type.size() - 1) << " "
          << name << " are:\n";
    }
    int rc = 0;
    auto d = describe_resource(s, o, name, err, rc);
    if (!d) return rc;
    for (const auto& c : d->configs) {
      std::vector<printed_synonym> syn;
      for (const auto& y : c.synonyms) syn.push_back({source_text(y.source), y.name, y.value});
      out << format_config_line(c.name, c.value, c.is_sensitive, syn) << "\n";
    }
  }
  return 0;
}

int alter(session& s, const configs_options& o, std::ostream& out, std::ostream& err) {
  std::string name = o.entity_name.value_or("");
  std::string parse_error;
  auto added = parse_add_config(o.add_config.empty() ? std::string() : o.add_config, parse_error);
  if (o.add_config.empty()) added = std::map<std::string, std::string>{};
  if (!added) {
    err << parse_error << "\n";
    return 1;
  }
  auto deleted = parse_delete_config(o.delete_config);
  int rc = 0;
  auto current = describe_resource(s, o, name, err, rc);
  if (!current) return rc;
  std::map<std::string, std::optional<std::string>> old;
  for (const auto& c : current->configs) old[c.name] = c.value;
  std::string invalid;
  for (const auto& k : deleted) {
    if (!old.count(k)) invalid += (invalid.empty() ? "" : ",") + k;
  }
  if (!invalid.empty()) {
    err << "Invalid config(s): " << invalid << "\n";
    return 1;
  }

  bool topic = o.entity_type == "topics";
  std::optional<int32_t> target;
  if (!topic && !name.empty()) target = parse_int32(name);
  auto to = s.node(target);
  if (!to) return command_failed(o, err, {"org.apache.kafka.common.errors.TimeoutException", "No broker " + name});

  int16_t code = 0;
  std::optional<std::string> message;
  if (topic) {
    protocol::incremental_alter_configs_request req;
    auto& r = req.resources.emplace_back();
    r.resource_type = resource_topic;
    r.resource_name = name;
    for (const auto& [k, v] : *added) r.configs.push_back({k, 0, v});
    for (const auto& k : deleted) r.configs.push_back({k, 1, std::string()});
    auto resp = s.send<protocol::incremental_alter_configs_response>(*to, 0, std::move(req));
    if (!resp || resp->responses.size() != 1) {
      return command_failed(o, err, {"org.apache.kafka.common.KafkaException", resp ? "malformed response" : resp.error().message()});
    }
    code = resp->responses.front().error_code;
    message = resp->responses.front().error_message;
  } else {
    // Kafka's ConfigCommand sends the whole new set for brokers (sensitive values must be given).
    std::map<std::string, std::optional<std::string>> next = old;
    for (const auto& [k, v] : *added) next[k] = v;
    for (const auto& k : deleted) next.erase(k);
    std::string missing;
    for (const auto& [k, v] : next) {
      if (!v) missing += (missing.empty() ? "" : ", ") + k;
    }
    if (!missing.empty()) {
      err << "All sensitive broker config entries must be specified for --alter, missing entries: Set(" << missing << ")\n";
      return 1;
    }
    protocol::alter_configs_request req;
    auto& r = req.resources.emplace_back();
    r.resource_type = resource_broker;
    r.resource_name = name;
    for (const auto& [k, v] : next) r.configs.push_back({k, v});
    auto resp = s.send<protocol::alter_configs_response>(*to, 0, std::move(req));
    if (!resp || resp->responses.size() != 1) {
      return command_failed(o, err, {"org.apache.kafka.common.KafkaException", resp ? "malformed response" : resp.error().message()});
    }
    code = resp->responses.front().error_code;
    message = resp->responses.front().error_message;
  }
  if (code != 0) return command_failed(o, err, {exception_for(code), message.value_or("")});
  if (!name.empty()) {
    out << "Completed updating config for " << o.entity_type.substr(0, o.entity_type.size() - 1) << " " << name << ".\n";
  } else {
    out << "Completed updating default config for " << o.entity_type << " in the cluster.\n";
  }
  return 0;
}

} // namespace

int run_configs_bootstrap(const configs_options& o, std::ostream& out, std::ostream& err) {
  session s(o);
  if (!s.open(err)) return 1;
  return o.describe ? describe(s, o, out, err) : alter(s, o, out, err);
}

} // namespace gregor::tools
