// Compression bombs: 1 GiB of zeros (as concatenated members/frames of 16 MiB each, which every
// reader must accept) or single frames far above the budget. Decompression with a 1 MiB budget
// must fail with too_large quickly, without ever allocating the bomb's size.

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <chrono>

#include <gtest/gtest.h>

#include "alloc_tracker.h"
#include "gregor/compression/compress.h"

namespace gregor::compression {
namespace {

constexpr size_t chunk = 1 << 20;
constexpr size_t member_size = 16 << 20;
constexpr size_t members = 64;  // 64 x 16 MiB = 1 GiB
constexpr size_t budget = 1 << 20;

bytes gzip_zeros(size_t n) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 1, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
  bytes zeros(chunk, 0);
  bytes out;
  uint8_t buf[64 * 1024];
  for (size_t done = 0; done < n; done += chunk) {
    bool last = done + chunk >= n;
    s.next_in = zeros.data();
    s.avail_in = static_cast<uInt>(chunk);
    int rc = Z_OK;
    do {
      s.next_out = buf;
      s.avail_out = sizeof buf;
      rc = deflate(&s, last ? Z_FINISH : Z_NO_FLUSH);
      out.insert(out.end(), buf, buf + (sizeof buf - s.avail_out));
    } while (s.avail_out == 0 || (last && rc != Z_STREAM_END));
  }
  deflateEnd(&s);
  return out;
}

bytes zstd_zeros(size_t n, bool declare_size) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
  if (declare_size) ZSTD_CCtx_setPledgedSrcSize(c, n);
  bytes zeros(chunk, 0);
  bytes out;
  bytes buf(ZSTD_CStreamOutSize());
  for (size_t done = 0; done < n; done += chunk) {
    bool last = done + chunk >= n;
    ZSTD_inBuffer in{zeros.data(), chunk, 0};
    size_t remaining = 0;
    do {
      ZSTD_outBuffer o{buf.data(), buf.size(), 0};
      remaining = ZSTD_compressStream2(c, &o, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      EXPECT_FALSE(ZSTD_isError(remaining));
      out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(o.pos));
    } while (last ? remaining != 0 : in.pos < in.size);
  }
  ZSTD_freeCCtx(c);
  return out;
}

bytes lz4_zeros(size_t n) {
  LZ4F_cctx* c = nullptr;
  LZ4F_createCompressionContext(&c, LZ4F_VERSION);
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max4MB;
  bytes zeros(chunk, 0);
  bytes buf(LZ4F_compressBound(chunk, &prefs) + LZ4F_HEADER_SIZE_MAX);
  bytes out;
  size_t w = LZ4F_compressBegin(c, buf.data(), buf.size(), &prefs);
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w));
  for (size_t done = 0; done < n; done += chunk) {
    w = LZ4F_compressUpdate(c, buf.data(), buf.size(), zeros.data(), chunk, nullptr);
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w));
  }
  w = LZ4F_compressEnd(c, buf.data(), buf.size(), nullptr);
  out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(w));
  LZ4F_freeCompressionContext(c);
  return out;
}

bytes repeat(const bytes& one, size_t times) {
  bytes out;
  out.reserve(one.size() * times);
  for (size_t i = 0; i < times; ++i) out.insert(out.end(), one.begin(), one.end());
  return out;
}

void expect_refused(codec c, const bytes& bomb) {
  testing::alloc_tracker tracker;
  auto start = std::chrono::steady_clock::now();
  auto out = decompress(c, bomb, budget);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(out) << codec_name(c);
  EXPECT_EQ(out.error(), errc::too_large) << codec_name(c);
  // The output buffer never outgrows the budget (+1 probe byte); no bomb-sized allocation.
  EXPECT_LE(tracker.largest(), budget + 1) << codec_name(c);
  EXPECT_LT(elapsed, std::chrono::seconds(2)) << codec_name(c);
}

TEST(bomb, gzip_one_gib_of_zeros) {
  bytes one = gzip_zeros(member_size);
  // Sanity: the member really holds 16 MiB.
  auto full = decompress(codec::gzip, one, member_size);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->size(), member_size);
  expect_refused(codec::gzip, repeat(one, members));
  expect_refused(codec::gzip, one);
}

TEST(bomb, zstd_one_gib_of_zeros) {
  bytes one = zstd_zeros(member_size, false);
  auto full = decompress(codec::zstd, one, member_size);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->size(), member_size);
  expect_refused(codec::zstd, repeat(one, members));
  expect_refused(codec::zstd, one);
}

TEST(bomb, zstd_declared_content_size_is_refused_up_front) {
  bytes one = zstd_zeros(member_size, true);
  expect_refused(codec::zstd, one);
}

TEST(bomb, lz4_one_gib_of_zeros) {
  bytes one = lz4_zeros(member_size);
  auto full = decompress(codec::lz4, one, member_size);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->size(), member_size);
  expect_refused(codec::lz4, repeat(one, members));
  expect_refused(codec::lz4, one);
}

} // namespace
} // namespace gregor::compression
