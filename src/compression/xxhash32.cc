#include "xxhash32.h"

#include <bit>
#include <cstring>

namespace gregor::compression::detail {
namespace {

constexpr uint32_t p1 = 2654435761U;
constexpr uint32_t p2 = 2246822519U;
constexpr uint32_t p3 = 3266489917U;
constexpr uint32_t p4 = 668265263U;
constexpr uint32_t p5 = 374761393U;

uint32_t read_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint32_t round(uint32_t acc, uint32_t lane) {
  acc += lane * p2;
  acc = std::rotl(acc, 13);
  return acc * p1;
}

} // namespace

uint32_t xxh32(const uint8_t* data, size_t size, uint32_t seed) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint32_t h = 0;
  if (size >= 16) {
    uint32_t v1 = seed + p1 + p2;
    uint32_t v2 = seed + p2;
    uint32_t v3 = seed;
    uint32_t v4 = seed - p1;
    const uint8_t* limit = end - 16;
    do {
      v1 = round(v1, read_le32(p));
      v2 = round(v2, read_le32(p + 4));
      v3 = round(v3, read_le32(p + 8));
      v4 = round(v4, read_le32(p + 12));
      p += 16;
    } while (p <= limit);
    h = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
  } else {
    h = seed + p5;
  }
  h += static_cast<uint32_t>(size);
  while (p + 4 <= end) {
    h += read_le32(p) * p3;
    h = std::rotl(h, 17) * p4;
    p += 4;
  }
  while (p < end) {
    h += static_cast<uint32_t>(*p) * p5;
    h = std::rotl(h, 11) * p1;
    ++p;
  }
  h ^= h >> 15;
  h *= p2;
  h ^= h >> 13;
  h *= p3;
  h ^= h >> 16;
  return h;
}

} // namespace gregor::compression::detail
