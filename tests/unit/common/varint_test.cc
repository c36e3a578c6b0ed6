#include "gregor/common/varint.h"

#include <gtest/gtest.h>
#include <limits>

using namespace gregor;

TEST(varint, zigzag_matches_kafka) {
  EXPECT_EQ(varint::zigzag_encode(0), 0u);
  EXPECT_EQ(varint::zigzag_encode(-1), 1u);
  EXPECT_EQ(varint::zigzag_encode(1), 2u);
  EXPECT_EQ(varint::zigzag_encode(-2), 3u);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{300}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(varint::zigzag_decode(varint::zigzag_encode(v)), v);
  }
}

TEST(varint, unsigned_round_trip_and_limits) {
  uint8_t buf[varint::max_size64];
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 0xffffffffull, ~0ull}) {
    size_t n = varint::encode_unsigned(buf, v);
    EXPECT_EQ(n, varint::unsigned_size(v));
    uint64_t out = 0;
    EXPECT_EQ(varint::decode_unsigned(buf, buf + n, out), n);
    EXPECT_EQ(out, v);
    if (n > 1) {
      EXPECT_EQ(varint::decode_unsigned(buf, buf + n - 1, out), 0u) << "truncated input";
    }
  }
  uint8_t endless[12];
  std::fill(std::begin(endless), std::end(endless), 0xff);
  uint64_t out = 0;
  EXPECT_EQ(varint::decode_unsigned(endless, endless + 12, out), 0u);
  EXPECT_EQ(varint::decode_unsigned(endless, endless + 12, out, varint::max_size32), 0u);
}
