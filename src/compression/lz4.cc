// LZ4 frame format through liblz4's LZ4F API. Writes what Kafka's Java producer writes (64 KiB
// independent blocks, no block or content checksums). Reads any frame(s), streaming into a
// capped buffer.
//
// KAFKA-3160: Kafka's magic-0 messages carry a frame-descriptor checksum computed over the magic
// number as well as the descriptor. With legacy_checksum we rewrite that one byte to the
// standard value before handing the frame to liblz4, which otherwise rejects it.

#include <lz4frame.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "codecs.h"
#include "gregor/compression/errc.h"
#include "output_buffer.h"
#include "xxhash32.h"

namespace gregor::compression::detail {
namespace {

constexpr uint32_t lz4_frame_magic = 0x184D2204;  // little-endian on the wire: 04 22 4D 18

std::error_code lz4_err(errc e) { return make_error_code(e); }

struct dctx_deleter {
  void operator()(LZ4F_dctx* d) const { LZ4F_freeDecompressionContext(d); }
};

// Size of the frame descriptor (FLG..HC inclusive) of a frame starting at `f`, or 0 if `f` is not
// a well-formed lz4 frame start.
size_t descriptor_size(bytes_view f) {
  if (f.size() < 7) return 0;
  uint32_t magic = static_cast<uint32_t>(f[0]) | static_cast<uint32_t>(f[1]) << 8 |
                   static_cast<uint32_t>(f[2]) << 16 | static_cast<uint32_t>(f[3]) << 24;
  if (magic != lz4_frame_magic) return 0;
  uint8_t flg = f[4];
  size_t n = 3;                  // FLG, BD, HC
  if (flg & 0x08) n += 8;        // content size
  if (flg & 0x01) n += 4;        // dictionary id
  return f.size() >= 4 + n ? n : 0;
}

} // namespace

result<bytes> lz4_compress(bytes_view input) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;
  prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
  prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
  bytes out(LZ4F_compressFrameBound(input.size(), &prefs));
  size_t n = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &prefs);
  if (LZ4F_isError(n)) return unexpected(lz4_err(errc::corrupt));
  out.resize(n);
  return out;
}

result<bytes> lz4_decompress(bytes_view input, size_t max_output, bool legacy_checksum) {
  if (input.empty()) return unexpected(lz4_err(errc::corrupt));
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return unexpected(lz4_err(errc::unsupported));
  }
  std::unique_ptr<LZ4F_dctx, dctx_deleter> dctx(raw);

  // With the legacy flag, feed a corrected copy of the header, then the rest from `input`.
  uint8_t fixed_header[4 + 15];
  bytes_view first{};
  bytes_view rest = input;
  if (legacy_checksum) {
    size_t d = descriptor_size(input);
    if (d == 0) return unexpected(lz4_err(errc::corrupt));
    std::copy_n(input.data(), 4 + d, fixed_header);
    fixed_header[4 + d - 1] = static_cast<uint8_t>((xxh32(input.data() + 4, d - 1, 0) >> 8) & 0xff);
    first = bytes_view(fixed_header, 4 + d);
    rest = input.subspan(4 + d);
  }

  // A declared content size lets us refuse a bomb before decoding anything.
  size_t hint = input.size() * 4;
  if (size_t d = descriptor_size(input); d != 0 && (input[4] & 0x08) != 0) {
    uint64_t content_size = 0;
    for (int i = 7; i >= 0; --i) content_size = content_size << 8 | input[6 + static_cast<size_t>(i)];
    if (content_size > max_output) return unexpected(lz4_err(errc::too_large));
    hint = static_cast<size_t>(content_size) + 1;
  }
  output_buffer out(probe_limit(max_output), hint);
  size_t frame_hint = 1;  // LZ4F's "bytes expected next"; 0 means a frame just ended
  auto feed = [&](bytes_view src) -> std::error_code {
    while (!src.empty()) {
      if (!out.ensure_room()) return lz4_err(errc::too_large);
      size_t dst_size = out.room();
      size_t src_size = src.size();
      LZ4F_decompressOptions_t opts{};
      frame_hint = LZ4F_decompress(dctx.get(), out.write_ptr(), &dst_size, src.data(), &src_size, &opts);
      if (LZ4F_isError(frame_hint)) return lz4_err(errc::corrupt);
      out.commit(dst_size);
      if (out.written() > max_output) return lz4_err(errc::too_large);
      src = src.subspan(src_size);
      if (src_size == 0 && dst_size == 0) {
        // No progress with room available means liblz4 wants more input than there is.
        if (out.room() > 0) return lz4_err(errc::corrupt);
      }
    }
    return {};
  };
  if (!first.empty()) {
    if (auto e = feed(first)) return unexpected(e);
  }
  if (auto e = feed(rest)) return unexpected(e);
  // Input is exhausted; flush whatever liblz4 still buffers (it may hold decoded bytes when the
  // destination was full), then require a finished frame.
  while (frame_hint != 0) {
    if (!out.ensure_room()) return unexpected(lz4_err(errc::too_large));
    size_t dst_size = out.room();
    size_t src_size = 0;
    const uint8_t none = 0;
    frame_hint = LZ4F_decompress(dctx.get(), out.write_ptr(), &dst_size, &none, &src_size, nullptr);
    if (LZ4F_isError(frame_hint)) return unexpected(lz4_err(errc::corrupt));
    out.commit(dst_size);
    if (out.written() > max_output) return unexpected(lz4_err(errc::too_large));
    if (dst_size == 0 && frame_hint != 0) return unexpected(lz4_err(errc::corrupt));  // truncated
  }
  return out.take();
}

} // namespace gregor::compression::detail
