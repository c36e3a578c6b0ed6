#include <gtest/gtest.h>

#include <string>

#include "gregor/common/endian.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/batch_filter.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/record.h"

namespace gregor::record {
namespace {

bytes three_records(compression::codec c) {
  batch_builder b(c, 100);
  std::string k = "k";
  std::string v = "v";
  b.add(1000, as_bytes(k), as_bytes(v));
  b.add(1005, as_bytes(k), std::nullopt);
  b.add(1010, std::nullopt, as_bytes(v));
  return b.build();
}

TEST(batch_filter, keeps_offsets_timestamps_and_sets_horizon_for_tombstones) {
  for (auto c : {compression::codec::none, compression::codec::gzip, compression::codec::zstd}) {
    bytes in = three_records(c);
    filter_options o;
    o.delete_horizon_ms = 50'000;
    auto r = filter_batch(in, [](const filter_record& fr) { return fr.offset == 101 || fr.offset == 102; }, o);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->outcome, filter_result::kind::rewritten);
    auto h = parse_batch_header(r->batch);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->base_offset, 100);
    EXPECT_EQ(h->last_offset_delta, 2);
    EXPECT_EQ(h->max_timestamp, 1010);
    EXPECT_EQ(h->codec(), c);
    EXPECT_TRUE(h->has_delete_horizon());
    EXPECT_EQ(h->base_timestamp, 50'000);
    auto recs = decode_records(r->batch);
    ASSERT_TRUE(recs);
    ASSERT_EQ(recs->size(), 2u);
    EXPECT_EQ((*recs)[0].offset, 101);
    EXPECT_EQ((*recs)[0].timestamp, 1005);
    EXPECT_FALSE((*recs)[0].value);
    EXPECT_EQ((*recs)[1].offset, 102);
    EXPECT_EQ((*recs)[1].timestamp, 1010);
  }
}

TEST(batch_filter, unchanged_dropped_and_kept_empty) {
  bytes in = three_records(compression::codec::lz4);
  auto all = filter_batch(in, [](const filter_record&) { return true; }, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->outcome, filter_result::kind::unchanged);
  auto none = filter_batch(in, [](const filter_record&) { return false; }, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->outcome, filter_result::kind::dropped);
  filter_options o;
  o.keep_if_empty = true;
  auto empty = filter_batch(in, [](const filter_record&) { return false; }, o);
  ASSERT_TRUE(empty);
  ASSERT_EQ(empty->outcome, filter_result::kind::rewritten);
  auto h = parse_batch_header(empty->batch);
  EXPECT_EQ(h->record_count, 0);
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_TRUE(crc_matches(empty->batch));
  auto recs = decode_records(empty->batch);
  ASSERT_TRUE(recs);
  EXPECT_TRUE(recs->empty());
}

TEST(batch_filter, an_emptied_batch_goes_unless_kept_empty) {
  filter_options o;
  o.keep_if_empty = true;
  auto empty = filter_batch(three_records(compression::codec::none), [](const filter_record&) { return false; }, o);
  ASSERT_TRUE(empty);
  auto again = filter_batch(empty->batch, [](const filter_record&) { return true; }, o);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, filter_result::kind::unchanged);
  auto gone = filter_batch(empty->batch, [](const filter_record&) { return true; }, {});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->outcome, filter_result::kind::dropped);
}

TEST(batch_filter, horizon_without_tombstone_marks_a_batch_of_live_records) {
  bytes in = three_records(compression::codec::none);
  filter_options o;
  o.delete_horizon_ms = 70'000;
  auto keyed_values = [](const filter_record& fr) { return fr.offset == 100; };
  auto plain = filter_batch(in, keyed_values, o);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(parse_batch_header(plain->batch)->has_delete_horizon());  // no tombstone kept
  o.horizon_without_tombstone = true;
  auto marked = filter_batch(in, [](const filter_record&) { return true; }, o);
  ASSERT_TRUE(marked);
  ASSERT_EQ(marked->outcome, filter_result::kind::rewritten);
  auto h = parse_batch_header(marked->batch);
  EXPECT_TRUE(h->has_delete_horizon());
  EXPECT_EQ(h->base_timestamp, 70'000);
  auto recs = decode_records(marked->batch);
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 3u);
  EXPECT_EQ((*recs)[0].timestamp, 1000);
  EXPECT_EQ((*recs)[2].timestamp, 1010);
}

TEST(batch_filter, a_placeholder_keeps_no_producer) {
  bytes in = three_records(compression::codec::none);
  store_be<int64_t>(in.data() + producer_id_offset, 42);
  store_be<int16_t>(in.data() + attributes_offset, static_cast<int16_t>(load_be<int16_t>(in.data() + attributes_offset) |
                                                                         transactional_bit));
  store_be<uint32_t>(in.data() + crc_offset, compute_crc(in));
  filter_options o;
  o.keep_if_empty = true;
  o.clear_producer_if_empty = true;
  auto kept = filter_batch(in, [](const filter_record& fr) { return fr.offset == 100; }, o);
  ASSERT_TRUE(kept);
  EXPECT_EQ(parse_batch_header(kept->batch)->producer_id, 42);  // records left: still the producer's
  auto empty = filter_batch(in, [](const filter_record&) { return false; }, o);
  ASSERT_TRUE(empty);
  auto h = parse_batch_header(empty->batch);
  EXPECT_EQ(h->producer_id, no_producer_id);
  EXPECT_EQ(h->producer_epoch, no_producer_epoch);
  EXPECT_EQ(h->base_sequence, no_sequence);
  EXPECT_FALSE(h->is_transactional());
  EXPECT_EQ(h->last_offset_delta, 2);
  EXPECT_TRUE(crc_matches(empty->batch));
}

TEST(batch_filter, corrupt_batch_is_an_error) {
  bytes in = three_records(compression::codec::none);
  in.back() ^= 1;
  EXPECT_FALSE(filter_batch(in, [](const filter_record&) { return true; }, {}));
}

} // namespace
} // namespace gregor::record
