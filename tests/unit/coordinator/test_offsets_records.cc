// __consumer_offsets record formats: partition_for_key against Java's String.hashCode, every key
// and value version against bytes written out field by field (not with our encoder), truncation at
// every length, and the replay's last-wins and tombstone rules.

#include "gregor/coordinator/offsets_records.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include "gregor/common/iobuf.h"
#include "gregor/protocol/messages/group_metadata.h"
#include "gregor/protocol/writer.h"

namespace gregor::group {
namespace {

// --- a hand-written big-endian byte builder (independent of protocol::writer) ---

struct raw {
  bytes b;
  raw& i16(int16_t v) { return be(static_cast<uint16_t>(v), 2); }
  raw& i32(int32_t v) { return be(static_cast<uint32_t>(v), 4); }
  raw& i64(int64_t v) { return be(static_cast<uint64_t>(v), 8); }
  raw& str(std::string_view s) {  // classic string: int16 length + bytes
    i16(static_cast<int16_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  raw& null_str() { return i16(-1); }
  raw& blob(std::string_view s) {  // classic bytes: int32 length + bytes
    i32(static_cast<int32_t>(s.size()));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  raw& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  raw& cstr(std::string_view s) {  // compact string (short ones only): uvarint(len + 1) + bytes
    u8(static_cast<uint8_t>(s.size() + 1));
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  raw& cblob(std::string_view s) { return cstr(s); }  // compact bytes: same prefix rule
  raw& no_tags() { return u8(0); }

private:
  raw& be(uint64_t v, int n) {
    for (int k = n - 1; k >= 0; --k) b.push_back(static_cast<uint8_t>(v >> (8 * k)));
    return *this;
  }
};

bytes_view view(const bytes& b) { return {b.data(), b.size()}; }

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

// The Java hash itself: with INT32_MAX partitions, partition_for_key returns abs(hash) unchanged.
int32_t java_abs_hash(std::string_view s) { return partition_for_key(s, INT32_MAX); }

// --- partition_for_key ---

TEST(partition_for_key, known_java_hash_codes) {
  EXPECT_EQ(java_abs_hash(""), 0);
  EXPECT_EQ(java_abs_hash("a"), 97);
  EXPECT_EQ(java_abs_hash("hello"), 99162322);
  EXPECT_EQ(java_abs_hash("my-group"), 1906497762);  // hashCode -1906497762: abs
  EXPECT_EQ(partition_for_key("hello", 50), 22);
  EXPECT_EQ(partition_for_key("a", 50), 47);
  EXPECT_EQ(partition_for_key("my-group", 50), 12);
  EXPECT_EQ(partition_for_key("console-consumer-12345", 50), 6);
}

TEST(partition_for_key, integer_min_value_maps_to_partition_zero) {
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE; Kafka's Utils.abs makes it 0.
  EXPECT_EQ(java_abs_hash("polygenelubricants"), 0);
  EXPECT_EQ(partition_for_key("polygenelubricants", 50), 0);
  EXPECT_EQ(partition_for_key("polygenelubricants", 7), 0);
}

TEST(partition_for_key, hashes_utf16_code_units) {
  EXPECT_EQ(java_abs_hash("\xC3\xA9"), 233);                   // U+00E9
  EXPECT_EQ(java_abs_hash("\xE2\x82\xAC"), 8364);              // U+20AC
  EXPECT_EQ(java_abs_hash("\xF0\x9F\x98\x80"), 1772899);       // U+1F600 = D83D DE00
  EXPECT_EQ(java_abs_hash("gr\xC3\xBC\xC3\x9F" "e-\xF0\x9F\x98\x80"), 347391577);
  EXPECT_EQ(partition_for_key("\xF0\x9F\x98\x80", 50), 49);
}

TEST(partition_for_key, ill_formed_utf8_counts_one_replacement_per_byte) {
  // Java hash of "a\uFFFD\uFFFDb".
  EXPECT_EQ(java_abs_hash("a\xFF\xFE" "b"), 67898561);
  EXPECT_EQ(java_abs_hash("a\xC0\xAF" "b"), 67898561);  // overlong '/'
  EXPECT_EQ(java_abs_hash("\xEF\xBF\xBD"), 65533);      // a real U+FFFD
  EXPECT_EQ(java_abs_hash("\xFF"), 65533);
}

TEST(partition_for_key, degenerate_partition_counts) {
  EXPECT_EQ(partition_for_key("hello", 1), 0);
  EXPECT_EQ(partition_for_key("hello", 0), 0);
}

// --- keys ---

TEST(offsets_keys, offset_commit_key_v1_bytes_and_round_trip) {
  const bytes expected = raw().i16(1).str("grp").str("orders").i32(7).b;
  EXPECT_EQ(encode_offset_commit_key("grp", topic_partition{"orders", 7}), expected);

  auto k = decode_key(view(expected));
  ASSERT_TRUE(k);
  auto* ok = std::get_if<offset_commit_key>(&*k);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->group, "grp");
  EXPECT_EQ(ok->tp, (topic_partition{"orders", 7}));
}

TEST(offsets_keys, offset_commit_key_v0_is_read) {
  const bytes v0 = raw().i16(0).str("").str("t").i32(0).b;
  auto k = decode_key(view(v0));
  ASSERT_TRUE(k);
  auto* ok = std::get_if<offset_commit_key>(&*k);
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->group, "");
  EXPECT_EQ(ok->tp, (topic_partition{"t", 0}));
}

TEST(offsets_keys, group_metadata_key_v2_bytes_and_round_trip) {
  const bytes expected = raw().i16(2).str("console-consumer-1").b;
  EXPECT_EQ(encode_group_metadata_key("console-consumer-1"), expected);
  auto k = decode_key(view(expected));
  ASSERT_TRUE(k);
  auto* gk = std::get_if<group_metadata_key>(&*k);
  ASSERT_NE(gk, nullptr);
  EXPECT_EQ(gk->group, "console-consumer-1");
}

TEST(offsets_keys, unknown_versions_are_reported_not_refused) {
  for (int16_t version : {int16_t{3}, int16_t{4}, int16_t{100}, int16_t{-1}}) {
    const bytes key = raw().i16(version).str("whatever").b;
    auto k = decode_key(view(key));
    ASSERT_TRUE(k) << version;
    auto* u = std::get_if<unknown_key>(&*k);
    ASSERT_NE(u, nullptr) << version;
    EXPECT_EQ(u->version, version);
  }
}

TEST(offsets_keys, truncated_keys_are_refused_at_every_length) {
  for (const bytes& full : {encode_offset_commit_key("group-1", topic_partition{"topic", 3}),
                            encode_group_metadata_key("group-1")}) {
    for (size_t n = 0; n < full.size(); ++n) {
      auto k = decode_key(bytes_view(full.data(), n));
      EXPECT_FALSE(k) << "prefix of " << n << " bytes";
      if (!k) {
        EXPECT_EQ(k.error(), std::errc::illegal_byte_sequence);
      }
    }
    EXPECT_TRUE(decode_key(view(full)));
  }
}

// --- offset commit values ---

TEST(offset_commit_value, v3_is_written_field_by_field) {
  committed_offset c;
  c.offset = 42;
  c.leader_epoch = 5;
  c.metadata = "meta";
  c.commit_timestamp = 1'700'000'000'123;
  const bytes expected = raw().i16(3).i64(42).i32(5).str("meta").i64(1'700'000'000'123).b;
  EXPECT_EQ(encode_offset_commit_value(c), expected);
  auto d = decode_offset_commit_value(view(expected));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, c);
}

TEST(offset_commit_value, explicit_expiry_writes_v1) {
  committed_offset c;
  c.offset = 10;
  c.leader_epoch = 9;  // v1 has no leader epoch: lost, as in Kafka
  c.metadata = "";
  c.commit_timestamp = 1000;
  c.expire_timestamp = 2000;
  const bytes expected = raw().i16(1).i64(10).str("").i64(1000).i64(2000).b;
  EXPECT_EQ(encode_offset_commit_value(c), expected);
  auto d = decode_offset_commit_value(view(expected));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->offset, 10);
  EXPECT_EQ(d->leader_epoch, -1);
  EXPECT_EQ(d->commit_timestamp, 1000);
  EXPECT_EQ(d->expire_timestamp, std::optional<int64_t>(2000));
}

TEST(offset_commit_value, hand_built_v0_v1_v2_v4) {
  {
    const bytes v0 = raw().i16(0).i64(100).str("m0").i64(111).b;
    auto d = decode_offset_commit_value(view(v0));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (committed_offset{100, -1, "m0", 111, std::nullopt}));
  }
  {
    const bytes v1 = raw().i16(1).i64(200).str("m1").i64(222).i64(333).b;
    auto d = decode_offset_commit_value(view(v1));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (committed_offset{200, -1, "m1", 222, 333}));
  }
  {
    // v1 with expire -1: no explicit expiry (OffsetCommitRequest.DEFAULT_TIMESTAMP)
    const bytes v1 = raw().i16(1).i64(200).str("").i64(222).i64(-1).b;
    auto d = decode_offset_commit_value(view(v1));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->expire_timestamp, std::nullopt);
  }
  {
    const bytes v2 = raw().i16(2).i64(300).str("m2").i64(444).b;
    auto d = decode_offset_commit_value(view(v2));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (committed_offset{300, -1, "m2", 444, std::nullopt}));
  }
  {
    // v4: flexible; compact string, then an empty tagged-field section.
    const bytes v4 = raw().i16(4).i64(400).i32(12).cstr("m4").i64(555).no_tags().b;
    auto d = decode_offset_commit_value(view(v4));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (committed_offset{400, 12, "m4", 555, std::nullopt}));
  }
  {
    // v4 with an unknown tagged field (tag 5, 2 bytes): skipped.
    const bytes v4 = raw().i16(4).i64(1).i32(-1).cstr("").i64(2).u8(1).u8(5).u8(2).u8(0xAA).u8(0xBB).b;
    auto d = decode_offset_commit_value(view(v4));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (committed_offset{1, -1, "", 2, std::nullopt}));
  }
}

TEST(offset_commit_value, every_version_through_the_generated_codec) {
  for (int16_t version = 0; version <= 4; ++version) {
    protocol::offset_commit_value v;
    v.offset = 1234;
    v.leader_epoch = 8;
    v.metadata = "x";
    v.commit_timestamp = 99;
    v.expire_timestamp = 77;
    iobuf out;
    protocol::writer w(out);
    w.write_int16(version);
    v.encode(w, version);
    const bytes encoded = out.linearize();
    auto d = decode_offset_commit_value(view(encoded));
    ASSERT_TRUE(d) << version;
    EXPECT_EQ(d->offset, 1234);
    EXPECT_EQ(d->leader_epoch, version >= 3 ? 8 : -1) << version;
    EXPECT_EQ(d->metadata, "x");
    EXPECT_EQ(d->commit_timestamp, 99);
    EXPECT_EQ(d->expire_timestamp, version == 1 ? std::optional<int64_t>(77) : std::nullopt) << version;
    for (size_t n = 0; n < encoded.size(); ++n) {
      EXPECT_FALSE(decode_offset_commit_value(bytes_view(encoded.data(), n))) << "v" << version << " prefix " << n;
    }
  }
}

TEST(offset_commit_value, unknown_versions_are_refused) {
  for (int16_t version : {int16_t{5}, int16_t{-1}}) {
    const bytes v = raw().i16(version).i64(1).i32(0).str("").i64(0).b;
    EXPECT_FALSE(decode_offset_commit_value(view(v))) << version;
  }
}

TEST(offset_commit_value, truncated_values_are_refused_at_every_length) {
  committed_offset c{7, 3, "some metadata", 123456, std::nullopt};
  committed_offset e{7, -1, "", 123456, 999};
  for (const bytes& full : {encode_offset_commit_value(c), encode_offset_commit_value(e)}) {
    for (size_t n = 0; n < full.size(); ++n) {
      auto d = decode_offset_commit_value(bytes_view(full.data(), n));
      EXPECT_FALSE(d) << "prefix of " << n << " bytes";
      if (!d) {
        EXPECT_EQ(d.error(), std::errc::illegal_byte_sequence);
      }
    }
  }
}

// --- group metadata values ---

stored_group sample_group() {
  stored_group g;
  g.protocol_type = "consumer";
  g.generation = 3;
  g.protocol = "range";
  g.leader = "m-1";
  g.current_state_timestamp = 1'700'000'000'000;
  stored_member a;
  a.member_id = "m-1";
  a.group_instance_id = "instance-a";
  a.client_id = "client-a";
  a.client_host = "/127.0.0.1";
  a.rebalance_timeout_ms = 300000;
  a.session_timeout_ms = 10000;
  a.subscription = to_bytes("sub-a");
  a.assignment = to_bytes("asg-a");
  stored_member b = a;
  b.member_id = "m-2";
  b.group_instance_id = std::nullopt;
  b.client_id = "client-b";
  b.subscription = to_bytes("");
  b.assignment = to_bytes("asg-b");
  g.members = {a, b};
  return g;
}

TEST(group_metadata_value, v3_is_written_field_by_field) {
  const bytes expected = raw()
                             .i16(3)
                             .str("consumer")
                             .i32(3)
                             .str("range")
                             .str("m-1")
                             .i64(1'700'000'000'000)
                             .i32(2)
                             // member a
                             .str("m-1").str("instance-a").str("client-a").str("/127.0.0.1")
                             .i32(300000).i32(10000).blob("sub-a").blob("asg-a")
                             // member b
                             .str("m-2").null_str().str("client-b").str("/127.0.0.1")
                             .i32(300000).i32(10000).blob("").blob("asg-b")
                             .b;
  const stored_group g = sample_group();
  EXPECT_EQ(encode_group_metadata_value(g), expected);
  auto d = decode_group_metadata_value(view(expected));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, g);
}

TEST(group_metadata_value, empty_group_with_null_protocol_and_leader) {
  stored_group g;
  g.protocol_type = "consumer";
  g.generation = 4;
  g.current_state_timestamp = 55;
  const bytes expected = raw().i16(3).str("consumer").i32(4).null_str().null_str().i64(55).i32(0).b;
  EXPECT_EQ(encode_group_metadata_value(g), expected);
  auto d = decode_group_metadata_value(view(expected));
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, g);
  EXPECT_EQ(d->protocol, std::nullopt);
  EXPECT_EQ(d->leader, std::nullopt);
}

TEST(group_metadata_value, hand_built_v0_uses_session_timeout_as_rebalance_timeout) {
  const bytes v0 = raw()
                       .i16(0)
                       .str("consumer").i32(1).str("roundrobin").str("m")
                       .i32(1)
                       .str("m").str("cid").str("/10.1.2.3").i32(6000).blob("s").blob("a")
                       .b;
  auto d = decode_group_metadata_value(view(v0));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->protocol_type, "consumer");
  EXPECT_EQ(d->generation, 1);
  EXPECT_EQ(d->protocol, std::optional<std::string>("roundrobin"));
  EXPECT_EQ(d->leader, std::optional<std::string>("m"));
  EXPECT_EQ(d->current_state_timestamp, -1);
  ASSERT_EQ(d->members.size(), 1u);
  const auto& m = d->members[0];
  EXPECT_EQ(m.member_id, "m");
  EXPECT_EQ(m.group_instance_id, std::nullopt);
  EXPECT_EQ(m.client_id, "cid");
  EXPECT_EQ(m.client_host, "/10.1.2.3");
  EXPECT_EQ(m.session_timeout_ms, 6000);
  EXPECT_EQ(m.rebalance_timeout_ms, 6000);
  EXPECT_EQ(m.subscription, to_bytes("s"));
  EXPECT_EQ(m.assignment, to_bytes("a"));
}

TEST(group_metadata_value, hand_built_v1_and_v2) {
  const bytes v1 = raw()
                       .i16(1)
                       .str("consumer").i32(2).str("range").str("m")
                       .i32(1)
                       .str("m").str("cid").str("/h").i32(60000).i32(6000).blob("s").blob("a")
                       .b;
  auto d1 = decode_group_metadata_value(view(v1));
  ASSERT_TRUE(d1);
  EXPECT_EQ(d1->current_state_timestamp, -1);
  ASSERT_EQ(d1->members.size(), 1u);
  EXPECT_EQ(d1->members[0].rebalance_timeout_ms, 60000);
  EXPECT_EQ(d1->members[0].session_timeout_ms, 6000);

  const bytes v2 = raw()
                       .i16(2)
                       .str("connect").i32(9).null_str().null_str().i64(777)
                       .i32(0)
                       .b;
  auto d2 = decode_group_metadata_value(view(v2));
  ASSERT_TRUE(d2);
  EXPECT_EQ(d2->protocol_type, "connect");
  EXPECT_EQ(d2->generation, 9);
  EXPECT_EQ(d2->protocol, std::nullopt);
  EXPECT_EQ(d2->leader, std::nullopt);
  EXPECT_EQ(d2->current_state_timestamp, 777);
  EXPECT_TRUE(d2->members.empty());
}

TEST(group_metadata_value, hand_built_v4_flexible) {
  const bytes v4 = raw()
                       .i16(4)
                       .cstr("consumer").i32(5).cstr("sticky").cstr("m")
                       .i64(888)
                       .u8(2)  // compact array: 1 member
                       .cstr("m").u8(0).cstr("cid").cstr("/h").i32(45000).i32(45000).cblob("s").cblob("a").no_tags()
                       .no_tags()
                       .b;
  auto d = decode_group_metadata_value(view(v4));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->protocol, std::optional<std::string>("sticky"));
  EXPECT_EQ(d->current_state_timestamp, 888);
  ASSERT_EQ(d->members.size(), 1u);
  EXPECT_EQ(d->members[0].group_instance_id, std::nullopt);  // compact null string
  EXPECT_EQ(d->members[0].rebalance_timeout_ms, 45000);
  EXPECT_EQ(d->members[0].subscription, to_bytes("s"));
}

TEST(group_metadata_value, every_version_through_the_generated_codec) {
  const stored_group g = sample_group();
  for (int16_t version = 0; version <= 4; ++version) {
    protocol::group_metadata_value v;
    v.protocol_type = g.protocol_type;
    v.generation = g.generation;
    v.protocol = g.protocol;
    v.leader = g.leader;
    v.current_state_timestamp = g.current_state_timestamp;
    for (const auto& m : g.members) {
      auto& out = v.members.emplace_back();
      out.member_id = m.member_id;
      out.group_instance_id = m.group_instance_id;
      out.client_id = m.client_id;
      out.client_host = m.client_host;
      out.rebalance_timeout = m.rebalance_timeout_ms;
      out.session_timeout = m.session_timeout_ms;
      out.subscription = m.subscription;
      out.assignment = m.assignment;
    }
    iobuf out;
    protocol::writer w(out);
    w.write_int16(version);
    v.encode(w, version);
    const bytes encoded = out.linearize();
    auto d = decode_group_metadata_value(view(encoded));
    ASSERT_TRUE(d) << version;
    stored_group expected = g;
    if (version < 2) expected.current_state_timestamp = -1;
    for (auto& m : expected.members) {
      if (version < 3) m.group_instance_id = std::nullopt;
      if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    }
    EXPECT_EQ(*d, expected) << version;
    for (size_t n = 0; n < encoded.size(); ++n) {
      EXPECT_FALSE(decode_group_metadata_value(bytes_view(encoded.data(), n))) << "v" << version << " prefix " << n;
    }
  }
}

TEST(group_metadata_value, malformed_values_are_refused) {
  EXPECT_FALSE(decode_group_metadata_value(view(raw().i16(5).str("consumer").b)));
  // A member count larger than the bytes left.
  EXPECT_FALSE(decode_group_metadata_value(view(raw().i16(3).str("c").i32(1).null_str().null_str().i64(0).i32(1000000).b)));
  // A negative member count (null array) is not allowed.
  EXPECT_FALSE(decode_group_metadata_value(view(raw().i16(3).str("c").i32(1).null_str().null_str().i64(0).i32(-1).b)));
  // A null protocol type is not allowed.
  EXPECT_FALSE(decode_group_metadata_value(view(raw().i16(3).null_str().i32(1).null_str().null_str().i64(0).i32(0).b)));
}

// --- replay ---

std::optional<bytes_view> some(const bytes& b) { return bytes_view(b.data(), b.size()); }

TEST(offsets_replay, last_record_per_key_wins_and_tombstones_remove) {
  offsets_replay replay;
  const topic_partition t0{"t", 0}, t1{"t", 1};
  const bytes k_a0 = encode_offset_commit_key("A", t0);
  const bytes k_a1 = encode_offset_commit_key("A", t1);
  const bytes k_b0 = encode_offset_commit_key("B", t0);
  const bytes g_a = encode_group_metadata_key("A");
  const bytes g_b = encode_group_metadata_key("B");

  const bytes v5 = encode_offset_commit_value(committed_offset{5, -1, "", 1, std::nullopt});
  const bytes v9 = encode_offset_commit_value(committed_offset{9, 2, "later", 2, std::nullopt});
  const bytes v3 = encode_offset_commit_value(committed_offset{3, -1, "", 3, std::nullopt});
  stored_group ga = sample_group();
  stored_group ga2 = ga;
  ga2.generation = 4;
  ga2.members.clear();
  ga2.protocol = std::nullopt;
  ga2.leader = std::nullopt;
  const bytes gv1 = encode_group_metadata_value(ga);
  const bytes gv2 = encode_group_metadata_value(ga2);

  replay.apply(some(k_a0), some(v5));
  replay.apply(some(k_a1), some(v3));
  replay.apply(some(k_a0), some(v9));      // later commit wins
  replay.apply(some(k_b0), some(v3));
  replay.apply(some(k_b0), std::nullopt);  // B's only offset removed: B has no offsets left
  replay.apply(some(g_a), some(gv1));
  replay.apply(some(g_a), some(gv2));      // later metadata wins
  replay.apply(some(g_b), some(gv1));
  replay.apply(some(g_b), std::nullopt);   // group tombstone
  replay.apply(some(encode_group_metadata_key("never")), std::nullopt);  // tombstone of nothing
  EXPECT_EQ(replay.skipped(), 0u);

  auto state = replay.take();
  ASSERT_EQ(state.offsets.size(), 1u);
  ASSERT_EQ(state.offsets.count("A"), 1u);
  const auto& a = state.offsets["A"];
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.at(t0), (committed_offset{9, 2, "later", 2, std::nullopt}));
  EXPECT_EQ(a.at(t1).offset, 3);
  ASSERT_EQ(state.groups.size(), 1u);
  EXPECT_EQ(state.groups.at("A"), ga2);
}

TEST(offsets_replay, offsets_outlive_their_group_record_and_vice_versa) {
  // Offset commits and group metadata are separate keys: a group tombstone leaves its offsets
  // (Kafka writes their tombstones separately), and offsets may exist with no group record
  // (commits from outside any group).
  offsets_replay replay;
  const bytes k = encode_offset_commit_key("G", topic_partition{"t", 0});
  const bytes g = encode_group_metadata_key("G");
  replay.apply(some(k), some(encode_offset_commit_value(committed_offset{1, -1, "", 1, std::nullopt})));
  replay.apply(some(g), some(encode_group_metadata_value(sample_group())));
  replay.apply(some(g), std::nullopt);
  auto state = replay.take();
  EXPECT_TRUE(state.groups.empty());
  ASSERT_EQ(state.offsets.count("G"), 1u);
  EXPECT_EQ(state.offsets["G"].size(), 1u);
}

TEST(offsets_replay, undecodable_records_are_counted_and_skipped) {
  offsets_replay replay;
  const bytes k = encode_offset_commit_key("G", topic_partition{"t", 0});
  const bytes good = encode_offset_commit_value(committed_offset{1, -1, "", 1, std::nullopt});
  const bytes bad_value = raw().i16(3).i64(1).b;        // truncated
  const bytes bad_key = raw().i16(1).str("G").b;        // truncated
  const bytes unknown = raw().i16(11).str("new-protocol-record").b;

  replay.apply(some(k), some(good));
  replay.apply(some(k), some(bad_value));         // skipped: the earlier value stays
  replay.apply(some(bad_key), some(good));        // skipped
  replay.apply(std::nullopt, some(good));         // keyless: skipped
  replay.apply(some(encode_group_metadata_key("G")), some(bad_value));  // not a group value
  replay.apply(some(unknown), some(good));        // unknown record type: ignored, not counted
  replay.apply(some(unknown), std::nullopt);
  EXPECT_EQ(replay.skipped(), 4u);
  auto state = replay.take();
  ASSERT_EQ(state.offsets.count("G"), 1u);
  EXPECT_EQ(state.offsets["G"].at(topic_partition{"t", 0}).offset, 1);
  EXPECT_TRUE(state.groups.empty());
}

TEST(offsets_replay, transactional_offsets_wait_for_their_marker) {
  offsets_replay replay;
  const topic_partition tp{"in", 0};
  const topic_partition tp2{"in", 1};
  const bytes key = encode_offset_commit_key("g", tp);
  const bytes key2 = encode_offset_commit_key("g", tp2);
  auto value = [](int64_t offset) {
    committed_offset o;
    o.offset = offset;
    o.commit_timestamp = 1;
    return encode_offset_commit_value(o);
  };
  const bytes plain = value(5), committed = value(10), aborted = value(20), open = value(30);
  replay.apply(bytes_view(key), bytes_view(plain));
  replay.apply_transactional(7, bytes_view(key), bytes_view(committed));
  replay.apply_transactional(8, bytes_view(key2), bytes_view(aborted));
  replay.apply_transactional(9, bytes_view(key2), bytes_view(open));
  replay.complete_transaction(8, false);
  {
    auto mid = offsets_replay(replay).take();
    EXPECT_EQ(mid.offsets.at("g").at(tp).offset, 5);  // 7 has no marker yet
  }
  replay.complete_transaction(7, true);
  replay.complete_transaction(42, true);  // a producer with nothing pending
  auto state = replay.take();
  EXPECT_EQ(state.offsets.at("g").at(tp).offset, 10);
  EXPECT_EQ(state.offsets.at("g").count(tp2), 0u);  // aborted, and 9 is still open
  ASSERT_EQ(state.pending_txn_offsets.size(), 1u);
  EXPECT_EQ(state.pending_txn_offsets.at(9).at("g").at(tp2).offset, 30);
}

} // namespace
} // namespace gregor::group
