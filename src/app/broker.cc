#include "broker.h"

#include <atomic>
#include <csignal>
#include <functional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/clock.h"
#include "gregor/common/logger.h"
#include "gregor/controller/controller.h"
#include "gregor/coordinator/group_coordinator.h"
#include "gregor/coordinator/transaction_coordinator.h"
#include "gregor/log/fd_cache.h"
#include "gregor/log/log_manager.h"
#include "gregor/log/meta_properties.h"
#include "gregor/log/filenames.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/network/server.h"
#include "gregor/replication/cleaner_service.h"
#include "gregor/replication/log_maintenance.h"
#include "gregor/replication/replica_manager.h"
#include "gregor/server/dispatcher.h"
#include "gregor/zk/kafka_zk.h"
#include "gregor/zk/session.h"
#include "config_change_listener.h"
#include "controlled_shutdown.h"
#include "topic_settings.h"
#include "unclean_shutdown.h"
#include "zk_isr_store.h"
#include "zk_producer_id_source.h"

namespace gregor::app {

namespace asio = boost::asio;

namespace {

// Everything the running broker owns. Members are declared in construction order; the io_context
// is destroyed last.
struct running_broker {
  explicit running_broker(const config::broker_config& cfg) : config(cfg) {}

  const config::broker_config& config;
  asio::io_context io;
  std::shared_ptr<spdlog::logger> log = get_logger("broker");
  int exit_code = 0;

  std::unique_ptr<zk::session> session;
  std::unique_ptr<zk::kafka_zk> kzk;
  std::shared_ptr<zk_isr_store> isr_store;  // leaders' ISR writes and isr_change notifications
  std::shared_ptr<config_change_listener> config_listener;
  std::unique_ptr<log::log_manager> logs;
  metadata::metadata_cache metadata;
  std::unique_ptr<replication::replica_manager> replicas;
  std::unique_ptr<replication::log_maintenance> maintenance;
  std::unique_ptr<replication::cleaner_service> cleaner;  // log compaction threads
  std::unique_ptr<group::group_coordinator> groups;
  std::unique_ptr<zk_producer_id_source> producer_id_source;
  std::unique_ptr<txn::producer_id_manager> producer_ids;
  std::unique_ptr<txn::transaction_coordinator> txns;
  server::broker_services services;
  std::unique_ptr<server::dispatcher> dispatcher;
  std::unique_ptr<network::server> socket_server;
  std::unique_ptr<controller::controller> controller;
  zk::broker_registration registration;
  bool session_expired_once = false;
  // Set once startup's own registration succeeded. Before that a session expiry must not register
  // us: the unclean-shutdown rule may still be running, and startup registers after it.
  std::atomic<bool> registered_once{false};
  bool started = false;  // startup completed: registered, serving, controller running

  asio::awaitable<void> startup();
  asio::awaitable<void> shutdown();
  asio::awaitable<void> controlled_shutdown();
  asio::awaitable<bool> register_broker();
  asio::awaitable<bool> apply_unclean_shutdown_rule();
  asio::awaitable<int32_t> resolve_broker_id();
  void on_session_state(zk::session_state s);
  void fail(const std::string& why) {
    log->error("{}", why);
    exit_code = 1;
  }
};

// Runs a blocking call (thread joins) on a helper thread while this coroutine's io thread keeps
// serving: the call may wait for work posted to partition strands, which need an io thread.
asio::awaitable<void> run_off_io_thread(std::function<void()> blocking) {
  std::atomic<bool> done{false};
  std::thread worker([&] {
    blocking();
    done = true;
  });
  asio::steady_timer poll(co_await asio::this_coro::executor);
  while (!done) {
    poll.expires_after(std::chrono::milliseconds(10));
    co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  worker.join();
}

replication::cleaner_service_options cleaner_options(const config::broker_config& cfg) {
  replication::cleaner_service_options o;
  o.enable = cfg.log_cleaner_enable();
  o.threads = cfg.log_cleaner_threads();
  o.backoff_ms = cfg.log_cleaner_backoff_ms();
  o.dedupe_buffer_bytes = cfg.log_cleaner_dedupe_buffer_size();
  o.io_buffer_load_factor = cfg.log_cleaner_io_buffer_load_factor();
  o.io_max_bytes_per_second = cfg.log_cleaner_io_max_bytes_per_second();
  return o;
}

replication::log_maintenance_options log_maintenance_options(const config::broker_config& cfg) {
  using ms = std::chrono::milliseconds;
  replication::log_maintenance_options o;
  o.flush_check_interval = ms(cfg.log_flush_scheduler_interval_ms());
  o.retention_check_interval = ms(cfg.log_retention_check_interval_ms());
  o.recovery_point_checkpoint_interval = ms(cfg.log_flush_offset_checkpoint_interval_ms());
  o.log_start_checkpoint_interval = ms(cfg.log_flush_start_offset_checkpoint_interval_ms());
  o.high_watermark_checkpoint_interval = ms(cfg.replica_high_watermark_checkpoint_interval_ms());
  o.producer_expiration_check_interval = ms(cfg.producer_id_expiration_check_interval_ms());
  return o;
}

replication::replication_settings replication_settings(const config::broker_config& cfg) {
  replication::replication_settings s;
  s.replica_lag_time_max_ms = cfg.replica_lag_time_max_ms();
  return s;
}

replication::replica_fetcher_options fetcher_options(const config::broker_config& cfg, int32_t broker_id) {
  replication::replica_fetcher_options o;
  o.num_fetchers = cfg.num_replica_fetchers();
  o.fetch_max_bytes = cfg.replica_fetch_max_bytes();
  o.fetch_response_max_bytes = cfg.replica_fetch_response_max_bytes();
  o.fetch_wait_max_ms = cfg.replica_fetch_wait_max_ms();
  o.fetch_min_bytes = cfg.replica_fetch_min_bytes();
  o.backoff = std::chrono::milliseconds(cfg.replica_fetch_backoff_ms());
  o.socket_timeout = std::chrono::milliseconds(cfg.replica_socket_timeout_ms());
  o.client_id = "broker-" + std::to_string(broker_id) + "-fetcher";
  return o;
}

log::log_config broker_log_defaults(const config::broker_config& cfg) {
  return effective_topic_config(cfg, {}).log;
}

asio::awaitable<int32_t> running_broker::resolve_broker_id() {
  if (config.broker_id() >= 0) co_return config.broker_id();
  for (const auto& dir : [&] {
         std::vector<std::filesystem::path> dirs;
         for (const auto& d : config.log_dirs()) dirs.emplace_back(d);
         return dirs;
       }()) {
    auto meta = log::meta_properties::read(dir / "meta.properties");
    if (meta && *meta && (*meta)->broker_id) co_return *(*meta)->broker_id;
  }
  if (!config.broker_id_generation_enable()) co_return -1;
  // Kafka: bump /brokers/seqid and use its new zkVersion above reserved.broker.max.id.
  (void)co_await session->create_recursive(zk::paths::brokers_seqid(), std::nullopt);
  auto seqid = zk::paths::brokers_seqid();
  auto st = co_await session->set(seqid, bytes(), -1);
  if (!st) co_return -1;
  co_return st->version + config.reserved_broker_max_id();
}

asio::awaitable<bool> running_broker::register_broker() {
  registration.timestamp_ms = clock::system().now_ms();
  auto epoch = co_await kzk->register_broker(registration);
  if (!epoch) {
    if (epoch.error() == zk::zk_errc::node_exists) {
      fail("broker id " + std::to_string(registration.id) +
           " is already registered in ZooKeeper by another broker; refusing to start");
    } else {
      fail("cannot register in ZooKeeper: " + epoch.error().message());
    }
    co_return false;
  }
  services.broker_epoch = *epoch;
  log->info("registered /brokers/ids/{} (broker epoch {})", registration.id, *epoch);
  co_return true;
}

// The unclean-shutdown rule (unclean_shutdown.h), run once at startup before registering. It runs
// only once the previous incarnation's registration is gone: while that session lives the
// controller still counts us alive, and a write now could race with what it does when the session
// expires. Registration would refuse to start then anyway.
asio::awaitable<bool> running_broker::apply_unclean_shutdown_rule() {
  auto previous = co_await kzk->get_broker(registration.id);
  if (previous && *previous) {
    fail("broker id " + std::to_string(registration.id) +
         " is already registered in ZooKeeper by another broker; refusing to start");
    co_return false;
  }
  auto left = co_await leave_isrs_after_unclean_shutdown(*kzk, *logs, registration.id);
  if (!left) {
    fail("cannot apply the unclean-shutdown rule (leave the ISRs of partitions whose logs may have lost "
         "their tail): " + left.error().message());
    co_return false;
  }
  logs->withhold_clean_marker_for_unclean_dirs(false);
  co_return true;
}

void running_broker::on_session_state(zk::session_state s) {
  if (s == zk::session_state::expired) {
    log->warn("ZooKeeper session expired; resigning controller duties and re-registering");
    session_expired_once = true;
    if (controller) controller->on_session_expired();
    return;
  }
  if (s == zk::session_state::connected && session_expired_once) {
    session_expired_once = false;
    if (!registered_once) return;  // startup registers once the unclean-shutdown rule has run
    asio::co_spawn(
        io,
        [this]() -> asio::awaitable<void> {
          if (co_await register_broker() && controller) controller->on_session_reestablished();
        },
        asio::detached);
  }
}

asio::awaitable<void> running_broker::startup() {
  session = std::make_unique<zk::session>(io.get_executor(), config.zookeeper_connect(),
                                          config.zookeeper_session_timeout_ms());
  auto connected = co_await session->start(config.zookeeper_connection_timeout_ms());
  if (!connected) {
    fail("cannot connect to ZooKeeper at " + config.zookeeper_connect() + ": " + connected.error().message());
    co_return;
  }
  kzk = std::make_unique<zk::kafka_zk>(*session);
  isr_store = std::make_shared<zk_isr_store>(io, *kzk, clock::system());
  if (auto r = co_await kzk->ensure_base_paths(); !r) {
    fail("cannot create the base znodes: " + r.error().message());
    co_return;
  }
  auto cluster_id = co_await kzk->get_or_create_cluster_id();
  if (!cluster_id) {
    fail("cannot read or create /cluster/id: " + cluster_id.error().message());
    co_return;
  }
  int32_t broker_id = co_await resolve_broker_id();
  if (broker_id < 0) {
    fail("broker.id is not set, no meta.properties names one, and broker.id.generation.enable is false");
    co_return;
  }
  log->info("starting broker {} in cluster {}", broker_id, *cluster_id);

  std::vector<std::filesystem::path> dirs;
  for (const auto& d : config.log_dirs()) dirs.emplace_back(d);
  // Dynamic broker configs first (Kafka's startup step 4): their log.* defaults apply to the logs.
  config_listener = std::make_shared<config_change_listener>(io, *kzk, config, clock::system());
  co_await config_listener->load_broker_layers(broker_id);
  // Segment .log descriptors beyond this many are closed and reopened on demand (many partitions).
  log->info("keeping at most {} segment files open (half the open-file limit)", log::fd_cache::global().capacity());
  logs = std::make_unique<log::log_manager>(dirs, broker_log_defaults(*config_listener->effective()), clock::system());
  if (auto r = logs->startup(broker_id, *cluster_id); !r) {
    fail("cannot load the log directories: " + logs->last_error());
    co_return;
  }
  // Until the unclean-shutdown rule has run, a shutdown must not mark the dirs clean.
  logs->withhold_clean_marker_for_unclean_dirs(true);

  auto* listener = config_listener.get();
  replicas = std::make_unique<replication::replica_manager>(
      io, *logs, broker_id, clock::system(),
      [listener](std::string topic) -> asio::awaitable<replication::topic_config> {
        co_return co_await listener->topic_config_for(std::move(topic));
      });
  // Before any LeaderAndIsr (they come after registration): followers fetch, leaders write ISRs.
  replicas->start_replication(*isr_store, replication_settings(*config_listener->effective()),
                              fetcher_options(*config_listener->effective(), broker_id));
  isr_store->start();
  maintenance = std::make_unique<replication::log_maintenance>(io, *replicas, *logs, clock::system(),
                                                               log_maintenance_options(config));
  maintenance->start();
  cleaner = std::make_unique<replication::cleaner_service>(*replicas, logs->deletions(), cleaner_options(*config_listener->effective()),
                                                         clock::system());
  cleaner->start();
  auto* cleaner_ptr = cleaner.get();
  logs->set_removal_listener(
    [cleaner_ptr](const topic_partition& tp, const std::filesystem::path& dir) { cleaner_ptr->forget(tp, dir); });

  groups = std::make_unique<group::group_coordinator>(io, *replicas, metadata, config, clock::system());
  producer_id_source = std::make_unique<zk_producer_id_source>(*kzk, broker_id);
  producer_ids = std::make_unique<txn::producer_id_manager>(io.get_executor(), *producer_id_source);
  txn::transaction_coordinator_options txn_opts;
  txn_opts.broker_id = broker_id;
  txn_opts.inter_broker_listener = config.inter_broker_listener_name();
  txns = std::make_unique<txn::transaction_coordinator>(io, *replicas, metadata, config, clock::system(), *producer_ids,
                                                        std::move(txn_opts));
  auto* groups_ptr = groups.get();
  auto* txns_ptr = txns.get();
  replicas->add_leadership_listener([groups_ptr, txns_ptr](const topic_partition& tp, bool leader, int32_t epoch) {
    if (tp.topic == group::offsets_topic) {
      if (leader) {
        groups_ptr->on_elected(tp.partition, epoch);
      } else {
        groups_ptr->on_resigned(tp.partition, epoch);
      }
    } else if (tp.topic == txn::transaction_state_topic) {
      if (leader) {
        txns_ptr->on_elected(tp.partition, epoch);
      } else {
        txns_ptr->on_resigned(tp.partition, epoch);
      }
    }
  });
  groups->start();
  txns->start();

  controller::controller_options copts;
  copts.broker_id = broker_id;
  copts.delete_topic_enable = config.delete_topic_enable();
  copts.unclean_leader_election = config.unclean_leader_election_enable();
  copts.request_timeout = std::chrono::milliseconds(config.controller_socket_timeout_ms());
  // inter.broker.listener.name, or the listener named after security.inter.broker.protocol (the
  // configuration checked that it is advertised).
  copts.inter_broker_listener = config.inter_broker_listener_name();
  copts.auto_leader_rebalance_enable = config.auto_leader_rebalance_enable();
  copts.leader_imbalance_per_broker_percentage = config.leader_imbalance_per_broker_percentage();
  copts.leader_imbalance_check_interval = std::chrono::seconds(config.leader_imbalance_check_interval_seconds());
  controller = std::make_unique<controller::controller>(io, *kzk, copts);

  services.broker_id = broker_id;
  services.cluster_id = *cluster_id;
  services.config = &config;
  services.metadata = &metadata;
  services.replicas = replicas.get();
  services.zk = kzk.get();
  services.controller = controller.get();
  services.logs = logs.get();
  services.groups = groups.get();
  services.producer_ids = producer_ids.get();
  services.txns = txns.get();
  services.clk = &clock::system();
  dispatcher = std::make_unique<server::dispatcher>(services);

  network::server_options sopts;
  for (const auto& l : config.listeners()) {
    sopts.listeners.push_back({l.name, l.host, static_cast<uint16_t>(l.port)});
  }
  sopts.max_frame_bytes = static_cast<size_t>(config.socket_request_max_bytes());
  sopts.send_buffer_bytes = config.socket_send_buffer_bytes();
  sopts.receive_buffer_bytes = config.socket_receive_buffer_bytes();
  sopts.idle_timeout_ms = config.connections_max_idle_ms();
  socket_server = std::make_unique<network::server>(io, sopts, *dispatcher);
  if (auto r = socket_server->start(); !r) {
    fail("cannot start the socket server: " + r.error().message());
    co_return;
  }

  registration.id = broker_id;
  registration.rack = config.broker_rack();
  for (const auto& a : config.advertised_listeners()) {
    zk::endpoint e;
    e.listener_name = a.name;
    e.host = a.host;
    e.port = a.port;
    if (e.port == 0) e.port = socket_server->bound_port(a.name);  // ephemeral listener port
    if (e.host.empty()) e.host = asio::ip::host_name();
    e.security_protocol = a.security_protocol;
    registration.endpoints.push_back(e);
  }
  session->on_state_change([this](zk::session_state s) { on_session_state(s); });
  if (!co_await apply_unclean_shutdown_rule()) co_return;
  if (!co_await register_broker()) co_return;
  registered_once = true;
  controller->start();
  auto* cleaner_for_listener = cleaner.get();
  config_listener->on_broker_change([cleaner_for_listener](const config::broker_config& eff) {
    cleaner_for_listener->update_options(cleaner_options(eff));
  });
  config_listener->start(*replicas);

  std::string endpoints;
  for (const auto& e : registration.endpoints) {
    endpoints += (endpoints.empty() ? "" : ",") + e.listener_name + "://" + e.host + ":" + std::to_string(e.port);
  }
  log->info("[GregorServer id={}] started (listeners {})", broker_id, endpoints);
  started = true;
}

// Kafka's controlled shutdown, while this broker still serves and its controller still runs: the
// controller moves our leaderships away (sending us LeaderAndIsr/UpdateMetadata meanwhile).
asio::awaitable<void> running_broker::controlled_shutdown() {
  if (!started || !config.controlled_shutdown_enable() || services.broker_epoch < 0) co_return;
  controlled_shutdown_settings settings;
  settings.broker_id = services.broker_id;
  settings.broker_epoch = services.broker_epoch;
  settings.listener_name = config.inter_broker_listener_name();
  settings.max_retries = config.controlled_shutdown_max_retries();
  settings.retry_backoff = std::chrono::milliseconds(config.controlled_shutdown_retry_backoff_ms());
  settings.socket_timeout = std::chrono::milliseconds(config.controller_socket_timeout_ms());
  settings.api_version = controlled_shutdown_version(config.inter_broker_protocol_version());
  co_await request_controlled_shutdown(metadata, std::move(settings));
}

asio::awaitable<void> running_broker::shutdown() {
  log->info("shutting down");
  co_await controlled_shutdown();
  if (socket_server) {
    socket_server->stop_accepting();
    // Members waiting in JoinGroup/SyncGroup get NOT_COORDINATOR now rather than holding the drain.
    if (groups) co_await groups->shutdown();
    if (txns) co_await txns->shutdown();
    co_await socket_server->drain_and_close(std::chrono::seconds(30));
  }
  if (controller) co_await controller->shutdown();
  if (config_listener) co_await config_listener->stop();
  if (cleaner) {
    // Joins the cleaner threads, which may be waiting on a partition strand: keep this thread free.
    std::function<void()> stop_cleaner = [this] { cleaner->stop(); };
    co_await run_off_io_thread(std::move(stop_cleaner));
  }
  if (maintenance) co_await maintenance->stop();
  if (replicas) co_await replicas->shutdown();
  if (isr_store) co_await isr_store->stop();  // after the replicas: flushes the last ISR changes
  if (logs) logs->shutdown();
  if (session) co_await session->close();  // ends the session: /brokers/ids/<id> disappears
  log->info("shut down completed");
}

} // namespace

broker::broker(config::broker_config config) : _config(std::move(config)) {}

int broker::run() {
  running_broker rb(_config);
  asio::signal_set signals(rb.io, SIGTERM, SIGINT);
  auto work = asio::make_work_guard(rb.io);

  asio::co_spawn(
      rb.io,
      [&]() -> asio::awaitable<void> {
        co_await rb.startup();
        if (rb.exit_code == 0) {
          auto [ec, sig] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
          if (!ec) rb.log->info("received signal {}", sig);
        }
        co_await rb.shutdown();
        work.reset();
        rb.io.stop();
      },
      [&](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            rb.log->critical("fatal: {}", ex.what());
          }
          rb.exit_code = 1;
          work.reset();
          rb.io.stop();
        }
      });

  // Worker threads: num.io.threads, capped at the number of cores (see docs/ARCHITECTURE.md).
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  unsigned workers = std::clamp<unsigned>(static_cast<unsigned>(_config.num_io_threads()), 1u, cores);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back([&] { rb.io.run(); });
  rb.io.run();
  for (auto& t : threads) t.join();
  return rb.exit_code;
}

} // namespace gregor::app
