#pragma once
// Varints as Kafka uses them. Two kinds, never to be mixed (see WIRE-PROTOCOL-NOTES §3):
//  * unsigned varints: protocol-level compact lengths and tagged fields;
//  * zigzag (signed) varints: every varint inside a v2 record.

#include <cstddef>
#include <cstdint>

namespace gregor::varint {

inline constexpr size_t max_size32 = 5;
inline constexpr size_t max_size64 = 10;

inline constexpr uint64_t zigzag_encode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline constexpr int64_t zigzag_decode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Writes `v` at `out` (room for max_size64 bytes), returns the bytes written.
inline size_t encode_unsigned(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v) | 0x80;
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}
inline size_t encode_signed(uint8_t* out, int64_t v) { return encode_unsigned(out, zigzag_encode(v)); }

inline size_t unsigned_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline size_t signed_size(int64_t v) { return unsigned_size(zigzag_encode(v)); }

// Decodes an unsigned varint of at most `max_bytes` bytes from [p, end).
// Returns the bytes consumed, or 0 if the input is truncated or too long.
inline size_t decode_unsigned(const uint8_t* p, const uint8_t* end, uint64_t& out,
                              size_t max_bytes = max_size64) {
  uint64_t result = 0;
  unsigned shift = 0;
  for (size_t i = 0; i < max_bytes && p + i < end; ++i) {
    uint8_t b = p[i];
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      out = result;
      return i + 1;
    }
    shift += 7;
  }
  return 0;
}

inline size_t decode_signed(const uint8_t* p, const uint8_t* end, int64_t& out,
                            size_t max_bytes = max_size64) {
  uint64_t u = 0;
  size_t n = decode_unsigned(p, end, u, max_bytes);
  if (n != 0) out = zigzag_decode(u);
  return n;
}

} // namespace gregor::varint
