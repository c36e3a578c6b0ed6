// Garbage and truncated input must come back as errors, never crash or hang.

#include <gtest/gtest.h>

#include <string>

#include "gregor/compression/compress.h"
#include "test_data.h"

namespace gregor::compression {
namespace {

class corrupt_input : public ::testing::TestWithParam<codec> {};

TEST_P(corrupt_input, garbage_is_corrupt) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    bytes junk = testing::random_bytes(1 + seed * 37, seed);
    // Keep a raw snappy block's declared length small so the answer is "corrupt", not "too large".
    if (GetParam() == codec::snappy) junk[0] = 0x7f;
    auto out = decompress(GetParam(), junk, 1 << 20);
    ASSERT_FALSE(out) << "seed " << seed;
    EXPECT_EQ(out.error(), errc::corrupt) << "seed " << seed;
  }
}

TEST_P(corrupt_input, empty_input_is_corrupt) {
  auto out = decompress(GetParam(), bytes{}, 1 << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), errc::corrupt);
}

TEST_P(corrupt_input, every_truncation_fails) {
  bytes in = testing::compressible_bytes(3000);
  auto z = compress(GetParam(), in);
  ASSERT_TRUE(z);
  for (size_t cut = 1; cut < z->size(); ++cut) {
    auto out = decompress(GetParam(), bytes_view(*z).first(cut), 1 << 20);
    if (GetParam() == codec::snappy) {
      // xerial framing has no end marker: a cut on a block boundary is a shorter valid stream.
      ASSERT_FALSE(out && *out == in) << "cut " << cut;
    } else {
      ASSERT_FALSE(out) << "cut " << cut << " of " << z->size();
    }
  }
}

TEST_P(corrupt_input, flipped_bytes_never_crash) {
  bytes in = testing::compressible_bytes(3000);
  auto z = compress(GetParam(), in);
  ASSERT_TRUE(z);
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    bytes m = *z;
    m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto out = decompress(GetParam(), m, 1 << 20);
    if (out) {
      EXPECT_LE(out->size(), size_t{1} << 20);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(all, corrupt_input, ::testing::ValuesIn(testing::real_codecs),
                         [](const auto& info) { return std::string(codec_name(info.param)); });

TEST(corrupt_input, unknown_codec_value_is_unsupported) {
  auto out = decompress(static_cast<codec>(9), as_bytes("x"), 10);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), errc::unsupported);
  auto c = compress(static_cast<codec>(9), as_bytes("x"));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), errc::unsupported);
}

} // namespace
} // namespace gregor::compression
