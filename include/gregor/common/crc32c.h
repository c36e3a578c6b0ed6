#pragma once
// CRC-32C (Castagnoli), as RecordBatch v2 uses it. Uses the SSE4.2 instruction when the CPU has
// it, else a table-driven fallback (Boost.CRC). See docs/DEPENDENCIES.md for why it is ours.

#include "gregor/common/bytes.h"

namespace gregor {

// CRC-32C of `data`, continuing from `crc` (pass the previous result to extend; 0 to start).
uint32_t crc32c(bytes_view data, uint32_t crc = 0);

// The portable implementation, exposed for tests that compare both paths.
uint32_t crc32c_portable(bytes_view data, uint32_t crc = 0);

// CRC-32 (IEEE 802.3), as legacy magic 0/1 messages use it (zlib).
uint32_t crc32_ieee(bytes_view data, uint32_t crc = 0);

} // namespace gregor
