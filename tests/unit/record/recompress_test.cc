// recompress_batch / recompress_batches: every codec pair keeps the records and the producer
// fields, recomputes the CRC, and decompression stays bounded (bombs are refused).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gregor/common/endian.h"
#include "gregor/compression/codec.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/recompress.h"
#include "gregor/record/record.h"
#include "gregor/record/validate.h"

namespace gregor::record {
namespace {

using compression::codec;

const std::vector<codec> all_codecs = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};

bytes sample_batch(codec c) {
  batch_builder b(c, /*base_offset=*/0);
  b.set_producer(4242, 7, 100);
  b.set_partition_leader_epoch(3);
  std::string big(3000, 'x');  // compressible, so the codecs really change the bytes
  b.add(1700000000000, as_bytes("k1"), as_bytes("value-1"), {header{"h1", bytes{'a'}}, header{"h2", std::nullopt}});
  b.add(1700000000005, std::nullopt, as_bytes(big));
  b.add(1699999999990, as_bytes("k3"), std::nullopt, {header{"only", bytes{}}});
  return b.build();
}

validation_limits log_limits() {
  validation_limits l;
  l.max_batch_size = 1 << 20;
  return l;
}

TEST(recompress, every_codec_pair_keeps_records_and_producer_fields) {
  for (codec from : all_codecs) {
    for (codec to : all_codecs) {
      SCOPED_TRACE(std::string(compression::codec_name(from)) + " -> " + std::string(compression::codec_name(to)));
      bytes original = sample_batch(from);
      auto re = recompress_batch(original, to, 1 << 20);
      ASSERT_TRUE(re.has_value()) << re.error().message();
      auto before = parse_batch_header(original);
      auto after = parse_batch_header(*re);
      ASSERT_TRUE(before && after);
      EXPECT_EQ(after->codec(), to);
      EXPECT_TRUE(crc_matches(*re));
      EXPECT_EQ(after->total_size(), re->size());
      EXPECT_EQ(after->base_offset, before->base_offset);
      EXPECT_EQ(after->partition_leader_epoch, before->partition_leader_epoch);
      EXPECT_EQ(after->last_offset_delta, before->last_offset_delta);
      EXPECT_EQ(after->base_timestamp, before->base_timestamp);
      EXPECT_EQ(after->max_timestamp, before->max_timestamp);
      EXPECT_EQ(after->producer_id, 4242);
      EXPECT_EQ(after->producer_epoch, 7);
      EXPECT_EQ(after->base_sequence, 100);
      EXPECT_EQ(after->record_count, 3);
      EXPECT_EQ(after->attributes & ~codec_mask, before->attributes & ~codec_mask);
      auto a = decode_records(original);
      auto b = decode_records(*re);
      ASSERT_TRUE(a && b);
      EXPECT_EQ(*a, *b);
      // The new batch passes the broker's own checks.
      EXPECT_TRUE(validate_batches(*re, log_limits()).has_value());
      if (from == to) {
        EXPECT_EQ(*re, original);  // same codec: same bytes (the same records re-packed)
      }
    }
  }
}

TEST(recompress, keeps_transactional_and_log_append_time_bits) {
  batch_builder b(codec::gzip);
  b.set_producer(9, 1, 0);
  b.set_transactional(true);
  b.set_log_append_time(1234);
  b.add(1000, as_bytes("k"), as_bytes("v"));
  bytes original = b.build();
  auto re = recompress_batch(original, codec::zstd, 1 << 20);
  ASSERT_TRUE(re.has_value());
  auto h = parse_batch_header(*re);
  EXPECT_TRUE(h->is_transactional());
  EXPECT_TRUE(h->log_append_time());
  EXPECT_EQ(h->max_timestamp, 1234);
  EXPECT_EQ(h->codec(), codec::zstd);
}

TEST(recompress, compression_bomb_is_refused_without_allocating_it) {
  // 8 MiB of zeros compress to a few KiB; the bound is 1 MiB.
  batch_builder b(codec::gzip);
  b.add(1000, std::nullopt, bytes(8 << 20, 0));
  bytes bomb = b.build();
  ASSERT_LT(bomb.size(), size_t{64} << 10);
  for (codec to : {codec::none, codec::zstd}) {
    auto re = recompress_batch(bomb, to, 1 << 20);
    ASSERT_FALSE(re.has_value());
    EXPECT_EQ(re.error(), make_error_code(batch_errc::invalid_record));
  }
  // The same bound applies to validation of produce input.
  validation_limits l = log_limits();
  l.max_uncompressed_size = 1 << 20;
  auto v = validate_batches(bomb, l);
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error(), make_error_code(batch_errc::invalid_record));
}

TEST(recompress, corrupt_input_is_reported_not_trusted) {
  bytes original = sample_batch(codec::snappy);
  bytes flipped = original;
  flipped.back() ^= 0xff;
  auto r1 = recompress_batch(flipped, codec::gzip, 1 << 20);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error(), make_error_code(batch_errc::corrupt_message));
  bytes torn(original.begin(), original.end() - 5);
  auto r2 = recompress_batch(torn, codec::gzip, 1 << 20);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error(), make_error_code(batch_errc::corrupt_message));
  // Valid CRC but garbage compressed records.
  bytes garbage = original;
  for (size_t i = batch_header_size; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 31);
  store_be<uint32_t>(garbage.data() + crc_offset, compute_crc(garbage));
  auto r3 = recompress_batch(garbage, codec::none, 1 << 20);
  ASSERT_FALSE(r3.has_value());
  EXPECT_EQ(r3.error(), make_error_code(batch_errc::invalid_record));
}

TEST(recompress, payload_only_rebuilt_when_needed) {
  bytes payload = sample_batch(codec::gzip);
  bytes second = sample_batch(codec::lz4);
  payload.insert(payload.end(), second.begin(), second.end());
  auto batches = validate_batches(payload, log_limits());
  ASSERT_TRUE(batches.has_value());

  auto same = recompress_batches(payload, *batches, codec::gzip, 1 << 20);
  ASSERT_TRUE(same.has_value());
  ASSERT_TRUE(same->has_value());  // the lz4 batch changes
  auto again = validate_batches(**same, log_limits());
  ASSERT_TRUE(again.has_value());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ((*again)[0].header.codec(), codec::gzip);
  EXPECT_EQ((*again)[1].header.codec(), codec::gzip);
  // The first batch was already gzip: copied byte for byte.
  EXPECT_TRUE(std::equal(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>((*batches)[0].header.total_size()),
                         (*same)->begin()));

  bytes one = sample_batch(codec::zstd);
  auto one_batches = validate_batches(one, log_limits());
  ASSERT_TRUE(one_batches.has_value());
  auto nothing = recompress_batches(one, *one_batches, codec::zstd, 1 << 20);
  ASSERT_TRUE(nothing.has_value());
  EXPECT_FALSE(nothing->has_value());
}

} // namespace
} // namespace gregor::record
