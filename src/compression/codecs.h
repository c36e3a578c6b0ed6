#pragma once
// Per-codec entry points behind compress()/decompress(). Same contracts as compress.h.

#include <cstddef>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"

namespace gregor::compression::detail {

result<bytes> gzip_compress(bytes_view input);
result<bytes> gzip_decompress(bytes_view input, size_t max_output);

result<bytes> snappy_compress(bytes_view input);
result<bytes> snappy_decompress(bytes_view input, size_t max_output);

result<bytes> lz4_compress(bytes_view input);
result<bytes> lz4_decompress(bytes_view input, size_t max_output, bool legacy_checksum);

result<bytes> zstd_compress(bytes_view input);
result<bytes> zstd_decompress(bytes_view input, size_t max_output);

} // namespace gregor::compression::detail
