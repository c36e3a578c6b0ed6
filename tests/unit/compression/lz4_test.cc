#include <gtest/gtest.h>

#include "gregor/compression/compress.h"
#include "test_data.h"
#include "xxhash32.h"

namespace gregor::compression {
namespace {

using detail::xxh32;

TEST(xxh32, reference_values) {
  const uint8_t* none = reinterpret_cast<const uint8_t*>("");
  EXPECT_EQ(xxh32(none, 0, 0), 0x02CC5D05u);
  auto abc = as_bytes("abc");
  EXPECT_EQ(xxh32(abc.data(), abc.size(), 0), 0x32D153FFu);
}

TEST(xxh32, agrees_with_liblz4_header_checksums) {
  // Frames from liblz4 with 7- and 15-byte headers (the latter with a content size).
  auto z = compress(codec::lz4, as_bytes("some data"));
  ASSERT_TRUE(z);
  const uint8_t* d = z->data() + 4;
  EXPECT_EQ((*z)[6], static_cast<uint8_t>(xxh32(d, 2, 0) >> 8));
}

// Rewrites the header checksum the KAFKA-3160 way: hashed from the magic number on.
bytes with_legacy_checksum(bytes frame) {
  frame[6] = static_cast<uint8_t>(xxh32(frame.data(), 6, 0) >> 8);
  return frame;
}

TEST(lz4, legacy_header_checksum_needs_the_flag) {
  bytes in = testing::compressible_bytes(5000);
  auto z = compress(codec::lz4, in);
  ASSERT_TRUE(z);
  ASSERT_EQ((*z)[4] & 0x09, 0) << "expects a 7-byte header";
  bytes legacy = with_legacy_checksum(*z);
  ASSERT_NE(legacy[6], (*z)[6]) << "test input must give differing checksums";

  auto strict = decompress(codec::lz4, legacy, 1 << 20);
  ASSERT_FALSE(strict);
  EXPECT_EQ(strict.error(), errc::corrupt);

  auto tolerant = decompress(codec::lz4, legacy, 1 << 20, true);
  ASSERT_TRUE(tolerant) << tolerant.error().message();
  EXPECT_EQ(*tolerant, in);

  // The flag tolerates the standard checksum too (any checksum byte).
  auto standard = decompress(codec::lz4, *z, 1 << 20, true);
  ASSERT_TRUE(standard);
  EXPECT_EQ(*standard, in);
}

TEST(lz4, concatenated_frames_decode) {
  auto a = compress(codec::lz4, as_bytes("abc"));
  auto b = compress(codec::lz4, as_bytes("def"));
  ASSERT_TRUE(a && b);
  bytes both = *a;
  both.insert(both.end(), b->begin(), b->end());
  auto out = decompress(codec::lz4, both, 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "abcdef");
}

} // namespace
} // namespace gregor::compression
