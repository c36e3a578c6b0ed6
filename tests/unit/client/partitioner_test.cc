#include <gtest/gtest.h>

#include "gregor/client/partitioner.h"

namespace gregor::client {
namespace {

// Values computed by Kafka's Java Utils.murmur2 (its unit test uses the same inputs).
TEST(PartitionerTest, Murmur2MatchesKafka) {
  EXPECT_EQ(murmur2(as_bytes("21")), -973932308);
  EXPECT_EQ(murmur2(as_bytes("foobar")), -790332482);
  EXPECT_EQ(murmur2(as_bytes("a-little-bit-long-string")), -985981536);
  EXPECT_EQ(murmur2(as_bytes("a-little-bit-longer-string")), -1486304829);
  EXPECT_EQ(murmur2(as_bytes("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
  EXPECT_EQ(murmur2(as_bytes("abc")), 479470107);
}

TEST(PartitionerTest, PartitionIsPositiveHashModuloCount) {
  // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340
  EXPECT_EQ(partition_for_key(as_bytes("21"), 7), 1173551340 % 7);
  for (int n = 1; n < 20; ++n) {
    int32_t p = partition_for_key(as_bytes("key-" + std::to_string(n)), n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

} // namespace
} // namespace gregor::client
