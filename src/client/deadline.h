#pragma once
// Deadlines of the client's retry loops (internal to src/client): what is left of a deadline, and
// a duration as a protocol timeout field. Pure functions; thread-safe.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace gregor::client {

using clock_type = std::chrono::steady_clock;

// Time left until `deadline`, never negative.
inline std::chrono::milliseconds remaining(clock_type::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return std::max(left, std::chrono::milliseconds(0));
}

// `d` in milliseconds, clamped to [0, INT32_MAX] (the protocol's int32 timeout fields).
inline int32_t to_timeout_ms(std::chrono::milliseconds d) {
  return static_cast<int32_t>(std::clamp<int64_t>(d.count(), 0, INT32_MAX));
}

} // namespace gregor::client
