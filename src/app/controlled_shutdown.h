#pragma once
// controlled_shutdown: the stopping broker's half of Kafka's controlled shutdown
// (KafkaServer.controlledShutdown, ZOOKEEPER-LAYOUT §7). Before it stops serving, the broker sends
// ControlledShutdown to the controller named in its metadata cache, reached on the inter-broker
// listener — itself too when it is the controller, over the network as Kafka does — and repeats,
// re-discovering the controller each time, until the controller reports no partition still led
// here or the attempts run out (the broker then stops anyway: an "unclean" shutdown in Kafka's
// words, which only means leadership moves when the registration disappears).
//
// After a successful request it also waits, up to min(socket_timeout, 5 s), until this broker's own
// metadata shows the moved leaderships: the controller's updates go to every broker at once, and
// when this broker is the controller, resigning would drop what its channels have not sent yet.
//
// Time bound: every connect and every round trip is limited by `socket_timeout`; there are at
// most `max_retries` attempts with `retry_backoff` between them, so the whole takes at most
// max_retries * 2 * socket_timeout + (max_retries - 1) * retry_backoff + min(socket_timeout, 5 s).
//
// Threading: one coroutine on any executor of the broker's io_context; it reads the metadata cache
// (thread-safe) and owns its connection. The broker must keep serving (the controller's
// LeaderAndIsr/UpdateMetadata to this broker arrive meanwhile) and keep its controller running.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

namespace gregor::metadata {
class metadata_cache;
}

namespace gregor::app {

struct controlled_shutdown_settings {
  int32_t broker_id = 0;
  int64_t broker_epoch = -1;                         // czxid of our registration (sent from v2)
  std::string listener_name = "PLAINTEXT";           // inter.broker.listener.name
  int32_t max_retries = 3;                           // controlled.shutdown.max.retries: attempts in all
  std::chrono::milliseconds retry_backoff{5000};     // controlled.shutdown.retry.backoff.ms
  std::chrono::milliseconds socket_timeout{30000};   // controller.socket.timeout.ms
  int16_t api_version = 3;
};

// The ControlledShutdown version a broker sends for its inter.broker.protocol.version, as Kafka
// chooses it: 0 below 0.9.0, 1 below 2.2-IV0, 2 below 2.4-IV1, else 3 (also for text it cannot
// read).
int16_t controlled_shutdown_version(std::string_view inter_broker_protocol_version);

// Runs the attempts; true when the controller answered with no remaining partitions.
boost::asio::awaitable<bool> request_controlled_shutdown(const metadata::metadata_cache& cache,
                                                         controlled_shutdown_settings settings);

} // namespace gregor::app
