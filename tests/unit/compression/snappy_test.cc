#include <snappy.h>

#include <gtest/gtest.h>

#include <memory>

#include "alloc_tracker.h"
#include "gregor/common/endian.h"
#include "gregor/compression/compress.h"
#include "test_data.h"

namespace gregor::compression {
namespace {

// Raw snappy block for "hello": varint length 5, literal tag ((5-1) << 2), the bytes.
const bytes hello_block = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};

bytes xerial_header() { return {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}; }

void append_block(bytes& out, const bytes& block) {
  uint8_t len[4];
  store_be<int32_t>(len, static_cast<int32_t>(block.size()));
  out.insert(out.end(), len, len + 4);
  out.insert(out.end(), block.begin(), block.end());
}

TEST(snappy, decodes_one_raw_block_as_librdkafka_writes) {
  auto out = decompress(codec::snappy, hello_block, 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "hello");

  std::string big(100000, 'x');
  std::string raw;
  snappy::Compress(big.data(), big.size(), &raw);
  auto out2 = decompress(codec::snappy, as_bytes(raw), big.size());
  ASSERT_TRUE(out2);
  EXPECT_EQ(as_string_view(*out2), big);
}

TEST(snappy, decodes_a_hand_built_xerial_stream) {
  bytes stream = xerial_header();
  append_block(stream, hello_block);
  append_block(stream, hello_block);
  auto out = decompress(codec::snappy, stream, 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "hellohello");
}

TEST(snappy, header_only_xerial_stream_is_empty) {
  auto out = decompress(codec::snappy, xerial_header(), 100);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->empty());
}

TEST(snappy, concatenated_xerial_streams_decode) {
  bytes stream = xerial_header();
  append_block(stream, hello_block);
  bytes second = xerial_header();
  append_block(second, hello_block);
  stream.insert(stream.end(), second.begin(), second.end());
  auto out = decompress(codec::snappy, stream, 100);
  ASSERT_TRUE(out);
  EXPECT_EQ(as_string_view(*out), "hellohello");
}

TEST(snappy, writer_uses_32k_blocks_like_snappy_java) {
  bytes in = testing::random_bytes(100 * 1024);
  auto z = compress(codec::snappy, in);
  ASSERT_TRUE(z);
  // Walk the blocks: 32K + 32K + 32K + 4K of input.
  size_t pos = 16;
  std::vector<size_t> sizes;
  while (pos < z->size()) {
    auto len = static_cast<size_t>(load_be<int32_t>(z->data() + pos));
    size_t n = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(z->data() + pos + 4), len, &n));
    sizes.push_back(n);
    pos += 4 + len;
  }
  EXPECT_EQ(pos, z->size());
  EXPECT_EQ(sizes, (std::vector<size_t>{32768, 32768, 32768, 4096}));
}

TEST(snappy, raw_block_declaring_a_huge_length_is_refused_before_allocating) {
  // varint 1 GiB, then a few bytes of junk.
  bytes bomb = {0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 0x01, 0x02};
  testing::alloc_tracker tracker;
  auto out = decompress(codec::snappy, bomb, 1 << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), errc::too_large);
  EXPECT_LT(tracker.largest(), size_t{64} << 10);
}

TEST(snappy, xerial_stream_past_the_budget_is_too_large) {
  std::string zeros(32768, '\0');
  std::string raw;
  snappy::Compress(zeros.data(), zeros.size(), &raw);
  bytes block(raw.begin(), raw.end());
  bytes stream = xerial_header();
  for (int i = 0; i < 1000; ++i) append_block(stream, block);  // 32 MB of output
  testing::alloc_tracker tracker;
  auto out = decompress(codec::snappy, stream, 1 << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), errc::too_large);
  EXPECT_LE(tracker.largest(), size_t{1} << 20);
}

TEST(snappy, malformed_xerial_blocks_are_corrupt) {
  bytes negative = xerial_header();
  negative.insert(negative.end(), {0xff, 0xff, 0xff, 0xff});
  bytes overrun = xerial_header();
  overrun.insert(overrun.end(), {0, 0, 0, 50, 1, 2});
  bytes short_len = xerial_header();
  short_len.insert(short_len.end(), {0, 0});
  bytes bad_block = xerial_header();
  append_block(bad_block, {0x05, 0x10, 'h'});  // literal runs past the block
  for (const auto& in : {negative, overrun, short_len, bad_block}) {
    auto out = decompress(codec::snappy, in, 1 << 20);
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error(), errc::corrupt);
  }
}

} // namespace
} // namespace gregor::compression

namespace gregor::compression {
namespace {

TEST(alloc_tracker, sees_large_allocations) {
  // Guards the bomb tests against a tracker that never records anything.
  testing::alloc_tracker tracker;
  auto big = std::make_unique<bytes>(3 << 20);
  EXPECT_GE(tracker.largest(), size_t{3} << 20);
}

} // namespace
} // namespace gregor::compression
