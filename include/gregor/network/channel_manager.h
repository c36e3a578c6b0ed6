#pragma once
// channel_manager: a broker's outbound connections to other brokers, one queue per destination
// (Kafka's ControllerChannelManager; the transaction coordinator's marker sender uses one, too).
// Requests to a broker are sent one at a time, in order, and retried (with reconnects) until a
// response arrives or the broker is removed. A request gets exactly one on_response call, with the
// response frame, unless the broker is removed first (then none).
//
// Threading: everything runs on the owner's strand, including response callbacks.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/network/client_connection.h"

namespace gregor::network {

struct outbound_request {
  int16_t api_key = 0;
  int16_t api_version = 0;
  iobuf frame;
  std::function<void(result<shared_bytes>)> on_response;
};

class channel_manager {
public:
  using strand = boost::asio::strand<boost::asio::io_context::executor_type>;

  // `owner` names the user in log lines ("controller", "transaction-marker-sender").
  channel_manager(strand ex, std::chrono::milliseconds request_timeout, std::string owner);
  ~channel_manager();

  void add_broker(int32_t id, std::string host, uint16_t port);
  void remove_broker(int32_t id);
  bool has_broker(int32_t id) const { return _channels.count(id) > 0; }
  void send(int32_t broker, outbound_request request);
  // Requests queued or in flight, over all brokers but `except`.
  size_t pending(int32_t except = -1) const;
  void stop_all();

private:
  struct channel;
  static boost::asio::awaitable<void> run(std::shared_ptr<channel> ch, std::chrono::milliseconds timeout,
                                          std::string owner);

  strand _strand;
  std::chrono::milliseconds _timeout;
  std::string _owner;
  std::map<int32_t, std::shared_ptr<channel>> _channels;
};

} // namespace gregor::network
