#include "gregor/record/legacy.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/compression/compress.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/control.h"
#include "gregor/record/record.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

using compression::codec;
using testing::str;

const std::error_code corrupt = make_error_code(batch_errc::corrupt_message);
const std::error_code invalid = make_error_code(batch_errc::invalid_record);

// ---------------------------------------------------------------------------------------------
// Legacy entries written field by field from WIRE-PROTOCOL-NOTES §7, independently of the code
// under test (only the CRC-32 comes from the common module).

bytes opt_bytes(const std::optional<bytes>& v) {
  bytes out(4);
  if (!v) {
    store_be<int32_t>(out.data(), -1);
    return out;
  }
  store_be<int32_t>(out.data(), static_cast<int32_t>(v->size()));
  out.insert(out.end(), v->begin(), v->end());
  return out;
}

bytes hand_message(int64_t offset, int8_t magic, int8_t attributes, int64_t timestamp,
                   const std::optional<bytes>& key, const std::optional<bytes>& value) {
  bytes body = {static_cast<uint8_t>(magic), static_cast<uint8_t>(attributes)};
  if (magic == 1) {
    bytes ts(8);
    store_be<int64_t>(ts.data(), timestamp);
    body.insert(body.end(), ts.begin(), ts.end());
  }
  for (const auto& part : {opt_bytes(key), opt_bytes(value)}) body.insert(body.end(), part.begin(), part.end());
  bytes out(16);
  store_be<int64_t>(out.data(), offset);
  store_be<int32_t>(out.data() + 8, static_cast<int32_t>(body.size() + 4));
  store_be<uint32_t>(out.data() + 12, crc32_ieee(body));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

bytes compressed(codec c, bytes_view in) {
  auto r = compression::compress(c, in);
  EXPECT_TRUE(r);
  return r ? *r : bytes{};
}

// A wrapper around `inner` (already encoded entries) compressed with `c`.
bytes hand_wrapper(int64_t offset, int8_t magic, codec c, int64_t timestamp, const bytes& inner,
                   int8_t extra_attributes = 0) {
  return hand_message(offset, magic, static_cast<int8_t>(static_cast<int8_t>(c) | extra_attributes), timestamp,
                      std::nullopt, compressed(c, inner));
}

void recompute_legacy_crc(bytes& entry) {
  store_be<uint32_t>(entry.data() + 12, crc32_ieee(bytes_view(entry).subspan(16)));
}

struct kv {
  std::optional<bytes> key;
  std::optional<bytes> value;
  int64_t timestamp;
};

std::vector<kv> sample() {
  return {
      {str("key-0"), str("value-0"), 1'700'000'000'000},
      {std::nullopt, str("no key"), 1'700'000'000'005},
      {str("tombstone"), std::nullopt, 1'699'999'999'000},  // older than the first: deltas go negative
      {bytes{}, bytes{}, 1'700'000'000'007},
      {str("big"), str(std::string(70'000, 'z')), 1'700'000'000'008},  // spans lz4/snappy blocks
  };
}

std::optional<bytes_view> view(const std::optional<bytes>& b) {
  if (!b) return std::nullopt;
  return bytes_view(*b);
}

bytes v2_batch(codec c, int64_t base_offset, const std::vector<kv>& rs) {
  batch_builder b(c, base_offset);
  for (const auto& r : rs) b.add(r.timestamp, view(r.key), view(r.value));
  return b.build();
}

bytes legacy_set(int8_t magic, codec c, int64_t first_offset, const std::vector<kv>& rs) {
  legacy_builder b(magic, c);
  for (size_t i = 0; i < rs.size(); ++i) {
    b.add(first_offset + static_cast<int64_t>(i), rs[i].timestamp, view(rs[i].key), view(rs[i].value));
  }
  bytes out;
  EXPECT_FALSE(b.build_into(out));
  return out;
}

std::vector<record> decode_v2(const bytes& batch) {
  auto d = decode_records(batch);
  EXPECT_TRUE(d) << d.error().message();
  return d ? *d : std::vector<record>{};
}

std::vector<legacy_message> decode_legacy(const bytes& set) {
  auto d = decode_legacy_set(set);
  EXPECT_TRUE(d) << d.error().message();
  return d ? *d : std::vector<legacy_message>{};
}

std::error_code upconvert_error(const bytes& set, int8_t magic, const validation_limits& limits = {}) {
  auto r = upconvert_message_set(set, magic, limits);
  return r ? std::error_code{} : r.error();
}

const std::vector<codec> legacy_codecs = {codec::none, codec::gzip, codec::snappy, codec::lz4};

// ---------------------------------------------------------------------------------------------
// Byte-exact output.

TEST(legacy_downconvert, magic1_message_matches_hand_built_bytes) {
  // One record, key "k", value "v", timestamp 1000, offset 0 (test_batches.h).
  auto out = downconvert_batches(testing::hand_built_batch(), 1, 1 << 20);
  ASSERT_TRUE(out);
  const bytes expected = {
      0, 0, 0, 0, 0, 0, 0, 0,        // offset 0
      0, 0, 0, 24,                   // message size: 22-byte header + key + value
      0xe4, 0xe3, 0x21, 0xbc,        // CRC-32 (IEEE) of magic .. end of value
      1,                             // magic
      0,                             // attributes: no codec, CreateTime
      0, 0, 0, 0, 0, 0, 0x03, 0xe8,  // timestamp 1000
      0, 0, 0, 1, 'k',               // key
      0, 0, 0, 1, 'v',               // value
  };
  EXPECT_EQ(*out, expected);
}

TEST(legacy_downconvert, magic0_message_matches_hand_built_bytes) {
  auto out = downconvert_batches(testing::hand_built_batch(), 0, 1 << 20);
  ASSERT_TRUE(out);
  const bytes expected = {
      0, 0, 0, 0, 0, 0, 0, 0,  // offset 0
      0, 0, 0, 16,             // message size: 14-byte header + key + value
      0x1f, 0xec, 0xd7, 0x0a,  // CRC-32 (IEEE)
      0, 0,                    // magic 0, attributes
      0, 0, 0, 1, 'k',         //
      0, 0, 0, 1, 'v',         //
  };
  EXPECT_EQ(*out, expected);
}

TEST(legacy_upconvert, hand_built_magic1_message) {
  auto r = upconvert_message_set(hand_message(0, 1, 0, 1000, str("k"), str("v")), 1, {});
  ASSERT_TRUE(r) << r.error().message();
  // Our builder writes this exact record the same way as the hand-built v2 batch.
  EXPECT_EQ(*r, testing::hand_built_batch());
}

// ---------------------------------------------------------------------------------------------
// Up-conversion.

class legacy_upconvert_codec : public ::testing::TestWithParam<std::tuple<int, codec>> {};

TEST_P(legacy_upconvert_codec, keeps_records_codec_and_timestamps) {
  auto [magic_int, c] = GetParam();
  auto magic = static_cast<int8_t>(magic_int);
  auto rs = sample();
  bytes set = legacy_set(magic, c, 0, rs);
  auto r = upconvert_message_set(set, magic, {});
  ASSERT_TRUE(r) << r.error().message();
  auto h = parse_batch_header(*r);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->codec(), c);
  EXPECT_EQ(h->record_count, static_cast<int32_t>(rs.size()));
  EXPECT_FALSE(h->log_append_time());
  EXPECT_EQ(h->producer_id, -1);
  // The result passes the produce-path validation the partition applies.
  EXPECT_TRUE(validate_batches(*r, validation_limits{.max_batch_size = 1 << 24, .single_batch = true}));
  auto got = decode_v2(*r);
  ASSERT_EQ(got.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(got[i].offset, static_cast<int64_t>(i));
    EXPECT_EQ(got[i].key, rs[i].key) << i;
    EXPECT_EQ(got[i].value, rs[i].value) << i;
    // Magic 1 keeps CreateTime; magic 0 has no timestamp, which Kafka converts to -1.
    EXPECT_EQ(got[i].timestamp, magic == 1 ? rs[i].timestamp : -1) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(all, legacy_upconvert_codec,
                         ::testing::Combine(::testing::Values(0, 1), ::testing::ValuesIn(legacy_codecs)));

TEST(legacy_upconvert, hand_built_wrappers_of_every_codec) {
  for (int8_t magic : {int8_t{0}, int8_t{1}}) {
    for (codec c : {codec::gzip, codec::snappy, codec::lz4}) {
      // Inner offsets as producers send them: 0..n-1 (placeholders in magic 0, relative in 1).
      bytes inner = testing::concat({hand_message(0, magic, 0, 10, str("a"), str("1")),
                                     hand_message(1, magic, 0, 20, std::nullopt, str("2")),
                                     hand_message(2, magic, 0, 30, str("c"), std::nullopt)});
      bytes set = hand_wrapper(2, magic, c, 30, inner);
      auto r = upconvert_message_set(set, magic, {});
      ASSERT_TRUE(r) << int(magic) << " " << compression::codec_name(c) << ": " << r.error().message();
      auto got = decode_v2(*r);
      ASSERT_EQ(got.size(), 3u);
      EXPECT_EQ(got[0].key, str("a"));
      EXPECT_EQ(got[1].key, std::nullopt);
      EXPECT_EQ(got[2].value, std::nullopt);
      EXPECT_EQ(got[2].timestamp, magic == 1 ? 30 : -1);
      EXPECT_EQ(parse_batch_header(*r)->codec(), c);
    }
  }
}

TEST(legacy_upconvert, several_entries_become_one_batch_with_the_last_wrapper_codec) {
  bytes set = testing::concat({
      hand_message(0, 1, 0, 5, str("plain"), str("p")),
      hand_wrapper(1, 1, codec::gzip, 6, hand_message(0, 1, 0, 6, str("g"), str("g"))),
      hand_wrapper(2, 1, codec::snappy, 7, hand_message(0, 1, 0, 7, str("s"), str("s"))),
      hand_message(3, 1, 0, 8, str("tail"), str("t")),
  });
  auto r = upconvert_message_set(set, 1, {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(parse_batch_header(*r)->codec(), codec::snappy);
  auto got = decode_v2(*r);
  ASSERT_EQ(got.size(), 4u);
  std::vector<bytes> keys;
  for (const auto& g : got) keys.push_back(*g.key);
  EXPECT_EQ(keys, (std::vector<bytes>{str("plain"), str("g"), str("s"), str("tail")}));
  EXPECT_EQ(got[3].timestamp, 8);
}

TEST(legacy_upconvert, log_append_time_wrapper_gives_its_timestamp_to_inner_records) {
  bytes inner = testing::concat({hand_message(0, 1, 0, 10, str("a"), str("1")),
                                 hand_message(1, 1, 0, 20, str("b"), str("2"))});
  bytes set = hand_wrapper(1, 1, codec::gzip, 999, inner, legacy_timestamp_type_bit);
  auto r = upconvert_message_set(set, 1, {});
  ASSERT_TRUE(r);
  auto got = decode_v2(*r);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].timestamp, 999);
  EXPECT_EQ(got[1].timestamp, 999);
}

TEST(legacy_upconvert, magic0_lz4_with_the_kafka3160_checksum) {
  // What kafka-python and old Kafka write for magic 0: header checksum over magic + descriptor.
  bytes inner = hand_message(0, 0, 0, -1, str("k"), str("v"));
  bytes frame = compressed(codec::lz4, inner);
  ASSERT_GE(frame.size(), 7u);
  ASSERT_EQ(frame[4], 0x60);  // version 1, independent blocks, no content size
  ASSERT_EQ(frame[5], 0x40);  // 64 KiB blocks
  ASSERT_EQ(frame[6], 0x82);  // the standard checksum of 60 40
  frame[6] = 0x1a;            // xxh32(04 22 4D 18 60 40) >> 8 & 0xff, computed offline
  bytes set = hand_message(0, 0, static_cast<int8_t>(codec::lz4), -1, std::nullopt, frame);
  auto r = upconvert_message_set(set, 0, {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(decode_v2(*r).at(0).value, str("v"));
}

TEST(legacy_upconvert, crc_mismatch_is_corrupt_message) {
  bytes set = hand_message(0, 0, 0, -1, str("k"), str("value"));
  set.back() ^= 0x01;
  EXPECT_EQ(upconvert_error(set, 0), corrupt);

  // Inside a wrapper too.
  bytes inner = hand_message(0, 1, 0, 1, str("k"), str("value"));
  inner.back() ^= 0x01;
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 1, codec::gzip, 1, inner), 1), corrupt);
}

TEST(legacy_upconvert, truncated_and_undersized_messages) {
  bytes good = testing::concat({hand_message(0, 1, 0, 1, str("a"), str("b")),
                                hand_message(1, 1, 0, 2, str("c"), str("d"))});
  for (size_t cut = 1; cut < good.size(); ++cut) {
    if (cut == good.size() / 2) continue;  // exactly one whole message: valid
    bytes torn(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(upconvert_error(torn, 1), corrupt) << "cut at " << cut;
  }
  // messageSize below the 22-byte magic-1 header.
  bytes small = hand_message(0, 1, 0, 1, std::nullopt, std::nullopt);
  store_be<int32_t>(small.data() + 8, 21);
  small.pop_back();
  EXPECT_EQ(upconvert_error(small, 1), corrupt);
  // Negative messageSize.
  bytes negative = hand_message(0, 0, 0, -1, str("k"), str("v"));
  store_be<int32_t>(negative.data() + 8, -5);
  EXPECT_EQ(upconvert_error(negative, 0), corrupt);
}

TEST(legacy_upconvert, key_and_value_lengths_must_fill_the_message) {
  bytes m = hand_message(0, 0, 0, -1, str("key"), str("value"));
  // Key length 100 inside a message that has 16 bytes after it.
  store_be<int32_t>(m.data() + 18, 100);
  recompute_legacy_crc(m);
  EXPECT_EQ(upconvert_error(m, 0), invalid);
  // Key length -2.
  m = hand_message(0, 0, 0, -1, str("key"), str("value"));
  store_be<int32_t>(m.data() + 18, -2);
  recompute_legacy_crc(m);
  EXPECT_EQ(upconvert_error(m, 0), invalid);
  // A trailing byte after the value (message size grown to include it).
  m = hand_message(0, 0, 0, -1, str("key"), str("value"));
  m.push_back(0);
  store_be<int32_t>(m.data() + 8, static_cast<int32_t>(m.size() - 12));
  recompute_legacy_crc(m);
  EXPECT_EQ(upconvert_error(m, 0), invalid);
}

TEST(legacy_upconvert, magic_must_match_the_request_version) {
  EXPECT_EQ(upconvert_error(hand_message(0, 1, 0, 1, str("k"), str("v")), 0), invalid);
  EXPECT_EQ(upconvert_error(hand_message(0, 0, 0, -1, str("k"), str("v")), 1), invalid);
  EXPECT_EQ(upconvert_error(testing::hand_built_batch(), 1), invalid);  // a v2 batch in Produce v2
  bytes unknown = hand_message(0, 1, 0, 1, str("k"), str("v"));
  unknown[16] = 7;
  EXPECT_EQ(upconvert_error(unknown, 1), corrupt);
}

TEST(legacy_upconvert, codec_ids) {
  for (int id : {4, 5, 7}) {  // zstd cannot appear in magic 0/1; 5-7 are no codec
    bytes m = hand_message(0, 1, static_cast<int8_t>(id), 1, std::nullopt, str("x"));
    EXPECT_EQ(upconvert_error(m, 1), make_error_code(batch_errc::unsupported_compression)) << id;
  }
}

TEST(legacy_upconvert, magic1_timestamp_below_minus_one) {
  EXPECT_EQ(upconvert_error(hand_message(0, 1, 0, -2, str("k"), str("v")), 1), invalid);
  EXPECT_FALSE(upconvert_error(hand_message(0, 1, 0, -1, str("k"), str("v")), 1));
}

TEST(legacy_upconvert, malformed_wrappers) {
  // Null value.
  EXPECT_EQ(upconvert_error(hand_message(0, 1, static_cast<int8_t>(codec::gzip), 1, std::nullopt, std::nullopt), 1),
            invalid);
  // Not a gzip stream.
  EXPECT_EQ(upconvert_error(hand_message(0, 1, static_cast<int8_t>(codec::gzip), 1, std::nullopt, str("nope")), 1),
            invalid);
  // No inner message.
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 1, codec::gzip, 1, bytes{}), 1), invalid);
  // Nested compression.
  bytes nested = hand_wrapper(0, 1, codec::gzip, 1, hand_message(0, 1, 0, 1, str("k"), str("v")));
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 1, codec::snappy, 1, nested), 1), invalid);
  // Inner magic differs from the wrapper's.
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 1, codec::gzip, 1, hand_message(0, 0, 0, -1, str("k"), str("v"))), 1),
            invalid);
  // A truncated inner message.
  bytes inner = hand_message(0, 0, 0, -1, str("key"), str("value"));
  inner.pop_back();
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 0, codec::gzip, -1, inner), 0), invalid);
  // A v2 batch inside a wrapper.
  EXPECT_EQ(upconvert_error(hand_wrapper(0, 1, codec::gzip, 1, testing::hand_built_batch()), 1), invalid);
}

TEST(legacy_upconvert, decompression_bomb_is_bounded) {
  // One inner message with a 4 MiB value of zeros: gzip makes it a few KiB.
  bytes inner = hand_message(0, 1, 0, 1, std::nullopt, bytes(4 << 20, 0));
  bytes set = hand_wrapper(0, 1, codec::gzip, 1, inner);
  ASSERT_LT(set.size(), 64u << 10);
  validation_limits limits;
  limits.max_uncompressed_size = 1 << 20;
  EXPECT_EQ(upconvert_error(set, 1, limits), invalid);
  limits.max_uncompressed_size = 8 << 20;
  EXPECT_FALSE(upconvert_error(set, 1, limits));
  // The bound covers the whole set: three wrappers of 600 KiB each exceed 1.5 MiB together.
  bytes part = hand_wrapper(0, 1, codec::gzip, 1, hand_message(0, 1, 0, 1, std::nullopt, bytes(600 << 10, 0)));
  limits.max_uncompressed_size = 1536 << 10;
  EXPECT_EQ(upconvert_error(testing::concat({part, part, part}), 1, limits), invalid);
  EXPECT_FALSE(upconvert_error(testing::concat({part, part}), 1, limits));
}

TEST(legacy_upconvert, size_limits_and_empty_set) {
  bytes m = hand_message(0, 0, 0, -1, str("k"), bytes(1000, 'v'));
  validation_limits limits;
  limits.max_batch_size = m.size() - 1;
  EXPECT_EQ(upconvert_error(m, 0, limits), make_error_code(batch_errc::message_too_large));
  limits.max_batch_size = m.size();
  EXPECT_FALSE(upconvert_error(m, 0, limits));
  limits.max_payload_size = m.size() - 1;
  EXPECT_EQ(upconvert_error(m, 0, limits), make_error_code(batch_errc::record_list_too_large));
  EXPECT_EQ(upconvert_error(bytes{}, 0), invalid);
}

// ---------------------------------------------------------------------------------------------
// Down-conversion.

class legacy_downconvert_codec : public ::testing::TestWithParam<std::tuple<int, codec>> {};

TEST_P(legacy_downconvert_codec, records_offsets_and_timestamps) {
  auto [magic_int, c] = GetParam();
  auto magic = static_cast<int8_t>(magic_int);
  auto rs = sample();
  auto out = downconvert_batches(v2_batch(c, 100, rs), magic, 1 << 24);
  ASSERT_TRUE(out) << out.error().message();
  auto got = decode_legacy(*out);
  ASSERT_EQ(got.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) {
    EXPECT_EQ(got[i].offset, 100 + static_cast<int64_t>(i));
    EXPECT_EQ(got[i].magic, magic);
    EXPECT_EQ(got[i].key, rs[i].key);
    EXPECT_EQ(got[i].value, rs[i].value);
    EXPECT_EQ(got[i].timestamp, magic == 1 ? rs[i].timestamp : -1);
    EXPECT_FALSE(got[i].log_append_time);
  }
}

INSTANTIATE_TEST_SUITE_P(all, legacy_downconvert_codec,
                         ::testing::Combine(::testing::Values(0, 1), ::testing::ValuesIn(legacy_codecs)));

// The top-level entries of a legacy set: (offset, attributes, value) without expanding wrappers.
struct shallow_entry {
  int64_t offset;
  int8_t magic;
  int8_t attributes;
  int64_t timestamp;
  bytes value;
};
std::vector<shallow_entry> shallow(const bytes& set) {
  std::vector<shallow_entry> out;
  size_t pos = 0;
  while (pos + 12 <= set.size()) {
    const uint8_t* p = set.data() + pos;
    auto size = load_be<int32_t>(p + 8);
    int8_t magic = static_cast<int8_t>(p[16]);
    size_t at = magic == 1 ? 26 : 18;
    int64_t ts = magic == 1 ? load_be<int64_t>(p + 18) : -1;
    auto klen = load_be<int32_t>(p + at);
    at += 4 + static_cast<size_t>(std::max(klen, 0));
    auto vlen = load_be<int32_t>(p + at);
    bytes value(p + at + 4, p + at + 4 + std::max(vlen, 0));
    out.push_back({load_be<int64_t>(p), magic, static_cast<int8_t>(p[17]), ts, value});
    pos += 12 + static_cast<size_t>(size);
  }
  return out;
}

TEST(legacy_downconvert, wrapper_offsets_relative_in_magic1_absolute_in_magic0) {
  std::vector<kv> rs = {{str("a"), str("1"), 50}, {str("b"), str("2"), 70}, {str("c"), str("3"), 60}};
  for (int8_t magic : {int8_t{0}, int8_t{1}}) {
    for (codec c : {codec::gzip, codec::snappy, codec::lz4}) {
      auto out = downconvert_batches(v2_batch(c, 100, rs), magic, 1 << 20);
      ASSERT_TRUE(out);
      auto top = shallow(*out);
      ASSERT_EQ(top.size(), 1u);
      EXPECT_EQ(top[0].offset, 102);  // wrapper offset = last inner offset
      EXPECT_EQ(top[0].attributes & legacy_codec_mask, static_cast<int>(c));
      if (magic == 1) {
        EXPECT_EQ(top[0].timestamp, 70);  // max inner timestamp
      }
      auto inner_bytes = compression::decompress(c, top[0].value, 1 << 20, /*lz4_legacy_checksum=*/magic == 0);
      ASSERT_TRUE(inner_bytes);
      auto inner = shallow(*inner_bytes);
      ASSERT_EQ(inner.size(), 3u);
      for (int64_t i = 0; i < 3; ++i) {
        EXPECT_EQ(inner[static_cast<size_t>(i)].offset, magic == 1 ? i : 100 + i);
        EXPECT_EQ(inner[static_cast<size_t>(i)].attributes, 0);  // inner messages are uncompressed
      }
    }
  }
}

TEST(legacy_downconvert, magic0_lz4_uses_the_old_header_checksum) {
  std::vector<kv> rs = {{str("a"), str("1"), 50}};
  auto v0 = downconvert_batches(v2_batch(codec::lz4, 0, rs), 0, 1 << 20);
  auto v1 = downconvert_batches(v2_batch(codec::lz4, 0, rs), 1, 1 << 20);
  ASSERT_TRUE(v0 && v1);
  bytes frame0 = shallow(*v0).at(0).value;
  bytes frame1 = shallow(*v1).at(0).value;
  ASSERT_GE(frame0.size(), 7u);
  EXPECT_EQ(frame0[6], 0x1a);  // xxh32 over 04 22 4D 18 60 40 (KAFKA-3160)
  EXPECT_EQ(frame1[6], 0x82);  // standard: xxh32 over 60 40
  EXPECT_FALSE(compression::decompress(codec::lz4, frame0, 1 << 20, false));
  EXPECT_TRUE(compression::decompress(codec::lz4, frame0, 1 << 20, true));
  EXPECT_TRUE(compression::decompress(codec::lz4, frame1, 1 << 20, false));
}

TEST(legacy_downconvert, partial_trailing_batch_is_dropped) {
  bytes first = v2_batch(codec::none, 0, {{str("a"), str("1"), 1}});
  bytes second = v2_batch(codec::gzip, 1, {{str("b"), str("2"), 2}});
  for (size_t keep : {size_t{1}, size_t{16}, size_t{17}, size_t{61}, second.size() - 1}) {
    bytes blob = first;
    blob.insert(blob.end(), second.begin(), second.begin() + static_cast<std::ptrdiff_t>(keep));
    auto out = downconvert_batches(blob, 1, 1 << 20);
    ASSERT_TRUE(out) << keep;
    auto got = decode_legacy(*out);
    ASSERT_EQ(got.size(), 1u) << keep;
    EXPECT_EQ(got[0].key, str("a"));
  }
}

TEST(legacy_downconvert, control_batches_are_dropped_aborted_data_kept) {
  batch_builder txn(codec::none, 1);
  txn.set_producer(42, 0, 0);
  txn.set_transactional(true);
  txn.add(5, as_bytes("aborted-but-visible"), as_bytes("x"));
  bytes blob = testing::concat({
      v2_batch(codec::none, 0, {{str("a"), str("1"), 1}}),
      txn.build(),
      build_end_txn_marker_batch(42, 0, {control_type::abort, 3}, 6, 2),
      v2_batch(codec::lz4, 3, {{str("b"), str("2"), 7}}),
  });
  for (int8_t magic : {int8_t{0}, int8_t{1}}) {
    auto out = downconvert_batches(blob, magic, 1 << 20);
    ASSERT_TRUE(out);
    auto got = decode_legacy(*out);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].offset, 0);
    EXPECT_EQ(got[1].offset, 1);
    EXPECT_EQ(got[1].key, str("aborted-but-visible"));
    EXPECT_EQ(got[2].offset, 3);  // offset 2 (the marker) is skipped
  }
}

TEST(legacy_downconvert, records_before_the_fetch_offset_are_dropped) {
  std::vector<kv> rs;
  for (int i = 0; i < 5; ++i) rs.push_back({str("k" + std::to_string(i)), str("v"), 100 + i});
  for (codec c : {codec::none, codec::gzip}) {
    auto out = downconvert_batches(v2_batch(c, 10, rs), 1, 1 << 20, 12);
    ASSERT_TRUE(out);
    auto got = decode_legacy(*out);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].offset, 12);
    EXPECT_EQ(got[0].key, str("k2"));
    EXPECT_EQ(got[2].offset, 14);
  }
  auto none = downconvert_batches(v2_batch(codec::gzip, 10, rs), 1, 1 << 20, 15);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(legacy_downconvert, log_append_time_batches) {
  batch_builder b(codec::snappy, 7);
  b.add(1, as_bytes("a"), as_bytes("1"));
  b.add(2, as_bytes("b"), as_bytes("2"));
  b.set_log_append_time(5000);
  auto out = downconvert_batches(b.build(), 1, 1 << 20);
  ASSERT_TRUE(out);
  auto top = shallow(*out);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].attributes, static_cast<int8_t>(static_cast<int>(codec::snappy) | legacy_timestamp_type_bit));
  EXPECT_EQ(top[0].timestamp, 5000);
  auto got = decode_legacy(*out);
  ASSERT_EQ(got.size(), 2u);
  for (const auto& m : got) {
    EXPECT_EQ(m.timestamp, 5000);
    EXPECT_TRUE(m.log_append_time);
  }
}

TEST(legacy_downconvert, headers_are_dropped) {
  batch_builder b(codec::none, 0);
  b.add(1, as_bytes("a"), as_bytes("1"), {{"h", str("x")}});
  auto out = downconvert_batches(b.build(), 1, 1 << 20);
  ASSERT_TRUE(out);
  auto got = decode_legacy(*out);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, str("1"));
}

TEST(legacy_downconvert, zstd_cannot_be_down_converted) {
  auto out = downconvert_batches(v2_batch(codec::zstd, 0, {{str("a"), str("1"), 1}}), 1, 1 << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), make_error_code(batch_errc::unsupported_compression));
}

TEST(legacy_downconvert, corrupt_batch_and_bomb) {
  bytes b = v2_batch(codec::none, 0, {{str("a"), str("1"), 1}});
  b.back() ^= 1;
  auto out = downconvert_batches(b, 1, 1 << 20);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error(), corrupt);

  bytes big = v2_batch(codec::gzip, 0, {{str("a"), bytes(2 << 20, 0), 1}});
  auto bomb = downconvert_batches(big, 1, 1 << 20);
  ASSERT_FALSE(bomb);
  EXPECT_EQ(bomb.error(), invalid);
  EXPECT_TRUE(downconvert_batches(big, 1, 4 << 20));
}

TEST(legacy_downconvert, legacy_entries_in_the_blob) {
  bytes v0 = legacy_set(0, codec::none, 0, {{str("zero"), str("0"), 1}});
  bytes v1 = legacy_set(1, codec::gzip, 1, {{str("one"), str("1"), 2}, {str("two"), str("2"), 3}});
  bytes blob = testing::concat({v0, v1});
  auto as_v1 = downconvert_batches(blob, 1, 1 << 20);
  ASSERT_TRUE(as_v1);
  EXPECT_EQ(*as_v1, blob);  // nothing newer than magic 1: copied as is
  auto as_v0 = downconvert_batches(blob, 0, 1 << 20);
  ASSERT_TRUE(as_v0);
  auto got = decode_legacy(*as_v0);
  ASSERT_EQ(got.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].magic, 0);
    EXPECT_EQ(got[i].offset, static_cast<int64_t>(i));
  }
  EXPECT_EQ(got[2].key, str("two"));
}

TEST(legacy_downconvert, rejects_other_target_magics) {
  EXPECT_FALSE(downconvert_batches(testing::hand_built_batch(), 2, 1 << 20));
}

// ---------------------------------------------------------------------------------------------
// Hostile input: random corruption of valid input must give an error or a value, never a crash
// or an out-of-bounds read (run under GREGOR_SANITIZE to check the latter).

TEST(legacy_mutation, random_corruption_is_handled) {
  std::mt19937 rng(20240611);
  std::vector<kv> rs = {{str("a"), str("1"), 5}, {std::nullopt, str("two"), 6}, {str("c"), std::nullopt, 7}};
  std::vector<std::pair<bytes, int8_t>> legacy_inputs;
  for (int8_t magic : {int8_t{0}, int8_t{1}}) {
    for (codec c : legacy_codecs) legacy_inputs.emplace_back(legacy_set(magic, c, 0, rs), magic);
  }
  std::vector<bytes> v2_inputs;
  for (codec c : legacy_codecs) v2_inputs.push_back(v2_batch(c, 3, rs));
  auto mutate = [&rng](bytes b) {
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips && !b.empty(); ++i) b[rng() % b.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (rng() % 4 == 0 && !b.empty()) b.resize(rng() % b.size());
    return b;
  };
  int rejected = 0;
  for (int round = 0; round < 300; ++round) {
    for (const auto& [set, magic] : legacy_inputs) {
      bytes m = mutate(set);
      if (!upconvert_message_set(m, magic, {})) ++rejected;
      (void)decode_legacy_set(m, 1 << 20);
    }
    for (const auto& b : v2_inputs) {
      bytes m = mutate(b);
      for (int8_t magic : {int8_t{0}, int8_t{1}}) (void)downconvert_batches(m, magic, 1 << 20);
    }
  }
  // Nearly every corruption is caught (by the CRC if nothing else).
  EXPECT_GT(rejected, 300 * 8 * 9 / 10);
}

// ---------------------------------------------------------------------------------------------
// Round trip.

TEST(legacy_round_trip, v2_to_v1_to_v2_preserves_keys_values_timestamps) {
  for (codec c : legacy_codecs) {
    auto rs = sample();
    bytes original = v2_batch(c, 40, rs);
    auto v1 = downconvert_batches(original, 1, 1 << 24);
    ASSERT_TRUE(v1);
    auto back = upconvert_message_set(*v1, 1, validation_limits{.max_batch_size = 1 << 24});
    ASSERT_TRUE(back) << compression::codec_name(c) << ": " << back.error().message();
    EXPECT_EQ(parse_batch_header(*back)->codec(), c);
    auto before = decode_v2(original);
    auto after = decode_v2(*back);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) {
      EXPECT_EQ(after[i].key, before[i].key);
      EXPECT_EQ(after[i].value, before[i].value);
      EXPECT_EQ(after[i].timestamp, before[i].timestamp);
      EXPECT_EQ(after[i].offset, before[i].offset - 40);  // the log assigns offsets again
    }
  }
}

TEST(legacy_round_trip, many_small_records) {
  std::vector<kv> rs;
  for (int i = 0; i < 20000; ++i) rs.push_back({str("key-" + std::to_string(i)), str("value"), 1000 + i});
  bytes set = legacy_set(1, codec::none, 0, rs);
  auto r = upconvert_message_set(set, 1, validation_limits{.max_batch_size = 1 << 24});
  ASSERT_TRUE(r);
  EXPECT_EQ(parse_batch_header(*r)->record_count, 20000);
  auto down = downconvert_batches(*r, 0, 1 << 24);
  ASSERT_TRUE(down);
  EXPECT_EQ(decode_legacy(*down).size(), 20000u);
}

} // namespace
} // namespace gregor::record
