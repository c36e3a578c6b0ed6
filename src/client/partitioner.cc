#include "gregor/client/partitioner.h"

namespace gregor::client {

int32_t murmur2(bytes_view data) {
  // Unsigned arithmetic gives Java's wrapping int multiplication without signed overflow.
  const uint32_t length = static_cast<uint32_t>(data.size());
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = 0x9747b28c ^ length;
  const size_t length4 = data.size() / 4;
  for (size_t i = 0; i < length4; ++i) {
    const size_t i4 = i * 4;
    uint32_t k = uint32_t{data[i4]} | (uint32_t{data[i4 + 1]} << 8) | (uint32_t{data[i4 + 2]} << 16) |
                 (uint32_t{data[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = data.size() & ~size_t{3};
  switch (data.size() % 4) {
  case 3: h ^= uint32_t{data[tail + 2]} << 16; [[fallthrough]];
  case 2: h ^= uint32_t{data[tail + 1]} << 8; [[fallthrough]];
  case 1:
    h ^= uint32_t{data[tail]};
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(bytes_view key, int32_t partitions) {
  const int32_t positive = murmur2(key) & 0x7fffffff;
  return positive % partitions;
}

} // namespace gregor::client
