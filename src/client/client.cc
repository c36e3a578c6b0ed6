// Connections, bootstrap and metadata. Admin operations are in client_admin.cc, data operations
// (produce, list_offsets, fetch) in client_data.cc, consumer-group operations in client_group.cc.

#include "gregor/client/client.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/client/errc.h"
#include "gregor/client/request_builders.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/api.h"
#include "node_connection.h"

namespace gregor::client {

namespace {
spdlog::logger& log() {
  static auto logger = get_logger("client");
  return *logger;
}
constexpr int16_t metadata_key = static_cast<int16_t>(protocol::api_key::metadata);
} // namespace

client::client(asio::any_io_executor ex, client_options options)
  : _executor(std::move(ex)), _options(std::move(options)) {}

client::~client() { close(); }

void client::close() {
  for (auto& [id, node] : _nodes) {
    if (node) node->close();
  }
  _nodes.clear();
  for (auto& [id, node] : _coordinator_nodes) {
    if (node) node->close();
  }
  _coordinator_nodes.clear();
  _coordinators.clear();
  _bootstrapped = false;
}

asio::awaitable<void> client::sleep(std::chrono::milliseconds d) {
  asio::steady_timer timer(_executor);
  timer.expires_after(d);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

asio::awaitable<result<client::node_ptr>> client::connection_to(int32_t node_id) {
  auto it = _nodes.find(node_id);
  if (it != _nodes.end() && it->second && it->second->is_open()) co_return it->second;
  if (it != _nodes.end()) _nodes.erase(it);
  broker_address addr;
  if (node_id >= 0) {
    const auto* b = _metadata.find_broker(node_id);
    if (b == nullptr || b->port <= 0 || b->port > 65535) co_return unexpected(make_error_code(client_errc::no_leader));
    addr = broker_address{b->host, static_cast<uint16_t>(b->port)};
  } else {
    size_t index = static_cast<size_t>(-node_id - 1);
    if (index >= _options.bootstrap_servers.size()) co_return unexpected(make_error_code(client_errc::no_broker_reachable));
    addr = _options.bootstrap_servers[index];
  }
  auto opened = co_await node_connection::open(_executor, addr, _options.client_id, _options.connect_timeout,
                                               _options.request_timeout);
  if (!opened) {
    log().debug("cannot connect to node {} at {}: {}", node_id, to_string(addr), opened.error().message());
    co_return unexpected(opened.error());
  }
  _nodes[node_id] = *opened;
  co_return *opened;
}

asio::awaitable<result<client::node_ptr>> client::any_connection() {
  // An open connection first, then the known brokers, then the bootstrap list.
  for (auto& [id, node] : _nodes) {
    if (node && node->is_open()) co_return node;
  }
  std::error_code last = make_error_code(client_errc::no_broker_reachable);
  std::vector<int32_t> candidates;
  for (const auto& [id, b] : _metadata.brokers) candidates.push_back(id);
  for (size_t i = 0; i < _options.bootstrap_servers.size(); ++i) candidates.push_back(-static_cast<int32_t>(i) - 1);
  for (int32_t id : candidates) {
    auto c = co_await connection_to(id);
    if (c) co_return *c;
    last = c.error();
  }
  log().debug("no broker reachable: {}", last.message());
  co_return unexpected(make_error_code(client_errc::no_broker_reachable));
}

asio::awaitable<result<void>> client::bootstrap() {
  if (_bootstrapped) co_return result<void>{};
  std::optional<std::vector<std::string>> all;
  auto md = co_await refresh_metadata(all, false);
  if (!md) co_return unexpected(md.error());
  co_return result<void>{};
}

asio::awaitable<result<cluster_metadata>> client::refresh_metadata(std::optional<std::vector<std::string>> topics,
                                                                  bool allow_auto_topic_creation) {
  std::error_code last;
  // Two attempts: a pooled connection may have been closed by the broker since its last use.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto node = co_await any_connection();
    if (!node) co_return unexpected(node.error());
    auto version = (*node)->version_for(metadata_key);
    if (!version) co_return unexpected(version.error());
    auto req = build_metadata_request(*version, topics, allow_auto_topic_creation);
    auto resp = co_await (*node)->call<protocol::metadata_response>(*version, std::move(req), _options.request_timeout);
    if (!resp) {
      last = resp.error();
      (*node)->close();
      continue;
    }
    auto fresh = to_cluster_metadata(*resp);
    if (!topics) {
      // A full listing replaces the topic set: topics deleted since are forgotten.
      _metadata = fresh;
    } else {
      _metadata.merge(fresh);
    }
    _bootstrapped = true;
    co_return fresh;
  }
  co_return unexpected(last);
}

} // namespace gregor::client
