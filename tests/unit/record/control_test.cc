#include "gregor/record/control.h"

#include <gtest/gtest.h>

#include "gregor/record/validate.h"

namespace gregor::record {
namespace {

TEST(control, end_txn_marker_round_trip) {
  bytes batch = build_end_txn_marker_batch(77, 4, {control_type::commit, 12}, 5000, 30, 2);
  auto h = parse_batch_header(batch);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->is_control());
  EXPECT_TRUE(h->is_transactional());
  EXPECT_EQ(h->producer_id, 77);
  EXPECT_EQ(h->producer_epoch, 4);
  EXPECT_EQ(h->base_sequence, -1);
  EXPECT_EQ(h->base_offset, 30);
  EXPECT_EQ(h->partition_leader_epoch, 2);
  EXPECT_EQ(h->record_count, 1);

  auto d = decode_records(batch);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].key, (bytes{0, 0, 0, 1}));
  EXPECT_EQ((*d)[0].value, (bytes{0, 0, 0, 0, 0, 12}));
  auto m = parse_end_txn_marker((*d)[0]);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, control_type::commit);
  EXPECT_EQ(m->coordinator_epoch, 12);

  validation_limits log_data;
  log_data.from_client = false;
  EXPECT_TRUE(validate_batches(batch, log_data));
  EXPECT_FALSE(validate_batches(batch, {}));
}

TEST(control, malformed_keys) {
  EXPECT_EQ(parse_control_type(std::nullopt), std::nullopt);
  EXPECT_EQ(parse_control_type(bytes{0, 0, 0}), std::nullopt);
  EXPECT_EQ(parse_control_type(bytes{0, 1, 0, 0}), std::nullopt);  // version 1
  EXPECT_EQ(parse_control_type(bytes{0, 0, 0, 3}), std::nullopt);  // KRaft-only type
  EXPECT_EQ(parse_control_type(bytes{0, 0, 0, 0}), control_type::abort);
  record r;
  r.key = bytes{0, 0, 0, 0};
  r.value = bytes{0, 0, 0};
  EXPECT_EQ(parse_end_txn_marker(r), std::nullopt);
}

} // namespace
} // namespace gregor::record
