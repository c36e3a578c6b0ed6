#include "config_change_listener.h"

#include <chrono>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/replication/replica_manager.h"
#include "gregor/zk/kafka_zk.h"
#include "topic_settings.h"

namespace gregor::app {

namespace asio = boost::asio;

namespace {

// How long the loop sleeps without a watch firing: it then lists /config/changes anyway, which
// also covers a watch lost with a session and drives the periodic purge.
constexpr auto idle_poll = std::chrono::seconds(30);
constexpr int64_t purge_interval_ms = 60'000;

std::string describe_map(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + k + "=" + v;
  return out + "}";
}

asio::awaitable<void> run_listener(std::shared_ptr<config_change_listener> self, asio::awaitable<void> body) {
  (void)self;  // keeps the listener alive while its loop runs
  co_await std::move(body);
}

} // namespace

config_change_listener::config_change_listener(asio::io_context& io, zk::kafka_zk& zk,
                                               const config::broker_config& static_cfg, clock& clk)
  : _strand(asio::make_strand(io)), _zk(zk), _static(static_cfg), _clock(clk),
    _effective(std::make_shared<const config::broker_config>(static_cfg)), _wake(_strand) {}

std::shared_ptr<const config::broker_config> config_change_listener::effective() const {
  std::lock_guard lock(_mutex);
  return _effective;
}

asio::awaitable<void> config_change_listener::load_broker_layers(int32_t broker_id) {
  _broker_id = broker_id;
  co_await reload_broker_layers();
}

asio::awaitable<void> config_change_listener::reload_broker_layers() {
  auto log = get_logger("config");
  std::string type = "brokers";
  std::string default_name = "<default>";
  std::string own_name = std::to_string(_broker_id);
  auto cluster = co_await _zk.get_entity_config(type, default_name);
  auto own = co_await _zk.get_entity_config(type, own_name);
  if (!cluster || !own) {
    log->error("cannot read the dynamic broker configs from ZooKeeper: {}",
               (!cluster ? cluster.error() : own.error()).message());
    co_return;
  }
  config::dynamic_layers layers;
  layers.cluster_default = std::move(*cluster);
  layers.per_broker = std::move(*own);
  std::vector<std::string> skipped;
  auto eff = std::make_shared<const config::broker_config>(config::apply_dynamic(_static, layers, &skipped));
  for (const auto& s : skipped) log->warn("ignoring dynamic broker config {}", s);
  log->info("dynamic broker configs: cluster default {}, broker {} {}", describe_map(layers.cluster_default),
            _broker_id, describe_map(layers.per_broker));
  std::lock_guard lock(_mutex);
  _layers = std::move(layers);
  _effective = std::move(eff);
}

asio::awaitable<replication::topic_config> config_change_listener::topic_config_for(std::string topic) {
  std::string type = "topics";
  auto overrides = co_await _zk.get_entity_config(type, topic);
  std::map<std::string, std::string> none;
  if (!overrides) {
    get_logger("config")->warn("cannot read /config/topics/{}: {}; using the broker defaults", topic,
                               overrides.error().message());
  }
  auto eff = effective();
  co_return effective_topic_config(*eff, overrides ? *overrides : none);
}

void config_change_listener::start(replication::replica_manager& replicas) {
  _replicas = &replicas;
  _done = false;
  auto self = shared_from_this();
  asio::co_spawn(_strand, run_listener(self, run()), asio::detached);
}

void config_change_listener::wake() {
  std::weak_ptr<config_change_listener> weak = weak_from_this();
  asio::post(_strand, [weak] {
    if (auto self = weak.lock()) {
      self->_pending = true;
      self->_wake.cancel();
    }
  });
}

asio::awaitable<void> config_change_listener::stop() {
  std::weak_ptr<config_change_listener> weak = weak_from_this();
  asio::post(_strand, [weak] {
    if (auto self = weak.lock()) {
      self->_stopped = true;
      self->_wake.cancel();
    }
  });
  // Bounded wait for the loop to return (a ZooKeeper call in flight ends with the session).
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int i = 0; i < 100 && !_done; ++i) {
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> config_change_listener::run() {
  auto log = get_logger("config");
  while (!_stopped) {
    _pending = false;
    std::weak_ptr<config_change_listener> weak = weak_from_this();
    zk::watcher w = [weak](zk::watch_event) {
      if (auto self = weak.lock()) self->wake();
    };
    auto changes = co_await _zk.list_config_changes(std::move(w));
    if (!changes) {
      if (!_stopped) log->warn("cannot list /config/changes: {}", changes.error().message());
    } else {
      for (const auto& c : *changes) {
        if (_stopped) break;
        if (c.sequence <= _last_sequence) continue;
        std::string name = c.name;
        auto got = co_await _zk.get_config_change(name);
        _last_sequence = c.sequence;
        if (!got) {
          log->warn("cannot read notification {}: {}", c.name, got.error().message());
          continue;
        }
        if (!*got) continue;  // purged meanwhile
        std::string entity = (*got)->entity_path;
        co_await process(entity);
      }
      if (!_stopped && _clock.now_ms() - _last_purge_ms >= purge_interval_ms) co_await purge_old();
    }
    if (_stopped || _pending) continue;
    _wake.expires_after(idle_poll);
    auto [ec] = co_await _wake.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled = woken
  }
  _done = true;
}

asio::awaitable<void> config_change_listener::process(const std::string& entity_path) {
  auto log = get_logger("config");
  auto slash = entity_path.find('/');
  if (slash == std::string::npos) {
    log->warn("ignoring config change notification with entity path '{}'", entity_path);
    co_return;
  }
  std::string type = entity_path.substr(0, slash);
  std::string name = entity_path.substr(slash + 1);
  if (type == "topics") {
    co_await apply_topic(name);
  } else if (type == "brokers") {
    if (name != "<default>" && name != std::to_string(_broker_id)) co_return;
    log->info("processing dynamic broker config change for entity path {}", entity_path);
    co_await reload_broker_layers();
    if (_on_broker_change) {
      auto eff = effective();
      _on_broker_change(*eff);
    }
    std::set<std::string> topics;
    if (_replicas) {
      for (const auto& p : _replicas->all()) topics.insert(p->tp().topic);
    }
    for (const auto& t : topics) {
      std::string topic = t;
      co_await apply_topic(std::move(topic));
    }
  }
  // users, clients, ips: quotas and SCRAM are not implemented; nothing to apply.
}

asio::awaitable<void> config_change_listener::apply_topic(std::string topic) {
  if (!_replicas) co_return;
  replication::topic_config cfg = co_await topic_config_for(topic);
  size_t n = co_await _replicas->update_topic_config(topic, cfg);
  get_logger("config")->info("applied the configuration of topic {} to {} local partition(s)", topic, n);
}

asio::awaitable<void> config_change_listener::purge_old() {
  _last_purge_ms = _clock.now_ms();
  zk::watcher no_watch;
  auto changes = co_await _zk.list_config_changes(std::move(no_watch));
  if (!changes) co_return;
  for (const auto& c : *changes) {
    if (_stopped || c.sequence > _last_sequence) break;
    std::string name = c.name;
    auto got = co_await _zk.get_config_change(name);
    if (!got || !*got) continue;
    if (_clock.now_ms() - (*got)->ctime_ms <= purge_after_ms) break;  // the rest are newer
    auto removed = co_await _zk.delete_config_change(name);
    if (removed) get_logger("config")->debug("purged config change notification {}", c.name);
  }
}

} // namespace gregor::app
