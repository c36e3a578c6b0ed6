#include "gregor/client/errc.h"

#include <string>

#include "gregor/network/errc.h"

namespace gregor::client {
namespace {

class client_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "gregor.client"; }
  std::string message(int ev) const override {
    switch (static_cast<client_errc>(ev)) {
    case client_errc::no_broker_reachable: return "no broker could be reached";
    case client_errc::timed_out: return "the operation timed out";
    case client_errc::unsupported_version: return "the broker supports no version of the API that the client can use";
    case client_errc::malformed_response: return "the broker's response could not be decoded";
    case client_errc::unknown_topic: return "the topic does not exist";
    case client_errc::unknown_partition: return "the partition does not exist";
    case client_errc::no_leader: return "the partition has no leader";
    case client_errc::no_controller: return "the cluster has no reachable controller";
    case client_errc::invalid_argument: return "invalid argument";
    }
    return "unknown client error " + std::to_string(ev);
  }
};

class kafka_category_impl final : public std::error_category {
public:
  const char* name() const noexcept override { return "kafka"; }
  std::string message(int ev) const override {
    auto name = protocol::error_name(static_cast<protocol::error_code>(ev));
    if (name == "UNKNOWN") return "broker error " + std::to_string(ev);
    return std::string(name);
  }
};

} // namespace

const std::error_category& client_category() noexcept {
  static const client_category_impl instance;
  return instance;
}

std::error_code make_error_code(client_errc e) noexcept { return {static_cast<int>(e), client_category()}; }

const std::error_category& kafka_category() noexcept {
  static const kafka_category_impl instance;
  return instance;
}

std::error_code kafka_error(protocol::error_code e) noexcept {
  if (e == protocol::error_code::none) return {};
  return {static_cast<int>(e), kafka_category()};
}

std::error_code kafka_error(int16_t wire_code) noexcept {
  return kafka_error(static_cast<protocol::error_code>(wire_code));
}

bool is_retriable(const std::error_code& ec) noexcept {
  if (!ec) return false;
  if (ec.category() == kafka_category()) return protocol::is_retriable(static_cast<protocol::error_code>(ec.value()));
  if (ec == network::errc::connection_closed || ec == network::errc::timed_out ||
      ec == network::errc::truncated_frame) {
    return true;
  }
  if (ec == client_errc::no_leader || ec == client_errc::no_controller) return true;
  return ec == std::errc::connection_refused || ec == std::errc::connection_reset || ec == std::errc::broken_pipe;
}

} // namespace gregor::client
