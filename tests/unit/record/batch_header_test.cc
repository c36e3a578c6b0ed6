#include "gregor/record/batch_header.h"

#include <gtest/gtest.h>

#include "gregor/record/validate.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

using testing::hand_built_batch;

TEST(batch_header, offsets_match_the_spec_table) {
  EXPECT_EQ(batch_header_size, 61u);
  EXPECT_EQ(log_overhead, 12u);
  EXPECT_EQ(magic_offset, 16u);
  EXPECT_EQ(crc_offset, 17u);
  EXPECT_EQ(attributes_offset, 21u);
  EXPECT_EQ(last_offset_delta_offset, 23u);
  EXPECT_EQ(base_timestamp_offset, 27u);
  EXPECT_EQ(max_timestamp_offset, 35u);
  EXPECT_EQ(producer_id_offset, 43u);
  EXPECT_EQ(producer_epoch_offset, 51u);
  EXPECT_EQ(base_sequence_offset, 53u);
  EXPECT_EQ(record_count_offset, 57u);
  EXPECT_EQ(min_batch_length, 49);
}

TEST(batch_header, parses_a_hand_built_batch) {
  bytes b = hand_built_batch();
  auto h = parse_batch_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->base_offset, 0);
  EXPECT_EQ(h->batch_length, 58);
  EXPECT_EQ(h->partition_leader_epoch, -1);
  EXPECT_EQ(h->magic, 2);
  EXPECT_EQ(h->attributes, 0);
  EXPECT_EQ(h->last_offset_delta, 0);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_EQ(h->max_timestamp, 1000);
  EXPECT_EQ(h->producer_id, -1);
  EXPECT_EQ(h->producer_epoch, -1);
  EXPECT_EQ(h->base_sequence, -1);
  EXPECT_EQ(h->record_count, 1);
  EXPECT_EQ(h->total_size(), b.size());
  EXPECT_EQ(h->codec(), compression::codec::none);
  EXPECT_FALSE(h->log_append_time());
  EXPECT_FALSE(h->is_transactional());
  EXPECT_FALSE(h->is_control());
  EXPECT_TRUE(crc_matches(b));
}

TEST(batch_header, attribute_accessors) {
  batch_header h;
  h.attributes = 0x3b;  // lz4 | LogAppendTime | transactional | control
  EXPECT_EQ(h.codec(), compression::codec::lz4);
  EXPECT_TRUE(h.log_append_time());
  EXPECT_TRUE(h.is_transactional());
  EXPECT_TRUE(h.is_control());
  EXPECT_FALSE(h.has_delete_horizon());
  h.attributes = 0x06;
  EXPECT_FALSE(h.codec_id_valid());
  h.base_offset = 100;
  h.last_offset_delta = 9;
  EXPECT_EQ(h.last_offset(), 109);
}

TEST(batch_header, short_or_wrong_magic_is_rejected) {
  bytes b = hand_built_batch();
  EXPECT_FALSE(parse_batch_header(bytes_view(b).first(60)));
  b[magic_offset] = 1;
  EXPECT_FALSE(parse_batch_header(b));
  EXPECT_EQ(peek_magic(b), 1);
  EXPECT_EQ(peek_magic(bytes_view(b).first(16)), std::nullopt);
}

TEST(batch_header, offset_and_epoch_patches_keep_the_crc) {
  bytes b = hand_built_batch();
  uint32_t crc_before = parse_batch_header(b)->crc;
  set_base_offset(b.data(), 123456789012);
  set_partition_leader_epoch(b.data(), 17);
  auto h = parse_batch_header(b);
  EXPECT_EQ(h->base_offset, 123456789012);
  EXPECT_EQ(h->partition_leader_epoch, 17);
  EXPECT_EQ(h->crc, crc_before);
  EXPECT_TRUE(crc_matches(b));
  EXPECT_TRUE(validate_batches(b, {}));
}

TEST(batch_header, log_append_time_patch_recomputes_the_crc) {
  bytes b = hand_built_batch();
  uint32_t crc_before = parse_batch_header(b)->crc;
  set_log_append_time(b.data(), 5555);
  auto h = parse_batch_header(b);
  EXPECT_TRUE(h->log_append_time());
  EXPECT_EQ(h->max_timestamp, 5555);
  EXPECT_EQ(h->base_timestamp, 1000);
  EXPECT_NE(h->crc, crc_before);
  EXPECT_TRUE(crc_matches(b));
  EXPECT_TRUE(validate_batches(b, {}));
}

} // namespace
} // namespace gregor::record
