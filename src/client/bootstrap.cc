#include "gregor/client/bootstrap.h"

#include <charconv>

#include "gregor/client/errc.h"

namespace gregor::client {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

result<broker_address> parse_one(std::string_view entry) {
  auto bad = unexpected(make_error_code(client_errc::invalid_argument));
  std::string_view host;
  std::string_view port;
  if (entry.front() == '[') {
    auto close = entry.find(']');
    if (close == std::string_view::npos || close + 1 >= entry.size() || entry[close + 1] != ':') return bad;
    host = entry.substr(1, close - 1);
    port = entry.substr(close + 2);
  } else {
    auto colon = entry.rfind(':');
    if (colon == std::string_view::npos) return bad;
    host = entry.substr(0, colon);
    port = entry.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad;  // bare IPv6 needs brackets
  }
  if (host.empty() || port.empty()) return bad;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) return bad;
  return broker_address{std::string(host), static_cast<uint16_t>(value)};
}

} // namespace

result<std::vector<broker_address>> parse_bootstrap_servers(std::string_view list) {
  std::vector<broker_address> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    auto entry = trim(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    auto a = parse_one(entry);
    if (!a) return unexpected(a.error());
    out.push_back(std::move(*a));
  }
  if (out.empty()) return unexpected(make_error_code(client_errc::invalid_argument));
  return out;
}

std::string to_string(const broker_address& a) {
  bool v6 = a.host.find(':') != std::string::npos;
  return (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port);
}

} // namespace gregor::client
