#include "gregor/record/validate.h"

#include <gtest/gtest.h>

#include <chrono>

#include "gregor/compression/compress.h"
#include "gregor/record/batch_builder.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

using testing::batch_with_records;
using testing::concat;
using testing::fix_crc;
using testing::hand_built_batch;
using testing::simple_record;

void expect_error(bytes_view payload, batch_errc want, const validation_limits& limits = {}) {
  auto r = validate_batches(payload, limits);
  ASSERT_FALSE(r) << "expected " << make_error_code(want).message();
  EXPECT_EQ(r.error(), make_error_code(want)) << r.error().message();
}

bytes two_record_batch() {
  batch_builder b;
  b.add(1000, as_bytes("a"), as_bytes("1"));
  b.add(1001, as_bytes("b"), as_bytes("2"));
  return b.build();
}

TEST(validate, accepts_a_batch_built_by_hand_from_the_spec) {
  bytes b = hand_built_batch();
  auto r = validate_batches(b, {});
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].position, 0u);
  EXPECT_EQ((*r)[0].header.record_count, 1);
}

TEST(validate, empty_payload_has_no_batches) {
  auto r = validate_batches(bytes_view{}, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(validate, several_batches_report_positions) {
  bytes a = hand_built_batch();
  bytes b = two_record_batch();
  bytes payload = concat({a, b, a});
  auto r = validate_batches(payload, {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[1].position, a.size());
  EXPECT_EQ((*r)[2].position, a.size() + b.size());
  EXPECT_EQ((*r)[1].header.record_count, 2);

  validation_limits one;
  one.single_batch = true;
  expect_error(payload, batch_errc::invalid_record, one);
  EXPECT_TRUE(validate_batches(a, one));
}

TEST(validate, crc_mismatch_is_corrupt_message) {
  bytes b = hand_built_batch();
  b.back() ^= 0x01;  // inside the records
  expect_error(b, batch_errc::corrupt_message);
  b = hand_built_batch();
  b[crc_offset + 2] ^= 0x80;  // the CRC itself
  expect_error(b, batch_errc::corrupt_message);
  b = hand_built_batch();
  b[attributes_offset + 1] ^= 0x08;  // a covered header field
  expect_error(b, batch_errc::corrupt_message);
}

TEST(validate, truncated_batches_are_corrupt_message) {
  bytes b = hand_built_batch();
  for (size_t cut : {size_t{1}, size_t{11}, size_t{16}, size_t{17}, size_t{60}, b.size() - 1}) {
    expect_error(bytes_view(b).first(cut), batch_errc::corrupt_message);
  }
  // A whole batch followed by a partial one.
  bytes two = concat({b, bytes(b.begin(), b.begin() + 30)});
  expect_error(two, batch_errc::corrupt_message);
}

TEST(validate, batch_length_that_lies) {
  bytes b = hand_built_batch();
  store_be<int32_t>(b.data() + batch_length_offset, 59);  // one more than there is
  expect_error(b, batch_errc::corrupt_message);
  store_be<int32_t>(b.data() + batch_length_offset, 48);  // below the header size
  expect_error(b, batch_errc::corrupt_message);
  store_be<int32_t>(b.data() + batch_length_offset, -5);
  expect_error(b, batch_errc::corrupt_message);
  // One less than the record needs, with a CRC that matches the shortened batch: the record
  // now runs past the end of the batch.
  b = hand_built_batch();
  b.pop_back();
  testing::set_batch_length(b);
  fix_crc(b);
  expect_error(b, batch_errc::invalid_record);
}

TEST(validate, magic_and_codec) {
  bytes b = hand_built_batch();
  b[magic_offset] = 1;
  expect_error(b, batch_errc::unsupported_magic);
  b[magic_offset] = 0;
  expect_error(b, batch_errc::unsupported_magic);
  b[magic_offset] = 3;
  expect_error(b, batch_errc::corrupt_message);
  b = hand_built_batch();
  b[attributes_offset + 1] = 5;
  fix_crc(b);
  expect_error(b, batch_errc::unsupported_compression);
}

TEST(validate, size_limits) {
  bytes b = hand_built_batch();
  validation_limits l;
  l.max_batch_size = b.size();
  EXPECT_TRUE(validate_batches(b, l));
  l.max_batch_size = b.size() - 1;
  expect_error(b, batch_errc::message_too_large, l);
  validation_limits p;
  p.max_payload_size = b.size() * 2 - 1;
  expect_error(concat({b, b}), batch_errc::record_list_too_large, p);
}

TEST(validate, record_count_mismatch) {
  bytes area = concat({simple_record(0, "a", "1"), simple_record(1, "b", "2")});
  EXPECT_TRUE(validate_batches(batch_with_records(area, 2, 1), {}));
  expect_error(batch_with_records(area, 3, 2), batch_errc::invalid_record);  // fewer records
  expect_error(batch_with_records(area, 1, 0), batch_errc::invalid_record);  // trailing record
  expect_error(batch_with_records(area, 2, 2), batch_errc::invalid_record);  // last delta off
  expect_error(batch_with_records(area, -1, 0), batch_errc::invalid_record);
  expect_error(batch_with_records(area, 0x7fffffff, 0x7ffffffe), batch_errc::invalid_record);
  expect_error(batch_with_records({}, 0, -1), batch_errc::invalid_record);  // producers never send empty
}

TEST(validate, offset_deltas_must_count_up_from_zero) {
  bytes gap = concat({simple_record(0, "a", "1"), simple_record(2, "b", "2")});
  expect_error(batch_with_records(gap, 2, 1), batch_errc::invalid_record);
  bytes back = concat({simple_record(1, "a", "1"), simple_record(0, "b", "2")});
  expect_error(batch_with_records(back, 2, 1), batch_errc::invalid_record);
  // Compacted log data may have gaps below last_offset_delta.
  validation_limits log_data;
  log_data.from_client = false;
  EXPECT_TRUE(validate_batches(batch_with_records(gap, 2, 2), log_data));
  EXPECT_TRUE(validate_batches(batch_with_records(gap, 2, 5), log_data));
  expect_error(batch_with_records(gap, 2, 1), batch_errc::invalid_record, log_data);  // delta > last
  expect_error(batch_with_records(back, 2, 1), batch_errc::invalid_record, log_data);
}

TEST(validate, varint_overflow_is_invalid_record) {
  // Record length as a 6-byte varint.
  bytes r = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  // 5-byte varint with bits above 32.
  r = {0xff, 0xff, 0xff, 0xff, 0x7f};
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  // Timestamp delta as an 11-byte varlong inside an otherwise well-formed record.
  bytes body = {0x00};
  for (int i = 0; i < 10; ++i) body.push_back(0xff);
  body.push_back(0x01);
  body.insert(body.end(), {0x00, 0x00, 0x00, 0x00});
  bytes rec = {static_cast<uint8_t>(body.size() * 2)};
  rec.insert(rec.end(), body.begin(), body.end());
  expect_error(batch_with_records(rec, 1, 0), batch_errc::invalid_record);
  // A 10-byte varlong whose last byte carries more than bit 63.
  body = {0x00};
  for (int i = 0; i < 9; ++i) body.push_back(0xff);
  body.push_back(0x02);
  body.insert(body.end(), {0x00, 0x00, 0x00, 0x00});
  rec = {static_cast<uint8_t>(body.size() * 2)};
  rec.insert(rec.end(), body.begin(), body.end());
  expect_error(batch_with_records(rec, 1, 0), batch_errc::invalid_record);
}

TEST(validate, lengths_inside_the_record) {
  bytes good = simple_record(0, "k", "v");
  bytes r = good;
  r[0] = 0x12;  // record length 9: runs past the batch
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[4] = 0x04;  // key length 2: runs into the value
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[4] = 0x03;  // key length -2
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[6] = 0x7e;  // value length 63
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[0] = 0x0a;  // record length 5: shorter than the fields
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[8] = 0x02;  // one header, but no bytes for it
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
  r = good;
  r[8] = 0x01;  // header count -1
  expect_error(batch_with_records(r, 1, 0), batch_errc::invalid_record);
}

bytes record_with_header(uint8_t key_len_byte) {
  // key "k", value "v", one header whose key length byte is given, then "h", value null.
  bytes body = {0x00, 0x00, 0x00, 0x02, 'k', 0x02, 'v', 0x02, key_len_byte, 'h', 0x01};
  bytes out = {static_cast<uint8_t>(body.size() * 2)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(validate, header_keys_are_never_null) {
  EXPECT_TRUE(validate_batches(batch_with_records(record_with_header(0x02), 1, 0), {}));
  // A null key (-1) leaves 'h' unconsumed too, but the null must be what is refused first; a
  // key length of -2 shows the same.
  expect_error(batch_with_records(record_with_header(0x01), 1, 0), batch_errc::invalid_record);
  expect_error(batch_with_records(record_with_header(0x03), 1, 0), batch_errc::invalid_record);
}

TEST(validate, producer_rules) {
  bytes b = hand_built_batch();
  store_be<int64_t>(b.data() + producer_id_offset, 5);  // producer id without a sequence
  fix_crc(b);
  expect_error(b, batch_errc::invalid_record);
  store_be<int32_t>(b.data() + base_sequence_offset, 0);
  fix_crc(b);
  EXPECT_TRUE(validate_batches(b, {}));

  b = hand_built_batch();
  store_be<int16_t>(b.data() + attributes_offset, transactional_bit);  // transactional, no producer
  fix_crc(b);
  expect_error(b, batch_errc::invalid_record);
}

TEST(validate, control_batches_only_from_the_log) {
  bytes b = hand_built_batch();
  store_be<int16_t>(b.data() + attributes_offset, control_bit);
  fix_crc(b);
  expect_error(b, batch_errc::invalid_record);
  validation_limits log_data;
  log_data.from_client = false;
  EXPECT_TRUE(validate_batches(b, log_data));
}

TEST(validate, compacted_topics_require_keys) {
  batch_builder b;
  b.add(1, std::nullopt, as_bytes("v"));
  bytes batch = b.build();
  validation_limits l;
  l.require_keys = true;
  expect_error(batch, batch_errc::invalid_record, l);
  EXPECT_TRUE(validate_batches(hand_built_batch(), l));
}

TEST(validate, create_time_window) {
  bytes b = hand_built_batch();  // timestamp 1000
  validation_limits l;
  l.now_ms = 10'000;
  l.max_timestamp_difference_ms = 5'000;
  expect_error(b, batch_errc::invalid_timestamp, l);
  l.max_timestamp_difference_ms = 9'000;
  EXPECT_TRUE(validate_batches(b, l));
  l.now_ms = -8'000;  // the other side
  EXPECT_TRUE(validate_batches(b, l));
  l.now_ms = -8'001;
  expect_error(b, batch_errc::invalid_timestamp, l);
  // LogAppendTime batches are stamped by the broker; the window does not apply.
  set_log_append_time(b.data(), 0);
  EXPECT_TRUE(validate_batches(b, l));
}

TEST(validate, bomb_inside_a_batch_is_refused_quickly) {
  // One record holding 8 MiB of zeros: a few KiB compressed, legal when the bound allows it.
  bytes zeros(8 << 20, 0);
  for (auto c : {compression::codec::gzip, compression::codec::zstd, compression::codec::lz4,
                 compression::codec::snappy}) {
    batch_builder builder(c);
    builder.add(1000, as_bytes("k"), bytes_view(zeros));
    bytes batch = builder.build();
    ASSERT_LT(batch.size(), size_t{1} << 20) << compression::codec_name(c);
    validation_limits l;
    l.max_uncompressed_size = 16 << 20;
    EXPECT_TRUE(validate_batches(batch, l)) << compression::codec_name(c);
    l.max_uncompressed_size = 1 << 20;
    auto start = std::chrono::steady_clock::now();
    expect_error(batch, batch_errc::invalid_record, l);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  }
}

TEST(validate, compressed_batch_with_garbage_stream_is_invalid_record) {
  bytes junk = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  for (int16_t c = 1; c <= 4; ++c) {
    expect_error(batch_with_records(junk, 1, 0, c), batch_errc::invalid_record);
  }
}

} // namespace
} // namespace gregor::record
