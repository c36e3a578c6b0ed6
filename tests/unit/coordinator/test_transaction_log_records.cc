// __transaction_state record formats: key and value against bytes written out field by field (not
// with our encoder), null partitions exactly for Empty, Kafka 4's flexible v1 read, truncation at
// every length, unknown states refused, and the replay's last-wins and tombstone rules.

#include "gregor/coordinator/transaction_log_records.h"

#include <gtest/gtest.h>

#include <string>

namespace gregor::txn {
namespace {

struct raw {
  bytes b;
  raw& i8(int8_t v) {
    b.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  raw& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
  raw& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  raw& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  raw& str(std::string_view s) {
    i16(static_cast<int16_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  raw& uv(uint32_t v) {  // unsigned varint
    while (v >= 0x80) {
      b.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    b.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  raw& cstr(std::string_view s) {  // compact string: length + 1
    uv(static_cast<uint32_t>(s.size() + 1));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }

private:
  raw& be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
};

stored_txn ongoing() {
  stored_txn t;
  t.producer_id = 5;
  t.producer_epoch = 1;
  t.timeout_ms = 60000;
  t.state = txn_state::ongoing;
  t.partitions = {{"a", 1}, {"a", 0}, {"b", 7}};
  t.last_update_ms = 1000;
  t.start_ms = 900;
  return t;
}

bytes ongoing_v0_bytes() {
  return raw{}
      .i16(0)
      .i64(5)
      .i16(1)
      .i32(60000)
      .i8(1)
      .i32(2)
      .str("a")
      .i32(2)
      .i32(0)
      .i32(1)
      .str("b")
      .i32(1)
      .i32(7)
      .i64(1000)
      .i64(900)
      .b;
}

TEST(TransactionLogRecords, KeyIsVersionZeroAndTheId) {
  EXPECT_EQ(encode_txn_key("t1"), raw{}.i16(0).str("t1").b);
  auto id = decode_txn_key(raw{}.i16(0).str("t1").b);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "t1");
  EXPECT_FALSE(decode_txn_key(raw{}.i16(1).str("t1").b));
  EXPECT_FALSE(decode_txn_key(raw{}.i16(0).i16(5).b));
}

TEST(TransactionLogRecords, ValueV0MatchesKafkasLayoutWithTopicsGrouped) {
  EXPECT_EQ(encode_txn_value(ongoing()), ongoing_v0_bytes());
  auto back = decode_txn_value(ongoing_v0_bytes());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, ongoing());
}

TEST(TransactionLogRecords, PartitionsAreNullOnlyWhenEmpty) {
  stored_txn e = ongoing();
  e.state = txn_state::empty;
  e.partitions.clear();
  e.start_ms = -1;
  auto expect_empty = raw{}.i16(0).i64(5).i16(1).i32(60000).i8(0).i32(-1).i64(1000).i64(-1).b;
  EXPECT_EQ(encode_txn_value(e), expect_empty);

  stored_txn c = ongoing();
  c.state = txn_state::complete_commit;
  c.partitions.clear();
  auto expect_complete = raw{}.i16(0).i64(5).i16(1).i32(60000).i8(4).i32(0).i64(1000).i64(900).b;
  EXPECT_EQ(encode_txn_value(c), expect_complete);
  auto back = decode_txn_value(expect_complete);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
}

TEST(TransactionLogRecords, ReadsKafka4FlexibleV1) {
  // v1: compact arrays and strings, an empty tagged-field section per struct and at the end.
  auto v1 = raw{}
                .i16(1)
                .i64(9)
                .i16(3)
                .i32(1000)
                .i8(2)
                .uv(2)  // one topic
                .cstr("x")
                .uv(3)  // two partitions
                .i32(4)
                .i32(5)
                .uv(0)  // topic's tagged fields
                .i64(77)
                .i64(66)
                .uv(0)
                .b;
  auto v = decode_txn_value(v1);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->producer_id, 9);
  EXPECT_EQ(v->producer_epoch, 3);
  EXPECT_EQ(v->state, txn_state::prepare_commit);
  EXPECT_EQ(v->partitions, (std::set<topic_partition>{{"x", 4}, {"x", 5}}));
  EXPECT_EQ(v->last_update_ms, 77);
  EXPECT_EQ(v->start_ms, 66);
}

TEST(TransactionLogRecords, RefusesTruncationUnknownVersionsAndStates) {
  const bytes good = ongoing_v0_bytes();
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(decode_txn_value(bytes(good.begin(), good.begin() + static_cast<ptrdiff_t>(n)))) << n;
  }
  bytes v2 = good;
  v2[1] = 2;
  EXPECT_FALSE(decode_txn_value(v2));
  for (int8_t status : {int8_t{7}, int8_t{8}, int8_t{-1}}) {
    bytes bad = good;
    bad[2 + 8 + 2 + 4] = static_cast<uint8_t>(status);
    EXPECT_FALSE(decode_txn_value(bad)) << int(status);
  }
}

TEST(TransactionLogRecords, StateNamesAreKafkas) {
  EXPECT_EQ(state_name(txn_state::prepare_epoch_fence), "PrepareEpochFence");
  EXPECT_EQ(state_name(txn_state::complete_abort), "CompleteAbort");
  EXPECT_EQ(state_from_name("Ongoing"), txn_state::ongoing);
  EXPECT_EQ(state_from_name("ongoing"), std::nullopt);
}

TEST(TransactionLogRecords, ReplayKeepsTheLastValueAndForgetsTombstoned) {
  txn_replay replay;
  stored_txn first = ongoing();
  stored_txn second = ongoing();
  second.state = txn_state::prepare_commit;
  const bytes k1 = encode_txn_key("one");
  const bytes k2 = encode_txn_key("two");
  const bytes v1 = encode_txn_value(first);
  const bytes v2 = encode_txn_value(second);
  replay.apply(bytes_view(k1), bytes_view(v1));
  replay.apply(bytes_view(k2), bytes_view(v1));
  replay.apply(bytes_view(k1), bytes_view(v2));
  replay.apply(bytes_view(k2), std::nullopt);
  const bytes junk{1, 2, 3};
  replay.apply(bytes_view(junk), bytes_view(v1));
  replay.apply(std::nullopt, bytes_view(v1));
  EXPECT_EQ(replay.skipped(), 2u);
  auto txns = replay.take();
  ASSERT_EQ(txns.size(), 1u);
  EXPECT_EQ(txns.at("one"), second);
}

} // namespace
} // namespace gregor::txn
