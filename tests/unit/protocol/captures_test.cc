// Real client requests captured from kcat (librdkafka 2.0.2) and kafka-python 2.0.2 against a
// throw-away fake broker, decoded with our codecs. Fixtures: tests/data/captures/*.bin, each one
// whole frame (size prefix included).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/messages/produce.h"

namespace gregor::protocol {
namespace {

struct capture {
  shared_bytes frame;  // without the size prefix
  request_header header;
  reader body;
};

capture load(const std::string& name) {
  const std::string path = std::string(GREGOR_SOURCE_DIR) + "/tests/data/captures/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_GE(raw.size(), 4u);
  EXPECT_EQ(static_cast<size_t>(load_be<int32_t>(raw.data())), raw.size() - 4) << "size prefix";
  shared_bytes all(std::move(raw));
  capture c{all.slice(4, all.size() - 4), {}, reader(shared_bytes())};
  c.body = reader(c.frame);
  EXPECT_TRUE(decode_request_header(c.body, c.header)) << c.body.error();
  return c;
}

template <class Msg>
Msg decode_body(capture& c, int16_t key, int16_t version) {
  EXPECT_EQ(c.header.api_key, key);
  EXPECT_EQ(c.header.api_version, version);
  Msg m;
  EXPECT_TRUE(m.decode(c.body, version)) << c.body.error();
  EXPECT_EQ(c.body.remaining(), 0u) << "trailing bytes";
  // Our encoding of what we decoded is byte-identical to the client's.
  iobuf again;
  writer w(again);
  m.encode(w, version);
  const auto whole = c.frame.view();
  EXPECT_EQ(again.linearize(), bytes(whole.end() - static_cast<std::ptrdiff_t>(again.size()), whole.end()));
  return m;
}

// Checks a RecordBatch v2 holding the two keyed records both clients produced.
void check_batch(const iobuf& records) {
  const bytes b = records.linearize();
  ASSERT_EQ(b.size(), 89u);
  EXPECT_EQ(load_be<int64_t>(b.data()), 0);                         // base offset
  EXPECT_EQ(load_be<int32_t>(b.data() + 8), 77);                    // batch length
  EXPECT_EQ(b[16], 2);                                              // magic
  EXPECT_EQ(load_be<uint32_t>(b.data() + 17), crc32c(bytes_view(b).subspan(21)));
  EXPECT_EQ(load_be<int16_t>(b.data() + 21), 0);                    // attributes: no codec
  EXPECT_EQ(load_be<int32_t>(b.data() + 23), 1);                    // last offset delta
  EXPECT_EQ(load_be<int64_t>(b.data() + 43), -1);                   // producer id
  EXPECT_EQ(load_be<int32_t>(b.data() + 57), 2);                    // record count
  const std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
  EXPECT_NE(text.find("k1\nhello"), std::string_view::npos);
  EXPECT_NE(text.find("k2\nworld"), std::string_view::npos);
}

TEST(captures, rdkafka_api_versions_v3) {
  auto c = load("rdkafka_api_versions_v3.bin");
  EXPECT_EQ(c.header.client_id, "rdkafka");
  EXPECT_EQ(c.header.correlation_id, 1);
  auto m = decode_body<api_versions_request>(c, 18, 3);
  EXPECT_EQ(m.client_software_name, "librdkafka");
  EXPECT_EQ(m.client_software_version, "2.0.2");
}

TEST(captures, rdkafka_api_versions_v0_fallback) {
  auto c = load("rdkafka_api_versions_v0.bin");
  EXPECT_EQ(c.header.client_id, "rdkafka");
  decode_body<api_versions_request>(c, 18, 0);
}

TEST(captures, rdkafka_metadata_v4) {
  auto c = load("rdkafka_metadata_v4.bin");
  auto m = decode_body<metadata_request>(c, 3, 4);
  ASSERT_TRUE(m.topics.has_value());
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].name, "t");
  EXPECT_TRUE(m.allow_auto_topic_creation);
}

TEST(captures, rdkafka_produce_v7) {
  auto c = load("rdkafka_produce_v7.bin");
  EXPECT_EQ(c.header.client_id, "rdkafka");
  auto m = decode_body<produce_request>(c, 0, 7);
  EXPECT_FALSE(m.transactional_id.has_value());
  EXPECT_EQ(m.acks, -1);
  EXPECT_EQ(m.timeout_ms, 30000);
  ASSERT_EQ(m.topic_data.size(), 1u);
  EXPECT_EQ(m.topic_data[0].name, "t");
  ASSERT_EQ(m.topic_data[0].partition_data.size(), 1u);
  EXPECT_EQ(m.topic_data[0].partition_data[0].index, 0);
  ASSERT_TRUE(m.topic_data[0].partition_data[0].records.has_value());
  check_batch(*m.topic_data[0].partition_data[0].records);
}

TEST(captures, rdkafka_list_offsets_v2) {
  auto c = load("rdkafka_list_offsets_v2.bin");
  auto m = decode_body<list_offsets_request>(c, 2, 2);
  EXPECT_EQ(m.replica_id, -1);
  EXPECT_EQ(m.isolation_level, 1);  // librdkafka defaults to read_committed
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].name, "t");
  ASSERT_EQ(m.topics[0].partitions.size(), 1u);
  EXPECT_EQ(m.topics[0].partitions[0].timestamp, -2);  // earliest
}

TEST(captures, rdkafka_fetch_v10) {
  auto c = load("rdkafka_fetch_v10.bin");
  auto m = decode_body<fetch_request>(c, 1, 10);
  EXPECT_EQ(m.replica_id, -1);
  EXPECT_EQ(m.max_wait_ms, 500);
  EXPECT_EQ(m.min_bytes, 1);
  EXPECT_EQ(m.max_bytes, 52428800);
  EXPECT_EQ(m.session_id, 0);
  EXPECT_EQ(m.session_epoch, -1);
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].topic, "t");
  ASSERT_EQ(m.topics[0].partitions.size(), 1u);
  EXPECT_EQ(m.topics[0].partitions[0].fetch_offset, 0);
  EXPECT_EQ(m.topics[0].partitions[0].current_leader_epoch, -1);
  EXPECT_EQ(m.topics[0].partitions[0].partition_max_bytes, 1048576);
  EXPECT_TRUE(m.forgotten_topics_data.empty());
}

TEST(captures, kafka_python_api_versions_v0) {
  auto c = load("kafka_python_api_versions_v0.bin");
  EXPECT_EQ(c.header.client_id, "kafka-python-producer-1");
  decode_body<api_versions_request>(c, 18, 0);
}

TEST(captures, kafka_python_metadata_v0_and_v1) {
  auto c0 = load("kafka_python_metadata_v0.bin");
  auto m0 = decode_body<metadata_request>(c0, 3, 0);
  ASSERT_TRUE(m0.topics.has_value());
  EXPECT_TRUE(m0.topics->empty());  // v0: empty = all topics
  auto c1 = load("kafka_python_metadata_v1.bin");
  auto m1 = decode_body<metadata_request>(c1, 3, 1);
  EXPECT_FALSE(m1.topics.has_value());  // v1+: null = all topics
}

TEST(captures, kafka_python_produce_v7) {
  auto c = load("kafka_python_produce_v7.bin");
  EXPECT_EQ(c.header.client_id, "kafka-python-producer-1");
  auto m = decode_body<produce_request>(c, 0, 7);
  EXPECT_FALSE(m.transactional_id.has_value());
  EXPECT_EQ(m.acks, 1);
  EXPECT_EQ(m.timeout_ms, 30000);
  ASSERT_EQ(m.topic_data.size(), 1u);
  EXPECT_EQ(m.topic_data[0].name, "t");
  ASSERT_EQ(m.topic_data[0].partition_data.size(), 1u);
  ASSERT_TRUE(m.topic_data[0].partition_data[0].records.has_value());
  check_batch(*m.topic_data[0].partition_data[0].records);
}

TEST(captures, kafka_python_list_offsets_v1) {
  auto c = load("kafka_python_list_offsets_v1.bin");
  EXPECT_EQ(c.header.client_id, "kafka-python-2.0.2");
  auto m = decode_body<list_offsets_request>(c, 2, 1);
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].name, "t");
  EXPECT_EQ(m.topics[0].partitions[0].timestamp, -2);
}

TEST(captures, kafka_python_fetch_v4) {
  auto c = load("kafka_python_fetch_v4.bin");
  EXPECT_EQ(c.header.client_id, "kafka-python-2.0.2");
  auto m = decode_body<fetch_request>(c, 1, 4);
  EXPECT_EQ(m.max_wait_ms, 500);
  EXPECT_EQ(m.max_bytes, 52428800);
  EXPECT_EQ(m.isolation_level, 0);
  ASSERT_EQ(m.topics.size(), 1u);
  EXPECT_EQ(m.topics[0].topic, "t");
  EXPECT_EQ(m.topics[0].partitions[0].fetch_offset, 0);
  EXPECT_EQ(m.topics[0].partitions[0].partition_max_bytes, 1048576);
}

TEST(captures, every_capture_decodes_through_the_generic_entry_point) {
  for (const char* name : {"rdkafka_api_versions_v3.bin", "rdkafka_produce_v7.bin", "rdkafka_fetch_v10.bin",
                           "kafka_python_produce_v7.bin", "kafka_python_fetch_v4.bin"}) {
    auto c = load(name);
    EXPECT_TRUE(decode_request_body(c.header.api_key, c.header.api_version, c.body)) << name;
  }
}

} // namespace
} // namespace gregor::protocol
