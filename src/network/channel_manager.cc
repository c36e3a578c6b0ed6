#include "gregor/network/channel_manager.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"

namespace gregor::network {

namespace asio = boost::asio;

struct channel_manager::channel {
  channel(strand ex, int32_t id, std::string host, uint16_t port)
    : id(id), host(std::move(host)), port(port), wakeup(ex), executor(ex) {}
  int32_t id;
  std::string host;
  uint16_t port;
  std::deque<outbound_request> queue;
  asio::steady_timer wakeup;
  strand executor;
  std::unique_ptr<network::client_connection> connection;
  bool stopped = false;
};

channel_manager::channel_manager(strand ex, std::chrono::milliseconds request_timeout, std::string owner)
  : _strand(std::move(ex)), _timeout(request_timeout), _owner(std::move(owner)) {}

channel_manager::~channel_manager() { stop_all(); }

void channel_manager::add_broker(int32_t id, std::string host, uint16_t port) {
  if (_channels.count(id) > 0) return;
  auto ch = std::make_shared<channel>(_strand, id, std::move(host), port);
  _channels[id] = ch;
  asio::co_spawn(_strand, run(ch, _timeout, _owner), asio::detached);
}

void channel_manager::remove_broker(int32_t id) {
  auto it = _channels.find(id);
  if (it == _channels.end()) return;
  auto ch = it->second;
  _channels.erase(it);
  ch->stopped = true;
  ch->queue.clear();
  if (ch->connection) ch->connection->close();
  ch->wakeup.cancel();
}

void channel_manager::send(int32_t broker, outbound_request request) {
  auto it = _channels.find(broker);
  if (it == _channels.end()) return;  // broker gone: Kafka drops requests to dead brokers too
  it->second->queue.push_back(std::move(request));
  it->second->wakeup.cancel();
}

size_t channel_manager::pending(int32_t except) const {
  size_t n = 0;
  for (const auto& [id, ch] : _channels) n += id == except ? 0 : ch->queue.size();
  return n;
}

void channel_manager::stop_all() {
  while (!_channels.empty()) remove_broker(_channels.begin()->first);
}

asio::awaitable<void> channel_manager::run(std::shared_ptr<channel> ch, std::chrono::milliseconds timeout,
                                           std::string owner) {
  auto log = get_logger(owner);
  auto backoff = std::chrono::milliseconds(100);
  while (!ch->stopped) {
    if (ch->queue.empty()) {
      ch->wakeup.expires_after(std::chrono::hours(24));
      co_await ch->wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (!ch->connection || !ch->connection->is_open()) {
      auto conn = co_await client_connection::connect(ch->executor, ch->host, ch->port, timeout);
      if (ch->stopped) break;
      if (!conn) {
        log->warn("{} cannot reach broker {} at {}:{}: {}; retrying", owner, ch->id, ch->host, ch->port,
                  conn.error().message());
        ch->wakeup.expires_after(backoff);
        co_await ch->wakeup.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
        continue;
      }
      backoff = std::chrono::milliseconds(100);
      ch->connection = std::move(*conn);
    }
    iobuf frame = ch->queue.front().frame.share();
    auto response = co_await ch->connection->round_trip(std::move(frame), timeout);
    if (ch->stopped) break;
    if (!response) {
      log->warn("{} request to broker {} failed: {}; retrying", owner, ch->id, response.error().message());
      ch->connection.reset();
      continue;
    }
    auto done = std::move(ch->queue.front());
    ch->queue.pop_front();
    if (done.on_response) done.on_response(std::move(response));
  }
}

} // namespace gregor::network
