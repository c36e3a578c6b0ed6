#include "gregor/record/batch_builder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "gregor/record/validate.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

using compression::codec;
using testing::str;

TEST(batch_builder, matches_the_hand_built_bytes) {
  batch_builder b;
  b.add(1000, as_bytes("k"), as_bytes("v"));
  EXPECT_EQ(b.build(), testing::hand_built_batch());
}

std::vector<record> sample_records(int64_t base_offset) {
  std::vector<record> rs;
  rs.push_back({base_offset + 0, 2000, str("key-0"), str("value-0"), {}});
  rs.push_back({base_offset + 1, 1990, std::nullopt, str("no key"),
                {{"trace", str("abc")}, {"empty", bytes{}}}});
  rs.push_back({base_offset + 2, 2500, str("tombstone"), std::nullopt, {{"null-value", std::nullopt}}});
  rs.push_back({base_offset + 3, 2001, bytes{}, bytes{}, {}});
  std::string big(5000, 'z');
  rs.push_back({base_offset + 4, 2002, str("big"), str(big), {}});
  return rs;
}

batch_builder builder_for(codec c, int64_t base_offset, const std::vector<record>& rs) {
  batch_builder b(c, base_offset);
  for (const auto& r : rs) {
    auto opt = [](const std::optional<bytes>& v) -> std::optional<bytes_view> {
      if (!v) return std::nullopt;
      return bytes_view(*v);
    };
    b.add(r.timestamp, opt(r.key), opt(r.value), r.headers);
  }
  return b;
}

class builder_round_trip : public ::testing::TestWithParam<codec> {};

TEST_P(builder_round_trip, build_validate_decode) {
  auto rs = sample_records(40);
  auto b = builder_for(GetParam(), 40, rs);
  EXPECT_EQ(b.record_count(), rs.size());
  bytes batch = b.build();
  if (GetParam() == codec::none) {
    EXPECT_LE(batch.size(), b.estimated_size());
  }

  auto v = validate_batches(batch, {});
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 1u);
  const batch_header& h = (*v)[0].header;
  EXPECT_EQ((*v)[0].position, 0u);
  EXPECT_EQ(h.codec(), GetParam());
  EXPECT_EQ(h.base_offset, 40);
  EXPECT_EQ(h.record_count, 5);
  EXPECT_EQ(h.last_offset_delta, 4);
  EXPECT_EQ(h.base_timestamp, 2000);
  EXPECT_EQ(h.max_timestamp, 2500);
  EXPECT_EQ(h.total_size(), batch.size());

  auto d = decode_records(batch);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(*d, rs);
}

INSTANTIATE_TEST_SUITE_P(all, builder_round_trip,
                         ::testing::Values(codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd),
                         [](const auto& info) { return std::string(compression::codec_name(info.param)); });

TEST(batch_builder, compression_shrinks_repetitive_batches) {
  batch_builder plain;
  batch_builder zstd(codec::zstd);
  for (int i = 0; i < 200; ++i) {
    std::string v = "the same kind of value, number " + std::to_string(i);
    plain.add(i, std::nullopt, as_bytes(v));
    zstd.add(i, std::nullopt, as_bytes(v));
  }
  EXPECT_LT(zstd.build().size() * 3, plain.build().size());
}

TEST(batch_builder, producer_and_transaction_fields) {
  batch_builder b(codec::none, 7);
  b.set_producer(4242, 3, 100);
  b.set_transactional(true);
  b.set_partition_leader_epoch(9);
  b.add(1, as_bytes("a"), as_bytes("b"));
  b.add(2, as_bytes("c"), as_bytes("d"));
  bytes batch = b.build();
  auto h = parse_batch_header(batch);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->producer_id, 4242);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 100);
  EXPECT_TRUE(h->is_transactional());
  EXPECT_FALSE(h->is_control());
  EXPECT_EQ(h->partition_leader_epoch, 9);
  EXPECT_EQ(h->last_offset(), 8);
  EXPECT_TRUE(validate_batches(batch, {}));
}

TEST(batch_builder, log_append_time_sets_every_record_timestamp) {
  batch_builder b;
  b.set_log_append_time(777);
  b.add(1, std::nullopt, as_bytes("x"));
  b.add(5, std::nullopt, as_bytes("y"));
  bytes batch = b.build();
  auto h = parse_batch_header(batch);
  EXPECT_TRUE(h->log_append_time());
  EXPECT_EQ(h->max_timestamp, 777);
  auto d = decode_records(batch);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].timestamp, 777);
  EXPECT_EQ((*d)[1].timestamp, 777);
}

TEST(batch_builder, negative_timestamp_deltas_round_trip) {
  batch_builder b;
  b.add(1'000'000, std::nullopt, as_bytes("x"));
  b.add(-1, std::nullopt, as_bytes("y"));
  auto d = decode_records(b.build());
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)[0].timestamp, 1'000'000);
  EXPECT_EQ((*d)[1].timestamp, -1);
}

TEST(batch_builder, empty_batch_is_well_formed_but_not_produce_input) {
  batch_builder b;
  bytes batch = b.build();
  EXPECT_EQ(batch.size(), batch_header_size);
  EXPECT_TRUE(crc_matches(batch));
  auto d = decode_records(batch);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->empty());
  EXPECT_FALSE(validate_batches(batch, {}));
  validation_limits log_data;
  log_data.from_client = false;
  EXPECT_TRUE(validate_batches(batch, log_data));
}

} // namespace
} // namespace gregor::record
