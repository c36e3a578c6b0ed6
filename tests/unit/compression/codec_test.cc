#include "gregor/compression/codec.h"

#include <gtest/gtest.h>

#include "gregor/compression/compress.h"
#include "gregor/compression/errc.h"

namespace gregor::compression {
namespace {

TEST(codec, ids_match_the_wire) {
  EXPECT_EQ(codec_from_id(0), codec::none);
  EXPECT_EQ(codec_from_id(1), codec::gzip);
  EXPECT_EQ(codec_from_id(2), codec::snappy);
  EXPECT_EQ(codec_from_id(3), codec::lz4);
  EXPECT_EQ(codec_from_id(4), codec::zstd);
  EXPECT_EQ(codec_from_id(5), std::nullopt);
  EXPECT_EQ(codec_from_id(7), std::nullopt);
  EXPECT_EQ(codec_from_id(-1), std::nullopt);
}

TEST(codec, names_round_trip) {
  for (int id = 0; id <= 4; ++id) {
    auto c = *codec_from_id(id);
    EXPECT_EQ(parse_codec_name(codec_name(c)), c);
  }
  EXPECT_EQ(codec_name(codec::snappy), "snappy");
  EXPECT_EQ(parse_codec_name("uncompressed"), codec::none);
  EXPECT_EQ(parse_codec_name("producer"), std::nullopt);
  EXPECT_EQ(parse_codec_name("GZIP"), std::nullopt);
  EXPECT_EQ(parse_codec_name(""), std::nullopt);
}

TEST(codec, error_codes_have_messages_and_category) {
  std::error_code e = errc::too_large;
  EXPECT_EQ(&e.category(), &error_category());
  EXPECT_EQ(e.value(), 2);
  EXPECT_FALSE(e.message().empty());
  EXPECT_NE(e, std::error_code(errc::corrupt));
}

TEST(codec, none_copies_and_bounds) {
  bytes in = {1, 2, 3};
  auto c = compress(codec::none, in);
  ASSERT_TRUE(c);
  EXPECT_EQ(*c, in);
  auto d = decompress(codec::none, in, 3);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, in);
  auto big = decompress(codec::none, in, 2);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error(), errc::too_large);
}

} // namespace
} // namespace gregor::compression
