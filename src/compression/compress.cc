#include "gregor/compression/compress.h"

#include "codecs.h"

namespace gregor::compression {

result<bytes> compress(codec c, bytes_view input) {
  switch (c) {
  case codec::none: return bytes(input.begin(), input.end());
  case codec::gzip: return detail::gzip_compress(input);
  case codec::snappy: return detail::snappy_compress(input);
  case codec::lz4: return detail::lz4_compress(input);
  case codec::zstd: return detail::zstd_compress(input);
  }
  return unexpected(make_error_code(errc::unsupported));
}

result<bytes> decompress(codec c, bytes_view input, size_t max_output) {
  return decompress(c, input, max_output, false);
}

result<bytes> decompress(codec c, bytes_view input, size_t max_output, bool lz4_legacy_checksum) {
  switch (c) {
  case codec::none:
    if (input.size() > max_output) return unexpected(make_error_code(errc::too_large));
    return bytes(input.begin(), input.end());
  case codec::gzip: return detail::gzip_decompress(input, max_output);
  case codec::snappy: return detail::snappy_decompress(input, max_output);
  case codec::lz4: return detail::lz4_decompress(input, max_output, lz4_legacy_checksum);
  case codec::zstd: return detail::zstd_decompress(input, max_output);
  }
  return unexpected(make_error_code(errc::unsupported));
}

} // namespace gregor::compression
