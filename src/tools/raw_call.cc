#include "raw_call.h"

#include <chrono>
#include <memory>
#include <utility>

#include "gregor/client/sync_client.h"
#include "gregor/network/client_connection.h"

namespace gregor::tools {

namespace {

namespace asio = boost::asio;

asio::awaitable<result<shared_bytes>> exchange(asio::any_io_executor ex, std::string host, uint16_t port, iobuf frame,
                                               std::chrono::milliseconds timeout) {
  auto conn = co_await network::client_connection::connect(ex, std::move(host), port, timeout);
  if (!conn) co_return unexpected(conn.error());
  co_return co_await (*conn)->round_trip(std::move(frame), timeout);
}

} // namespace

result<shared_bytes> round_trip(client::sync_client& c, const client::broker_info& broker, iobuf frame) {
  return c.run(exchange(c.io().get_executor(), broker.host, static_cast<uint16_t>(broker.port), std::move(frame),
                        c.async().options().request_timeout));
}

} // namespace gregor::tools
