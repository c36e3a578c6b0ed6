#include "gregor/config/listener.h"

#include <cctype>
#include <charconv>
#include <set>

#include "config_value.h"
#include "gregor/config/config_error.h"

namespace gregor::config {
namespace {

std::string upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}

bool known_protocol(std::string_view p) {
  return p == "PLAINTEXT" || p == "SSL" || p == "SASL_PLAINTEXT" || p == "SASL_SSL";
}

std::vector<std::string_view> split_commas(std::string_view s) {
  std::vector<std::string_view> out;
  s = trim_java(s);
  if (s.empty()) return out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = s.find(',', start);
    out.push_back(trim_java(s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '%' || c == ':';
}

[[noreturn]] void unparsable(std::string_view key, std::string_view text, std::string_view item) {
  throw config_error("Invalid value " + std::string(text) + " for configuration " + std::string(key) +
                     ": Unable to parse " + std::string(item) + " to a broker endpoint");
}

}  // namespace

std::map<std::string, std::string> parse_security_protocol_map(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view item : split_commas(text)) {
    auto colon = item.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) {
      throw config_error("Invalid value " + std::string(text) +
                         " for configuration listener.security.protocol.map: Map entry '" + std::string(item) +
                         "' is not of the form NAME:PROTOCOL");
    }
    std::string name = upper(trim_java(item.substr(0, colon)));
    std::string protocol = upper(trim_java(item.substr(colon + 1)));
    if (!known_protocol(protocol)) {
      throw config_error("Invalid value " + std::string(text) +
                         " for configuration listener.security.protocol.map: No enum constant " + protocol);
    }
    if (!out.emplace(name, protocol).second) {
      throw config_error("Invalid value " + std::string(text) +
                         " for configuration listener.security.protocol.map: Duplicate listener name " + name);
    }
  }
  return out;
}

std::vector<listener> parse_listeners(std::string_view text, std::string_view key,
                                      const std::map<std::string, std::string>& protocol_map,
                                      bool distinct_ports) {
  std::vector<listener> out;
  std::set<std::string> names;
  std::set<int32_t> ports;
  for (std::string_view item : split_commas(text)) {
    auto sep = item.find("://");
    if (sep == std::string_view::npos || sep == 0) unparsable(key, text, item);
    listener l;
    l.name = upper(item.substr(0, sep));
    std::string_view rest = item.substr(sep + 3);
    std::string_view host;
    std::string_view port_text;
    if (!rest.empty() && rest.front() == '[') {
      auto close = rest.find(']');
      if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
        unparsable(key, text, item);
      }
      host = rest.substr(1, close - 1);
      port_text = rest.substr(close + 2);
    } else {
      auto colon = rest.rfind(':');
      if (colon == std::string_view::npos) unparsable(key, text, item);
      host = rest.substr(0, colon);
      port_text = rest.substr(colon + 1);
      // An unbracketed IPv6 address is ambiguous; Kafka's parser needs the brackets as well.
      if (host.find(':') != std::string_view::npos) unparsable(key, text, item);
    }
    for (char c : host) {
      if (!valid_host_char(c)) unparsable(key, text, item);
    }
    int port = -1;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || p != port_text.data() + port_text.size() || port < 0 ||
        port > 65535) {
      unparsable(key, text, item);
    }
    l.host = std::string(host);
    l.port = port;
    auto proto = protocol_map.find(l.name);
    if (proto == protocol_map.end()) {
      throw config_error("Invalid value " + std::string(text) + " for configuration " + std::string(key) +
                         ": No security protocol defined for listener " + l.name);
    }
    l.security_protocol = proto->second;
    if (!names.insert(l.name).second) {
      throw config_error("Invalid value " + std::string(text) + " for configuration " + std::string(key) +
                         ": Each listener must have a different name, but " + l.name + " appears more than once");
    }
    if (distinct_ports && l.port != 0 && !ports.insert(l.port).second) {
      throw config_error("Invalid value " + std::string(text) + " for configuration " + std::string(key) +
                         ": Each listener must have a different port, but port " + std::to_string(l.port) +
                         " appears more than once");
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::string to_string(const listener& l) {
  std::string host = l.host.find(':') != std::string::npos ? "[" + l.host + "]" : l.host;
  return l.name + "://" + host + ":" + std::to_string(l.port);
}

}  // namespace gregor::config
