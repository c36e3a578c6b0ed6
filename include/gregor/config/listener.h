#pragma once
// Listener endpoints: `listeners` / `advertised.listeners` ("NAME://host:port,...").

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace gregor::config {

struct listener {
  std::string name;               // upper-cased, as Kafka normalises listener names
  std::string host;               // empty = all interfaces; IPv6 without brackets
  int32_t port = 0;               // 0 = ephemeral (the bound port is advertised)
  std::string security_protocol;  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL

  friend bool operator==(const listener&, const listener&) = default;
};

// Parses `listener.security.protocol.map` ("NAME:PROTOCOL,..."); names upper-cased. Throws
// config_error on a malformed entry, an unknown protocol or a name given twice.
std::map<std::string, std::string> parse_security_protocol_map(std::string_view text);

// Parses a listener list. `key` names the setting in error messages. Each name must be in
// `protocol_map`. Duplicate names are errors; duplicate non-zero ports are errors when
// `distinct_ports` (true for `listeners`, false for `advertised.listeners`). Throws config_error.
std::vector<listener> parse_listeners(std::string_view text, std::string_view key,
                                      const std::map<std::string, std::string>& protocol_map,
                                      bool distinct_ports);

// "NAME://host:port", brackets around an IPv6 host.
std::string to_string(const listener& l);

}  // namespace gregor::config
