#include "gregor/common/crc32c.h"

#include <gtest/gtest.h>
#include <random>
#include <string>

using namespace gregor;

TEST(crc32c, known_vectors) {
  // RFC 3720 (iSCSI) test vectors.
  EXPECT_EQ(crc32c(as_bytes("123456789")), 0xE3069283u);
  bytes zeros(32, 0);
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  bytes ones(32, 0xff);
  EXPECT_EQ(crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(crc32c(bytes_view{}), 0u);
}

TEST(crc32c, hardware_and_portable_agree_and_extend) {
  std::mt19937 rng(7);
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4097u}) {
    bytes data(len);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    uint32_t whole = crc32c(data);
    EXPECT_EQ(whole, crc32c_portable(data)) << len;
    size_t cut = len / 3;
    uint32_t part = crc32c(bytes_view(data).subspan(0, cut));
    EXPECT_EQ(crc32c(bytes_view(data).subspan(cut), part), whole) << len;
  }
}

TEST(crc32, ieee_vector) { EXPECT_EQ(crc32_ieee(as_bytes("123456789")), 0xCBF43926u); }
