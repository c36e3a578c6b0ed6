// Primitive encodings (classic vs compact), tagged sections, and bounds on hostile lengths.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#include <unistd.h>

#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"
#include "alloc_tracker.h"

namespace gregor::protocol {
namespace {

bytes encoded(auto&& fn) {
  iobuf out;
  writer w(out);
  fn(w);
  return out.linearize();
}

reader reader_of(bytes b) { return reader(shared_bytes(std::move(b))); }

TEST(writer, strings_classic_and_compact) {
  EXPECT_EQ(encoded([](writer& w) { w.write_string("ab", false); }), (bytes{0x00, 0x02, 'a', 'b'}));
  EXPECT_EQ(encoded([](writer& w) { w.write_string("ab", true); }), (bytes{0x03, 'a', 'b'}));
  EXPECT_EQ(encoded([](writer& w) { w.write_null_string(false); }), (bytes{0xff, 0xff}));
  EXPECT_EQ(encoded([](writer& w) { w.write_null_string(true); }), (bytes{0x00}));
  EXPECT_EQ(encoded([](writer& w) { w.write_string("", true); }), (bytes{0x01}));
}

TEST(writer, bytes_arrays_and_varints) {
  EXPECT_EQ(encoded([](writer& w) { w.write_bytes(bytes{7}, false); }), (bytes{0, 0, 0, 1, 7}));
  EXPECT_EQ(encoded([](writer& w) { w.write_bytes(bytes{7}, true); }), (bytes{0x02, 7}));
  EXPECT_EQ(encoded([](writer& w) { w.write_null_bytes(false); }), (bytes{0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(encoded([](writer& w) { w.write_array_length(3, false); }), (bytes{0, 0, 0, 3}));
  EXPECT_EQ(encoded([](writer& w) { w.write_array_length(3, true); }), (bytes{0x04}));
  EXPECT_EQ(encoded([](writer& w) { w.write_null_array(true); }), (bytes{0x00}));
  EXPECT_EQ(encoded([](writer& w) { w.write_uvarint(300); }), (bytes{0xac, 0x02}));
  EXPECT_EQ(encoded([](writer& w) { w.write_varint(-1); }), (bytes{0x01}));
  EXPECT_EQ(encoded([](writer& w) { w.write_int32(-2); }), (bytes{0xff, 0xff, 0xff, 0xfe}));
  EXPECT_EQ(encoded([](writer& w) { w.write_float64(1.0); }), (bytes{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}));
}

TEST(reader, primitives_round_trip) {
  auto wire = encoded([](writer& w) {
    w.write_int8(-3);
    w.write_int16(-300);
    w.write_int32(123456789);
    w.write_int64(-9876543210LL);
    w.write_uint16(65535);
    w.write_uint32(4000000000u);
    w.write_float64(-2.5);
    w.write_bool(true);
    w.write_uuid(uuid::from_parts(1, 2));
    w.write_uvarint(1u << 31);
    w.write_varint(-77);
    w.write_string("x", false);
    w.write_string("yz", true);
    w.write_nullable_string(std::nullopt, true);
  });
  auto r = reader_of(wire);
  EXPECT_EQ(r.read_int8(), -3);
  EXPECT_EQ(r.read_int16(), -300);
  EXPECT_EQ(r.read_int32(), 123456789);
  EXPECT_EQ(r.read_int64(), -9876543210LL);
  EXPECT_EQ(r.read_uint16(), 65535);
  EXPECT_EQ(r.read_uint32(), 4000000000u);
  EXPECT_EQ(r.read_float64(), -2.5);
  EXPECT_TRUE(r.read_bool());
  EXPECT_EQ(r.read_uuid(), uuid::from_parts(1, 2));
  EXPECT_EQ(r.read_uvarint(), 1u << 31);
  EXPECT_EQ(r.read_varint(), -77);
  EXPECT_EQ(r.read_string(false), "x");
  EXPECT_EQ(r.read_string(true), "yz");
  EXPECT_EQ(r.read_nullable_string(true), std::nullopt);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  // Sticky failure: reading past the end fails and later reads return zero.
  EXPECT_EQ(r.read_int32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "truncated int32");
}

TEST(reader, null_for_non_nullable_fails) {
  auto r = reader_of(bytes{0xff, 0xff});
  EXPECT_EQ(r.read_string(false), "");
  EXPECT_FALSE(r.ok());
  auto r2 = reader_of(bytes{0x00});
  r2.read_bytes(true);
  EXPECT_FALSE(r2.ok());
}

TEST(reader, overlong_varint_fails) {
  auto r = reader_of(bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  r.read_uvarint();
  EXPECT_FALSE(r.ok());
  auto r2 = reader_of(bytes{0xff, 0xff, 0xff, 0xff, 0x7f});  // 35 bits: above uint32
  r2.read_uvarint();
  EXPECT_FALSE(r2.ok());
}

TEST(reader, hostile_lengths_fail_without_allocating) {
  struct hostile {
    bytes wire;
    bool compact;
  };
  // Each announces far more than the few bytes that follow.
  const hostile arrays[] = {{{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}, false}, {{0xff, 0xff, 0xff, 0xff, 0x0f, 1}, true}};
  for (const auto& h : arrays) {
    auto r = reader_of(h.wire);
    EXPECT_EQ(r.read_array_length(h.compact), 0);
    EXPECT_FALSE(r.ok());
  }
  auto rs = reader_of(bytes{0x7f, 0xff, 'a', 'b'});
  rs.read_string(false);
  EXPECT_FALSE(rs.ok());
  auto rb = reader_of(bytes{0x7f, 0xff, 0xff, 0xff, 'a'});
  rb.read_bytes(false);
  EXPECT_FALSE(rb.ok());
  auto rn = reader_of(bytes{0xff, 0xff, 0xff, 0xfe});  // -2 is not a valid array count
  rn.read_array_length(false);
  EXPECT_FALSE(rn.ok());

  // A whole produce request claiming 2^31-1 topics, then 1 billion partitions: decode must fail
  // and never ask for a large block of memory.
  bytes produce = {0xff, 0xff, 0, 1, 0, 0, 0x03, 0xe8, 0x7f, 0xff, 0xff, 0xff, 0, 1, 't'};
  bytes produce2 = {0xff, 0xff, 0, 1, 0, 0, 0x03, 0xe8, 0, 0, 0, 1, 0, 1, 't', 0x3b, 0x9a, 0xca, 0x00, 0, 0};
  for (const auto& wire : {produce, produce2}) {
    auto r = reader_of(wire);
    produce_request req;
    test_support::reset_largest_allocation();
    EXPECT_FALSE(req.decode(r, 3));
    EXPECT_LT(test_support::largest_allocation(), 64u * 1024u);
  }
}

TEST(reader, bounded_reserve_never_exceeds_bytes_left) {
  auto r = reader_of(bytes(10, 0));
  EXPECT_EQ(r.bounded_reserve(1000000), 10u);
  EXPECT_EQ(r.bounded_reserve(-1), 0u);
  EXPECT_EQ(r.bounded_reserve(3), 3u);
}

TEST(reader, tagged_section_skips_unknown_tags_by_size) {
  auto wire = encoded([](writer& w) {
    w.write_uvarint(2);
    w.write_uvarint(7);
    w.write_uvarint(3);
    w.write_raw(bytes{1, 2, 3});
    w.write_uvarint(300);  // a multi-byte tag
    w.write_uvarint(1);
    w.write_raw(bytes{9});
    w.write_int32(42);
  });
  auto r = reader_of(wire);
  r.skip_tagged_fields();
  EXPECT_EQ(r.read_int32(), 42);
  EXPECT_TRUE(r.ok()) << r.error();

  // A tagged field that claims more bytes than exist fails.
  auto bad = reader_of(bytes{1, 0, 5, 1, 2});
  bad.skip_tagged_fields();
  EXPECT_FALSE(bad.ok());
}

TEST(reader, generated_struct_reads_known_and_skips_unknown_tags) {
  // Produce response v10 partition: index, error, base_offset, log_append_time, log_start_offset,
  // record_errors (compact, empty), error_message (null), then tags: 0 = current_leader, 9 = unknown.
  auto wire = encoded([](writer& w) {
    w.write_int32(4);
    w.write_int16(6);
    w.write_int64(100);
    w.write_int64(-1);
    w.write_int64(0);
    w.write_array_length(0, true);
    w.write_null_string(true);
    w.write_uvarint(2);
    w.write_uvarint(0);
    w.write_uvarint(9);
    w.write_int32(3);  // leader_id
    w.write_int32(8);  // leader_epoch
    w.write_uvarint(0);  // the nested struct's own tagged section
    w.write_uvarint(9);
    w.write_uvarint(2);
    w.write_raw(bytes{0xaa, 0xbb});
  });
  auto r = reader_of(wire);
  produce_response::topic_produce_response::partition_produce_response p;
  ASSERT_TRUE(p.decode(r, 10)) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(p.index, 4);
  EXPECT_EQ(p.error_code, 6);
  EXPECT_EQ(p.current_leader.leader_id, 3);
  EXPECT_EQ(p.current_leader.leader_epoch, 8);
  EXPECT_FALSE(p.error_message.has_value());

  // Re-encoding drops the unknown tag and keeps the known one.
  auto again = encoded([&](writer& w) { p.encode(w, 10); });
  EXPECT_EQ(again.size(), wire.size() - 4);
}

TEST(writer, tagged_fields_only_when_not_default) {
  produce_response::topic_produce_response::partition_produce_response p;
  auto plain = encoded([&](writer& w) { p.encode(w, 10); });
  EXPECT_EQ(plain.back(), 0x00);  // empty tagged section
  p.current_leader.leader_id = 1;
  auto tagged = encoded([&](writer& w) { p.encode(w, 10); });
  EXPECT_GT(tagged.size(), plain.size());
}

TEST(records, decode_borrows_the_frame) {
  bytes wire = {0, 0, 0x03, 0xe8};  // classic length 1000
  wire.resize(4 + 1000, 0x5a);
  shared_bytes frame(wire);
  reader r(frame);
  auto rec = r.read_records(false);
  ASSERT_TRUE(rec.has_value());
  ASSERT_EQ(rec->size(), 1000u);
  ASSERT_EQ(rec->chunks().size(), 1u);
  const auto* borrowed = std::get_if<shared_bytes>(&rec->chunks()[0]);
  ASSERT_NE(borrowed, nullptr);
  EXPECT_EQ(borrowed->data(), frame.data() + 4);
}

TEST(records, encode_shares_chunks_and_file_slices) {
  auto path = std::filesystem::temp_directory_path() / ("gregor_records_" + std::to_string(::getpid()));
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("0123456789", f);
    std::fclose(f);
  }
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::filesystem::remove(path);
  auto file = std::make_shared<const file_descriptor>(fd);

  std::optional<iobuf> records(std::in_place);
  records->append(bytes_view(bytes(300, 7)));
  records->append(file_slice{file, 2, 5});
  iobuf out;
  writer w(out);
  w.write_records(records, true);
  bool saw_file = false;
  for (const auto& c : out.chunks()) saw_file |= std::holds_alternative<file_slice>(c);
  EXPECT_TRUE(saw_file);
  auto flat = out.linearize();
  ASSERT_EQ(flat.size(), 2u + 305u);  // uvarint(306) takes two bytes
  EXPECT_EQ(flat[0], 0xb2);
  EXPECT_EQ(flat[1], 0x02);
  EXPECT_EQ(std::string(flat.end() - 5, flat.end()), "23456");
}

TEST(generated, non_ignorable_field_at_a_version_without_it) {
  // FetchResponse.session_id exists from v7 and is not ignorable: debug builds assert, release
  // builds drop it and keep the frame well-formed.
  fetch_response resp;
  resp.session_id = 5;
  auto encode_v6 = [&] {
    iobuf out;
    writer w(out);
    resp.encode(w, 6);
    return out.size();
  };
  EXPECT_DEBUG_DEATH(encode_v6(), "session_id");
  resp.session_id = 0;
  EXPECT_EQ(encode_v6(), 4u + 4u);  // throttle_time_ms + empty responses array

  // Ignorable fields are dropped silently in every build.
  fetch_response ignorable;
  ignorable.error_code = 3;  // v7+, ignorable
  iobuf out;
  writer w(out);
  ignorable.encode(w, 6);
  EXPECT_EQ(out.size(), 8u);
}

TEST(generated, defaults_from_schema) {
  metadata_request m;
  EXPECT_TRUE(m.topics.has_value());  // nullable without a default: empty, not null
  EXPECT_TRUE(m.topics->empty());
  EXPECT_TRUE(m.allow_auto_topic_creation);
  produce_request p;
  EXPECT_FALSE(p.transactional_id.has_value());
  EXPECT_EQ(produce_request::api_key_value, 0);
  EXPECT_EQ(produce_request::first_flexible_version, 9);
}

} // namespace
} // namespace gregor::protocol
