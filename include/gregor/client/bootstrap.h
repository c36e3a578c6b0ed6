#pragma once
// Broker addresses as operators write them: "host:port,host:port" (bootstrap.servers,
// --bootstrap-server, --broker-list). Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gregor/common/result.h"

namespace gregor::client {

struct broker_address {
  std::string host;
  uint16_t port = 0;
  friend bool operator==(const broker_address&, const broker_address&) = default;
};

// Parses a comma-separated list. Each entry is "host:port" or "[v6addr]:port"; blanks around
// entries are ignored, empty entries skipped. Fails with client_errc::invalid_argument when the
// list is empty or an entry lacks a port or has one outside 1..65535.
result<std::vector<broker_address>> parse_bootstrap_servers(std::string_view list);

// "host:port" (IPv6 hosts in brackets).
std::string to_string(const broker_address& a);

} // namespace gregor::client
