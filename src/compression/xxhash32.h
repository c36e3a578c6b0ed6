#pragma once
// XXH32, needed to recompute an LZ4 frame-descriptor checksum (liblz4 does not export its copy).

#include <cstddef>
#include <cstdint>

namespace gregor::compression::detail {

uint32_t xxh32(const uint8_t* data, size_t size, uint32_t seed);

} // namespace gregor::compression::detail
