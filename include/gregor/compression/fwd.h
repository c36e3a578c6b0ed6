#pragma once
// Forward declarations for the compression module.

#include <cstdint>

namespace gregor::compression {
enum class codec : uint8_t;
enum class errc;
} // namespace gregor::compression
