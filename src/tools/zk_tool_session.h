#pragma once
// Blocking access to ZooKeeper for one tool run (the --zookeeper mode of the admin tools): the
// session runs on a private io_context and every call is driven to completion on the calling
// thread (client::run_blocking). Closing the session at destruction removes nothing of Kafka's
// (tools create no ephemerals).
//
// Not thread-safe: one thread, one call at a time.

#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "gregor/client/sync_client.h"
#include "gregor/zk/kafka_zk.h"
#include "gregor/zk/session.h"

namespace gregor::tools {

class zk_tool_session {
public:
  static constexpr int session_timeout_ms = 30'000;
  static constexpr int connection_timeout_ms = 30'000;

  explicit zk_tool_session(std::string connect)
    : _session(_io.get_executor(), std::move(connect), session_timeout_ms), _zk(_session) {}
  ~zk_tool_session() { client::run_blocking(_io, _session.close()); }
  zk_tool_session(const zk_tool_session&) = delete;
  zk_tool_session& operator=(const zk_tool_session&) = delete;

  // Connects (creating the chroot if missing, as the broker does).
  result<void> start() { return run(_session.start(connection_timeout_ms)); }

  template <class T>
  T run(boost::asio::awaitable<T> op) {
    return client::run_blocking(_io, std::move(op));
  }

  zk::session& session() { return _session; }
  zk::kafka_zk& kafka() { return _zk; }

private:
  boost::asio::io_context _io;
  zk::session _session;
  zk::kafka_zk _zk;
};

} // namespace gregor::tools
