#include "gregor/record/record.h"

#include <gtest/gtest.h>

#include "gregor/record/batch_builder.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

using testing::hand_built_batch;
using testing::str;

TEST(decode_records, hand_built_batch) {
  bytes b = hand_built_batch();
  set_base_offset(b.data(), 100);
  auto d = decode_records(b);
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->size(), 1u);
  const record& r = (*d)[0];
  EXPECT_EQ(r.offset, 100);
  EXPECT_EQ(r.timestamp, 1000);
  EXPECT_EQ(r.key, str("k"));
  EXPECT_EQ(r.value, str("v"));
  EXPECT_TRUE(r.headers.empty());
}

TEST(decode_records, ignores_bytes_after_the_batch) {
  bytes b = hand_built_batch();
  bytes more = testing::concat({b, bytes(20, 0xee)});
  auto d = decode_records(more);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size(), 1u);
}

TEST(decode_records, reports_the_same_errors_as_validation) {
  bytes b = hand_built_batch();
  b.back() ^= 1;
  auto d = decode_records(b);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), make_error_code(batch_errc::corrupt_message));
  auto t = decode_records(bytes_view(hand_built_batch()).first(40));
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), make_error_code(batch_errc::corrupt_message));
}

TEST(decode_records, bomb_bound_applies) {
  bytes big(2 << 20, 'a');
  batch_builder b(compression::codec::lz4);
  b.add(1, std::nullopt, bytes_view(big));
  bytes batch = b.build();
  EXPECT_TRUE(decode_records(batch, 4 << 20));
  auto d = decode_records(batch, 1 << 20);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error(), make_error_code(batch_errc::invalid_record));
}

TEST(decode_records, compacted_batch_with_gaps) {
  // Offsets 0 and 3 survive compaction of a batch that had last_offset_delta 5.
  bytes area = testing::concat({testing::simple_record(0, "a", "1"), testing::simple_record(3, "b", "2")});
  bytes batch = testing::batch_with_records(area, 2, 5);
  set_base_offset(batch.data(), 10);
  auto d = decode_records(batch);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[0].offset, 10);
  EXPECT_EQ((*d)[1].offset, 13);
  EXPECT_EQ(parse_batch_header(batch)->last_offset(), 15);
}

TEST(split_batches, stops_at_a_partial_batch) {
  bytes a = hand_built_batch();
  batch_builder bb;
  bb.add(5, as_bytes("x"), as_bytes("y"));
  bytes b = bb.build();
  bytes blob = testing::concat({a, b, a});
  for (size_t cut = 0; cut <= blob.size(); ++cut) {
    auto parts = split_batches(bytes_view(blob).first(cut));
    size_t expected = cut >= 2 * a.size() + b.size() ? 3
                      : cut >= a.size() + b.size()     ? 2
                      : cut >= a.size()                ? 1
                                                       : 0;
    ASSERT_EQ(parts.size(), expected) << "cut " << cut;
  }
  auto parts = split_batches(blob);
  EXPECT_EQ(parts[0].data(), blob.data());
  EXPECT_EQ(parts[1].size(), b.size());
  EXPECT_EQ(parts[2].data(), blob.data() + a.size() + b.size());
}

TEST(split_batches, accepts_legacy_entries_and_stops_at_nonsense) {
  // A magic-0 entry: offset, size 14, crc, magic 0, attributes, null key, null value.
  bytes legacy = {0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 14, 1, 2, 3, 4, 0, 0,
                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  bytes v2 = hand_built_batch();
  auto parts = split_batches(testing::concat({legacy, v2}));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].size(), legacy.size());
  bytes bad = v2;
  store_be<int32_t>(bad.data() + batch_length_offset, 20);  // too small for a v2 batch
  EXPECT_TRUE(split_batches(bad).empty());
  store_be<int32_t>(bad.data() + batch_length_offset, -1);
  EXPECT_TRUE(split_batches(bad).empty());
}

} // namespace
} // namespace gregor::record
