#include "controlled_shutdown.h"

#include <charconv>
#include <limits>
#include <memory>
#include <optional>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/network/client_connection.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/controlled_shutdown.h"

namespace gregor::app {

namespace asio = boost::asio;

namespace {

// (major, minor, IV) of an inter.broker.protocol.version such as "0.8.2", "2.2-IV1", "3.8": a
// version without "-IV<n>" is the last IV of its release.
std::optional<std::tuple<int, int, int>> parse_ibp(std::string_view text) {
  auto number = [&](std::string_view& s) -> std::optional<int> {
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end == s.data()) return std::nullopt;
    s.remove_prefix(static_cast<size_t>(end - s.data()));
    return v;
  };
  std::string_view s = text;
  auto major = number(s);
  if (!major || s.empty() || s.front() != '.') return std::nullopt;
  s.remove_prefix(1);
  auto minor = number(s);
  if (!minor) return std::nullopt;
  if (!s.empty() && s.front() == '.') {  // "0.8.2": the patch level never matters here
    s.remove_prefix(1);
    if (!number(s)) return std::nullopt;
  }
  int iv = std::numeric_limits<int>::max();
  if (!s.empty()) {
    if (s.substr(0, 3) != "-IV") return std::nullopt;
    s.remove_prefix(3);
    auto n = number(s);
    if (!n || !s.empty()) return std::nullopt;
    iv = *n;
  }
  return std::tuple{*major, *minor, iv};
}

std::string describe(const std::vector<protocol::controlled_shutdown_response::remaining_partition>& partitions) {
  std::string out;
  for (const auto& p : partitions) {
    if (!out.empty()) out += ",";
    out += p.topic_name + "-" + std::to_string(p.partition_index);
  }
  return "[" + out + "]";
}

struct controller_address {
  int32_t id = -1;
  std::string host;
  int32_t port = 0;
  friend bool operator==(const controller_address&, const controller_address&) = default;
};

// The controller as this broker's metadata names it, on the inter-broker listener.
std::optional<controller_address> find_controller(const metadata::metadata_cache& cache, const std::string& listener,
                                                  spdlog::logger& log) {
  auto snap = cache.snapshot();
  if (snap->controller_id < 0) {
    log.info("No controller present in the metadata cache");
    return std::nullopt;
  }
  auto it = snap->brokers.find(snap->controller_id);
  const metadata::broker_endpoint* e = it == snap->brokers.end() ? nullptr : it->second.endpoint_for(listener);
  if (e == nullptr) {
    log.info("Broker registration for controller {} is not available in the metadata cache", snap->controller_id);
    return std::nullopt;
  }
  return controller_address{snap->controller_id, e->host, e->port};
}

// True when this broker's metadata shows it leading no partition with more than one replica: the
// controller's updates for the moved leaderships have arrived here.
bool leaderships_moved(const metadata::metadata_cache& cache, int32_t broker_id) {
  auto snap = cache.snapshot();
  for (const auto& [name, topic] : snap->topics) {
    for (const auto& [p, info] : topic.partitions) {
      if (info.leader == broker_id && info.replicas.size() > 1) return false;
    }
  }
  return true;
}

// After a successful request, waits (bounded) until the controller's updates reached this broker.
// The controller sends them to every broker at once, so the other brokers have most likely heard of
// their new leaderships too — which matters when this broker is the controller: resigning drops
// what its channels have not sent yet.
asio::awaitable<void> await_moved_leaderships(const metadata::metadata_cache& cache, int32_t broker_id,
                                              std::chrono::milliseconds bound) {
  asio::steady_timer poll(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (!leaderships_moved(cache, broker_id) && std::chrono::steady_clock::now() < deadline) {
    poll.expires_after(std::chrono::milliseconds(10));
    co_await poll.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

} // namespace

int16_t controlled_shutdown_version(std::string_view ibp) {
  auto v = parse_ibp(ibp);
  if (!v) return 3;
  if (*v < std::tuple{0, 9, 0}) return 0;
  if (*v < std::tuple{2, 2, 0}) return 1;
  if (*v < std::tuple{2, 4, 1}) return 2;
  return 3;
}

asio::awaitable<bool> request_controlled_shutdown(const metadata::metadata_cache& cache,
                                                  controlled_shutdown_settings settings) {
  auto log = get_logger("broker");
  auto ex = co_await asio::this_coro::executor;
  const std::string prefix = "[GregorServer id=" + std::to_string(settings.broker_id) + "] ";
  log->info("{}Starting controlled shutdown", prefix);

  std::unique_ptr<network::client_connection> conn;
  std::optional<controller_address> connected_to;
  int32_t correlation = 0;
  bool succeeded = false;
  int32_t remaining_retries = std::max(settings.max_retries, 0);
  while (!succeeded && remaining_retries > 0) {
    --remaining_retries;
    // 1. The controller now; a new one (or a failed connection) means a new connection.
    auto target = find_controller(cache, settings.listener_name, *log);
    if (target && (!conn || !conn->is_open() || connected_to != target)) {
      conn.reset();
      connected_to.reset();
      std::string host = target->host;
      auto port = static_cast<uint16_t>(target->port);
      auto opened = co_await network::client_connection::connect(ex, host, port, settings.socket_timeout);
      if (!opened) {
        log->warn("{}Error during controlled shutdown, possibly because leader movement took longer than the "
                  "configured controller.socket.timeout.ms and/or request.timeout.ms: cannot connect to controller "
                  "{} at {}:{}: {}",
                  prefix, target->id, target->host, target->port, opened.error().message());
      } else {
        conn = std::move(*opened);
        connected_to = target;
      }
    }
    // 2. Ask it.
    if (conn && connected_to) {
      protocol::request_header header;
      header.api_key = 7;
      header.api_version = settings.api_version;
      header.correlation_id = ++correlation;
      header.client_id = std::to_string(settings.broker_id);
      protocol::controlled_shutdown_request req;
      req.broker_id = settings.broker_id;
      req.broker_epoch = settings.broker_epoch;
      iobuf frame = protocol::encode_request_frame(header, req);
      auto started = std::chrono::steady_clock::now();
      auto raw = co_await conn->round_trip(std::move(frame), settings.socket_timeout);
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      protocol::controlled_shutdown_response resp;
      bool decoded = false;
      if (raw) {
        protocol::reader r(*raw);
        int32_t got = 0;
        decoded = protocol::decode_response_header(r, header.api_key, header.api_version, got) &&
                  got == header.correlation_id && resp.decode(r, header.api_version) && r.ok();
      }
      if (!raw || !decoded) {
        std::string why = raw ? std::string("unreadable response") : raw.error().message();
        log->warn("{}Error during controlled shutdown, possibly because leader movement took longer than the "
                  "configured controller.socket.timeout.ms and/or request.timeout.ms: {}",
                  prefix, why);
        conn.reset();  // reconnect next time
        connected_to.reset();
      } else if (resp.error_code != 0) {
        log->info("{}Controlled shutdown request returned after {}ms with error {}", prefix, took.count(),
                  protocol::error_name(static_cast<protocol::error_code>(resp.error_code)));
      } else if (resp.remaining_partitions.empty()) {
        succeeded = true;
        log->info("{}Controlled shutdown request returned successfully after {}ms", prefix, took.count());
      } else {
        log->info("{}Remaining partitions to move: {}", prefix, describe(resp.remaining_partitions));
        log->info("{}Error from controller: NONE", prefix);
      }
    }
    if (!succeeded && remaining_retries > 0) {
      asio::steady_timer backoff(ex);
      backoff.expires_after(settings.retry_backoff);
      co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
      log->info("{}Retrying controlled shutdown after the previous attempt failed... ({} retries remaining)", prefix,
                remaining_retries);
    }
  }
  if (!succeeded) {
    log->warn("{}Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed", prefix);
  } else {
    auto bound = std::min(settings.socket_timeout, std::chrono::milliseconds(5000));
    co_await await_moved_leaderships(cache, settings.broker_id, bound);
  }
  co_return succeeded;
}

} // namespace gregor::app
