#pragma once
// config_change_listener: applies dynamic configuration changes without a restart (Kafka's
// DynamicConfigManager in ZooKeeper mode).
//
// Writers (AlterConfigs, IncrementalAlterConfigs, CreateTopics, kafka-configs.sh --zookeeper) update
// /config/<type>/<name> and then create /config/changes/config_change_<seq> naming the entity.
// This listener watches /config/changes; for each notification newer than the last one it handled
// it re-reads the named entity:
//   * topics/<t>: the topic's effective settings go to every local partition of <t>;
//   * brokers/<default> or brokers/<our id>: the dynamic broker layers are reloaded, the effective
//     broker configuration replaced, and every hosted topic re-derived (the log.* defaults feed
//     topic defaults).
// Notifications older than 15 minutes are deleted, by every broker as in Kafka (deletes are
// idempotent; a broker that was down longer than that re-reads everything at start anyway).
//
// Threading: the watch loop runs on its own strand. effective() and topic_config_for() are
// thread-safe. Lifetime: create with make_shared; call stop() and await it before the replica
// manager shuts down; the zk client must outlive the listener's loop.

#include <functional>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/clock.h"
#include "gregor/config/broker_config.h"
#include "gregor/config/dynamic_config.h"
#include "gregor/replication/partition.h"

namespace gregor::zk {
class kafka_zk;
}
namespace gregor::replication {
class replica_manager;
}

namespace gregor::app {

class config_change_listener : public std::enable_shared_from_this<config_change_listener> {
public:
  config_change_listener(boost::asio::io_context& io, zk::kafka_zk& zk, const config::broker_config& static_cfg,
                         clock& clk);

  // Reads /config/brokers/<default> and /config/brokers/<id> (Kafka's startup step 4: before the
  // logs are loaded, so that dynamic log defaults apply to them). Errors are logged; the static
  // configuration is used then.
  boost::asio::awaitable<void> load_broker_layers(int32_t broker_id);

  // Starts the watch loop; every notification present is processed once (idempotent re-reads).
  void start(replication::replica_manager& replicas);
  // Ends the loop and waits (bounded) until it has returned.
  boost::asio::awaitable<void> stop();

  // The static configuration with the dynamic layers applied. Thread-safe.
  std::shared_ptr<const config::broker_config> effective() const;
  // A topic's effective settings from ZooKeeper's overrides and effective(). Thread-safe.
  boost::asio::awaitable<replication::topic_config> topic_config_for(std::string topic);

  // Called on the listener's strand after the dynamic broker configs changed, with the new
  // effective configuration (the log cleaner takes its log.cleaner.* settings from it). Set before
  // start().
  void on_broker_change(std::function<void(const config::broker_config&)> fn) { _on_broker_change = std::move(fn); }

  // Notification age after which it is deleted.
  static constexpr int64_t purge_after_ms = 15 * 60 * 1000;

private:
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> process(const std::string& entity_path);
  boost::asio::awaitable<void> reload_broker_layers();
  boost::asio::awaitable<void> apply_topic(std::string topic);
  boost::asio::awaitable<void> purge_old();
  void wake();

  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  strand _strand;
  zk::kafka_zk& _zk;
  const config::broker_config& _static;
  clock& _clock;
  int32_t _broker_id = -1;
  replication::replica_manager* _replicas = nullptr;

  mutable std::mutex _mutex;  // guards _layers and _effective
  config::dynamic_layers _layers;
  std::shared_ptr<const config::broker_config> _effective;

  // Strand-only state.
  boost::asio::steady_timer _wake;
  bool _pending = false;
  bool _stopped = false;
  int64_t _last_sequence = -1;
  int64_t _last_purge_ms = 0;
  std::atomic<bool> _done{true};
  std::function<void(const config::broker_config&)> _on_broker_change;
};

} // namespace gregor::app
