#pragma once
// Errors of the network module, as a std::error_category ("gregor.network"). Socket-level failures
// keep their system error codes (ECONNREFUSED, ECONNRESET, ...); these are the conditions the
// network layer itself detects.

#include <system_error>

namespace gregor::network {

enum class errc : int {
  ok = 0,
  timed_out = 1,             // connect or round trip exceeded its timeout
  connection_closed = 2,     // the connection was closed (by us or the peer) before completion
  frame_too_large = 3,       // a size prefix above the allowed maximum
  invalid_frame_size = 4,    // a negative size prefix
  unexpected_response = 5,   // a response arrived while no request was outstanding
  resolve_failed = 6,        // the host name resolved to no address
  file_truncated = 7,        // a response's file range extends past the end of its file
  truncated_frame = 8,       // the stream ended inside a frame (size prefix or body)
};

const std::error_category& network_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), network_category()};
}

} // namespace gregor::network

template <>
struct std::is_error_code_enum<gregor::network::errc> : std::true_type {};
