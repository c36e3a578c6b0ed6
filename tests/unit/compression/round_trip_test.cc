#include <gtest/gtest.h>

#include <string>

#include "gregor/compression/compress.h"
#include "test_data.h"

namespace gregor::compression {
namespace {

using testing::all_codecs;
using testing::compressible_bytes;
using testing::random_bytes;

class round_trip : public ::testing::TestWithParam<codec> {};

void expect_round_trip(codec c, const bytes& in) {
  auto z = compress(c, in);
  ASSERT_TRUE(z) << z.error().message();
  auto out = decompress(c, *z, in.size());
  ASSERT_TRUE(out) << codec_name(c) << ": " << out.error().message();
  EXPECT_EQ(*out, in);
  // One byte less than the real size must be refused.
  if (!in.empty()) {
    auto small = decompress(c, *z, in.size() - 1);
    ASSERT_FALSE(small) << codec_name(c);
    EXPECT_EQ(small.error(), errc::too_large);
  }
}

TEST_P(round_trip, empty) { expect_round_trip(GetParam(), {}); }

TEST_P(round_trip, small) {
  auto s = as_bytes("hello, gregor");
  expect_round_trip(GetParam(), bytes(s.begin(), s.end()));
}

TEST_P(round_trip, one_mib_random) { expect_round_trip(GetParam(), random_bytes(1 << 20)); }

TEST_P(round_trip, one_mib_compressible) {
  bytes in = compressible_bytes(1 << 20);
  expect_round_trip(GetParam(), in);
  if (GetParam() != codec::none) {
    auto z = compress(GetParam(), in);
    ASSERT_TRUE(z);
    EXPECT_LT(z->size(), in.size() / 4) << codec_name(GetParam());
  }
}

TEST_P(round_trip, generous_budget_is_not_preallocated_as_output) {
  // A large max_output is a ceiling, not a size: the result is exactly the data.
  bytes in = compressible_bytes(1000);
  auto z = compress(GetParam(), in);
  ASSERT_TRUE(z);
  auto out = decompress(GetParam(), *z, size_t{1} << 40);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, in);
}

INSTANTIATE_TEST_SUITE_P(all, round_trip, ::testing::ValuesIn(all_codecs),
                         [](const auto& info) { return std::string(codec_name(info.param)); });

TEST(stream_format, magic_bytes_are_the_expected_formats) {
  bytes in = compressible_bytes(100);
  auto gz = compress(codec::gzip, in);
  auto sn = compress(codec::snappy, in);
  auto l4 = compress(codec::lz4, in);
  auto zs = compress(codec::zstd, in);
  ASSERT_TRUE(gz && sn && l4 && zs);
  EXPECT_EQ((*gz)[0], 0x1f);
  EXPECT_EQ((*gz)[1], 0x8b);
  EXPECT_EQ(bytes(sn->begin(), sn->begin() + 16),
            (bytes{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(bytes(l4->begin(), l4->begin() + 4), (bytes{0x04, 0x22, 0x4d, 0x18}));
  // FLG: version 01, independent blocks; BD: 64 KiB max block (as Kafka's Java writer).
  EXPECT_EQ((*l4)[4] & 0xe0, 0x60);
  EXPECT_EQ((*l4)[5], 0x40);
  EXPECT_EQ(bytes(zs->begin(), zs->begin() + 4), (bytes{0x28, 0xb5, 0x2f, 0xfd}));
}

TEST(stream_format, gzip_concatenated_members_decode_as_one) {
  auto a = compress(codec::gzip, as_bytes("abc"));
  auto b = compress(codec::gzip, as_bytes("def"));
  ASSERT_TRUE(a && b);
  bytes both = *a;
  both.insert(both.end(), b->begin(), b->end());
  auto out = decompress(codec::gzip, both, 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "abcdef");
  both.push_back(0);  // trailing garbage is not another member
  EXPECT_FALSE(decompress(codec::gzip, both, 100));
}

} // namespace
} // namespace gregor::compression
