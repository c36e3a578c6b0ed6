// zstd through libzstd. Compression writes one frame with its content size (level 3, Kafka's
// default). Decompression streams into a capped buffer and also caps the window the decoder may
// allocate, so a frame declaring a huge window cannot cost more memory than the data it may
// produce (plus a fixed allowance for ordinary producers' windows).

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <bit>
#include <memory>

#include "codecs.h"
#include "gregor/compression/errc.h"
#include "output_buffer.h"

namespace gregor::compression::detail {
namespace {

constexpr int compression_level = 3;
// Streaming producers (zstd-jni, librdkafka) pick the window from the level, up to 8 MiB at the
// levels in use, regardless of how little data follows; always allow that much.
constexpr int min_window_log = 23;
constexpr int max_window_log = 27;  // libzstd's own default limit

std::error_code zstd_err(errc e) { return make_error_code(e); }

struct zstd_dctx_deleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

int window_log_for(size_t max_output) {
  int needed = max_output <= 1 ? 0 : static_cast<int>(std::bit_width(max_output - 1));
  return std::clamp(needed + 1, min_window_log, max_window_log);
}

} // namespace

result<bytes> zstd_compress(bytes_view input) {
  bytes out(ZSTD_compressBound(input.size()));
  size_t n = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), compression_level);
  if (ZSTD_isError(n)) return unexpected(zstd_err(errc::corrupt));
  out.resize(n);
  return out;
}

result<bytes> zstd_decompress(bytes_view input, size_t max_output) {
  if (input.empty()) return unexpected(zstd_err(errc::corrupt));
  size_t hint = input.size() * 4;
  unsigned long long declared = ZSTD_getFrameContentSize(input.data(), input.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) return unexpected(zstd_err(errc::corrupt));
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN) {
    if (declared > max_output) return unexpected(zstd_err(errc::too_large));
    hint = static_cast<size_t>(declared) + 1;
  }

  std::unique_ptr<ZSTD_DCtx, zstd_dctx_deleter> dctx(ZSTD_createDCtx());
  if (!dctx) return unexpected(zstd_err(errc::unsupported));
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log_for(max_output));

  output_buffer out(probe_limit(max_output), hint);
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t frame_hint = 1;  // 0 once a frame is complete and flushed
  while (in.pos < in.size || frame_hint != 0) {
    if (!out.ensure_room()) return unexpected(zstd_err(errc::too_large));
    ZSTD_outBuffer o{out.write_ptr(), out.room(), 0};
    size_t in_before = in.pos;
    frame_hint = ZSTD_decompressStream(dctx.get(), &o, &in);
    if (ZSTD_isError(frame_hint)) {
      return ZSTD_getErrorCode(frame_hint) == ZSTD_error_frameParameter_windowTooLarge
                 ? unexpected(zstd_err(errc::too_large))
                 : unexpected(zstd_err(errc::corrupt));
    }
    out.commit(o.pos);
    if (out.written() > max_output) return unexpected(zstd_err(errc::too_large));
    if (in.pos == in_before && o.pos == 0 && o.pos < o.size) {
      return unexpected(zstd_err(errc::corrupt));  // needs input that is not there: truncated
    }
  }
  return out.take();
}

} // namespace gregor::compression::detail
