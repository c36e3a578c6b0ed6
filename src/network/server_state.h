#pragma once
// The server's shared state. Owned jointly by the server object, its accept loops and every
// connection, so that whichever finishes last frees it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "asio_util.h"
#include "gregor/network/server.h"

namespace gregor::network {

class connection;

// One listening socket. `acceptor` lives on its own strand; after start() only that strand
// touches it. `name` and `port` are immutable after start().
struct listener {
  std::string name;
  uint16_t port = 0;
  tcp::acceptor acceptor;

  listener(std::string n, const asio::any_io_executor& ex) : name(std::move(n)), acceptor(ex) {}
};

struct server::state : std::enable_shared_from_this<server::state> {
  state(asio::io_context& io_, server_options opts_, request_handler& handler_)
    : io(io_), opts(std::move(opts_)), handler(handler_) {}

  asio::io_context& io;
  const server_options opts;
  request_handler& handler;
  std::vector<std::shared_ptr<listener>> listeners; // written by start() only
  std::atomic<uint64_t> next_connection_id{1};

  // Adds an accepted connection unless the server has stopped accepting. Thread-safe.
  bool register_connection(const std::shared_ptr<connection>& c);
  // Called once by each connection when it is fully closed. Thread-safe.
  void connection_finished(uint64_t id);
  size_t count() const;
  // Stops accepting and returns the live connections. Thread-safe.
  std::vector<std::shared_ptr<connection>> stop_and_snapshot();

  mutable std::mutex mutex;
  bool accepting = true; // guarded by mutex
  // Guarded by mutex. Weak: a connection is owned by its own coroutines (and holds this state), so
  // a strong reference here would be a cycle that leaks if the io_context stops mid-connection.
  std::unordered_map<uint64_t, std::weak_ptr<connection>> connections;
};

} // namespace gregor::network
