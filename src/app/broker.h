#pragma once
// broker: the composition root. Builds every component from the configuration, starts them in
// Kafka's order, and shuts them down in two phases on SIGTERM/SIGINT.
//
// Start: ZooKeeper session (chroot created) -> base paths -> cluster id -> broker id -> logs loaded
// -> replica manager (replication on: ISR store, fetcher settings) -> socket server bound ->
// unclean-shutdown rule (log dirs without the clean-shutdown marker: leave shared ISRs;
// unclean_shutdown.h) -> /brokers/ids/<id> registered (broker epoch) -> controller election ->
// serving.
// Stop: controlled shutdown (controlled.shutdown.enable: the controller moves our leaderships
// away first) -> stop accepting -> drain in-flight requests and flush responses -> controller resigns ->
// partitions stop -> queued ISR change notifications written -> logs flushed and closed
// (clean-shutdown marker) -> ZooKeeper session closed (deregisters /brokers/ids/<id>) -> exit 0.

#include "gregor/config/broker_config.h"

namespace gregor::app {

class broker {
public:
  explicit broker(config::broker_config config);
  // Runs until a signal stops the broker. Returns the process exit code.
  int run();

private:
  config::broker_config _config;
};

} // namespace gregor::app
