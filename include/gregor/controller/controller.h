#pragma once
// controller: the ZooKeeper-mode cluster controller (Kafka's KafkaController). Every broker runs
// one; the one that wins the /controller election is active. The active controller reads the
// cluster state from ZooKeeper, reacts to watches (brokers joining or leaving, topics created,
// changed or marked for deletion), elects partition leaders, writes their state (fenced by the
// controller epoch), and tells brokers through LeaderAndIsr, UpdateMetadata and StopReplica
// requests — itself included, over the network, as Kafka does.
//
// Threading: all controller state lives on one strand and events are processed one at a time in
// arrival order (Kafka's ControllerEventManager). Public methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace gregor::zk {
class kafka_zk;
}

namespace gregor::controller {

struct controller_options {
  int32_t broker_id = 0;
  std::string inter_broker_listener = "PLAINTEXT";  // endpoint used to reach brokers
  bool delete_topic_enable = true;
  bool unclean_leader_election = false;
  std::chrono::milliseconds request_timeout{30000};  // controller.socket.timeout.ms
};

class controller {
public:
  controller(boost::asio::io_context& io, zk::kafka_zk& zk, controller_options options);
  ~controller();
  controller(const controller&) = delete;
  controller& operator=(const controller&) = delete;

  // Watches /controller and runs for election. Call after this broker registered itself.
  void start();
  // The ZooKeeper session expired: resign at once (ephemerals and watches are gone).
  void on_session_expired();
  // A new session is up and the broker re-registered: run for election again.
  void on_session_reestablished();
  // Resigns if active and stops every channel. Safe to call more than once.
  boost::asio::awaitable<void> shutdown();

  bool is_active() const;
  int32_t epoch() const;

  struct impl;

private:
  std::shared_ptr<impl> _impl;
};

} // namespace gregor::controller
