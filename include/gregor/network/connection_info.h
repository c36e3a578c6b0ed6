#pragma once

#include <cstdint>
#include <string>

namespace gregor::network {

// Identity of one accepted connection. Immutable for the connection's lifetime; `id` is unique
// within one server object (never reused).
struct connection_info {
  uint64_t id = 0;
  std::string listener_name;
  std::string peer_host;
  uint16_t peer_port = 0;
};

} // namespace gregor::network
