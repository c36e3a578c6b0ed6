#pragma once
// Deterministic inputs for the compression tests.

#include <random>
#include <string>

#include "gregor/common/bytes.h"
#include "gregor/compression/codec.h"

namespace gregor::compression::testing {

inline bytes random_bytes(size_t n, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// Text-like data with lots of repetition but not a single repeated byte.
inline bytes compressible_bytes(size_t n) {
  static const std::string words[] = {"broker ", "partition ", "offset ", "leader ", "replica ", "epoch\n"};
  bytes out;
  out.reserve(n);
  for (size_t i = 0; out.size() < n; ++i) {
    const auto& w = words[(i * 7 + i / 5) % 6];
    for (char c : w) {
      if (out.size() == n) break;
      out.push_back(static_cast<uint8_t>(c));
    }
  }
  return out;
}

inline constexpr codec all_codecs[] = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
inline constexpr codec real_codecs[] = {codec::gzip, codec::snappy, codec::lz4, codec::zstd};

} // namespace gregor::compression::testing
