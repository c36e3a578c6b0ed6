#include <gtest/gtest.h>

#include "gregor/client/errc.h"
#include "gregor/client/request_builders.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/control.h"

namespace gregor::client {
namespace {

// Encodes at `version` and decodes again: the request must survive the wire at that version.
template <class Msg>
Msg round_trip(const Msg& m, int16_t version) {
  iobuf buf;
  protocol::writer w(buf);
  m.encode(w, version);
  protocol::reader r(shared_bytes(buf.linearize()));
  Msg out;
  EXPECT_TRUE(out.decode(r, version)) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
  return out;
}

TEST(RequestBuildersTest, MetadataAllTopicsDependsOnVersion) {
  auto v0 = build_metadata_request(0, std::nullopt, false);
  ASSERT_TRUE(v0.topics.has_value());  // v0: empty list = all
  EXPECT_TRUE(v0.topics->empty());
  auto v1 = build_metadata_request(1, std::nullopt, false);
  EXPECT_FALSE(v1.topics.has_value());  // v1+: null = all
  EXPECT_FALSE(round_trip(v1, 9).topics.has_value());

  std::optional<std::vector<std::string>> some(std::in_place, std::vector<std::string>{"a", "b"});
  auto named = round_trip(build_metadata_request(12, some, true), 12);
  ASSERT_TRUE(named.topics.has_value());
  ASSERT_EQ(named.topics->size(), 2u);
  EXPECT_EQ(*(*named.topics)[1].name, "b");
  EXPECT_TRUE(named.allow_auto_topic_creation);
}

TEST(RequestBuildersTest, CreateTopicsDefaultsNeedV4) {
  new_topic t;
  t.name = "orders";
  t.configs = {{"cleanup.policy", "compact"}};
  auto old = build_create_topics_request(3, {t}, 1000, false);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error(), client_errc::invalid_argument);

  auto req = build_create_topics_request(4, {t}, 1000, true);
  ASSERT_TRUE(req);
  auto back = round_trip(*req, 4);
  ASSERT_EQ(back.topics.size(), 1u);
  EXPECT_EQ(back.topics[0].num_partitions, -1);
  EXPECT_EQ(back.topics[0].replication_factor, -1);
  ASSERT_EQ(back.topics[0].configs.size(), 1u);
  EXPECT_EQ(back.topics[0].configs[0].name, "cleanup.policy");
  EXPECT_EQ(*back.topics[0].configs[0].value, "compact");
  EXPECT_TRUE(back.validate_only);
  EXPECT_EQ(back.timeout_ms, 1000);
}

TEST(RequestBuildersTest, CreateTopicsManualAssignment) {
  new_topic t;
  t.name = "t";
  t.assignment = {{0, {1, 2}}, {1, {2, 3}}};
  auto req = build_create_topics_request(2, {t}, 5000, false);  // fine below v4: no defaults used
  ASSERT_TRUE(req);
  auto back = round_trip(*req, 2);
  EXPECT_EQ(back.topics[0].num_partitions, -1);
  ASSERT_EQ(back.topics[0].assignments.size(), 2u);
  EXPECT_EQ(back.topics[0].assignments[1].partition_index, 1);
  EXPECT_EQ(back.topics[0].assignments[1].broker_ids, (std::vector<int32_t>{2, 3}));

  t.partitions = 3;  // mixing both is refused
  EXPECT_FALSE(build_create_topics_request(7, {t}, 5000, false));
}

TEST(RequestBuildersTest, CreateTopicsResponseKeepsMessages) {
  protocol::create_topics_response r;
  auto& a = r.topics.emplace_back();
  a.name = "a";
  a.error_code = static_cast<int16_t>(protocol::error_code::topic_already_exists);
  a.error_message = "Topic 'a' already exists.";
  auto& b = r.topics.emplace_back();
  b.name = "b";
  b.error_message = std::nullopt;
  auto out = read_create_topics_response(r);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].error, kafka_error(protocol::error_code::topic_already_exists));
  EXPECT_EQ(out[0].message, "Topic 'a' already exists.");
  EXPECT_FALSE(out[1].error);
}

TEST(RequestBuildersTest, DeleteTopicsNamesMoveIntoStructsAtV6) {
  auto v5 = round_trip(build_delete_topics_request(5, {"a", "b"}, 100), 5);
  EXPECT_EQ(v5.topic_names, (std::vector<std::string>{"a", "b"}));
  auto v6 = round_trip(build_delete_topics_request(6, {"a", "b"}, 100), 6);
  ASSERT_EQ(v6.topics.size(), 2u);
  EXPECT_EQ(*v6.topics[0].name, "a");
  EXPECT_TRUE(v6.topics[0].topic_id.is_zero());
  EXPECT_EQ(v6.timeout_ms, 100);
}

TEST(RequestBuildersTest, ConfigEntriesDefaultness) {
  protocol::describe_configs_response::describe_configs_result r;
  auto& a = r.configs.emplace_back();
  a.name = "segment.bytes";
  a.value = "1073741824";
  a.config_source = 4;  // STATIC_BROKER_CONFIG
  a.is_default = true;  // v0-only field: ignored at v1+
  auto& b = r.configs.emplace_back();
  b.name = "retention.ms";
  b.value = "604800000";
  b.config_source = 5;  // DEFAULT_CONFIG
  auto v1 = read_config_entries(1, r);
  EXPECT_FALSE(v1[0].is_default);
  EXPECT_EQ(v1[0].source, config_source::static_broker);
  EXPECT_TRUE(v1[1].is_default);
  auto v0 = read_config_entries(0, r);
  EXPECT_TRUE(v0[0].is_default);
  EXPECT_FALSE(v0[1].is_default);

  auto req = round_trip(build_describe_topic_configs_request({"x"}), 4);
  ASSERT_EQ(req.resources.size(), 1u);
  EXPECT_EQ(req.resources[0].resource_type, 2);
  EXPECT_FALSE(req.resources[0].configuration_keys.has_value());
}

TEST(RequestBuildersTest, ProduceGroupsPartitionsByTopic) {
  record::batch_builder b;
  b.add(1, std::nullopt, as_bytes("v"));
  produce_batch x{"a", 0, b.build(), 1};
  produce_batch y{"b", 3, b.build(), 1};
  produce_batch z{"a", 2, b.build(), 1};
  auto req = round_trip(build_produce_request(-1, 1500, {&x, &y, &z}), 9);
  EXPECT_EQ(req.acks, -1);
  EXPECT_EQ(req.timeout_ms, 1500);
  ASSERT_EQ(req.topic_data.size(), 2u);
  EXPECT_EQ(req.topic_data[0].name, "a");
  ASSERT_EQ(req.topic_data[0].partition_data.size(), 2u);
  EXPECT_EQ(req.topic_data[0].partition_data[1].index, 2);
  EXPECT_EQ(req.topic_data[0].partition_data[1].records->linearize(), z.batch);
  EXPECT_EQ(req.topic_data[1].partition_data[0].index, 3);
}

TEST(RequestBuildersTest, FetchAndListOffsets) {
  fetch_options o;
  o.isolation = isolation_level::read_committed;
  o.max_wait_ms = 250;
  auto f = round_trip(build_fetch_request(12, "t", {{0, 5}, {2, 9}}, o), 12);
  EXPECT_EQ(f.replica_id, -1);
  EXPECT_EQ(f.max_wait_ms, 250);
  EXPECT_EQ(f.isolation_level, 1);
  EXPECT_EQ(f.session_epoch, -1);
  ASSERT_EQ(f.topics.size(), 1u);
  EXPECT_EQ(f.topics[0].topic, "t");
  ASSERT_EQ(f.topics[0].partitions.size(), 2u);
  EXPECT_EQ(f.topics[0].partitions[1].partition, 2);
  EXPECT_EQ(f.topics[0].partitions[1].fetch_offset, 9);

  auto l1 = round_trip(build_list_offsets_request(1, "t", {0, 1}, earliest_timestamp, isolation_level::read_committed), 1);
  EXPECT_EQ(l1.isolation_level, 0);  // v1 has no isolation level
  ASSERT_EQ(l1.topics[0].partitions.size(), 2u);
  EXPECT_EQ(l1.topics[0].partitions[0].timestamp, -2);
  auto l5 = round_trip(build_list_offsets_request(5, "t", {0}, latest_timestamp, isolation_level::read_committed), 5);
  EXPECT_EQ(l5.isolation_level, 1);
  EXPECT_EQ(l5.replica_id, -1);
}

bytes batch_at(int64_t base, int n, bool log_append_time = false) {
  record::batch_builder b(compression::codec::lz4, base);
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(base + i);
    std::string value = "v" + std::to_string(base + i);
    b.add(1000 + i, as_bytes(key), as_bytes(value));
  }
  if (log_append_time) b.set_log_append_time(5000);
  return b.build();
}

TEST(RequestBuildersTest, DecodesFetchedBatchesFromTheFetchOffset) {
  bytes blob = batch_at(0, 3);
  bytes second = batch_at(3, 3, true);
  blob.insert(blob.end(), second.begin(), second.end());
  bytes partial = batch_at(6, 2);
  blob.insert(blob.end(), partial.begin(), partial.begin() + static_cast<long>(partial.size() / 2));

  auto d = decode_fetched_records(blob, 4);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->records.size(), 2u);
  EXPECT_EQ(d->records[0].offset, 4);
  EXPECT_EQ(d->records[0].key, bytes({'k', '4'}));
  EXPECT_EQ(d->records[1].value, bytes({'v', '5'}));
  EXPECT_EQ(d->records[0].ts_type, timestamp_type::log_append_time);
  EXPECT_EQ(d->records[0].timestamp, 5000);
  EXPECT_EQ(d->next_offset, 6);  // the partial batch is not consumed

  auto all = decode_fetched_records(blob, 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->records.size(), 6u);
  EXPECT_EQ(all->records[0].ts_type, timestamp_type::create_time);
  EXPECT_EQ(all->records[2].timestamp, 1002);
}

TEST(RequestBuildersTest, SkipsControlBatchesButMovesPastThem) {
  record::batch_builder marker(compression::codec::none, 7);
  marker.set_transactional(true);
  marker.set_control(true);
  marker.set_producer(1, 0, -1);
  marker.add(1, as_bytes(std::string("\0\0\0\1", 4)), as_bytes(std::string("\0\0\0\0\0\0", 6)));
  bytes blob = marker.build();
  auto d = decode_fetched_records(blob, 7);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->records.empty());
  EXPECT_EQ(d->next_offset, 8);
}

TEST(RequestBuildersTest, CorruptBatchIsAnError) {
  bytes blob = batch_at(0, 3);
  blob.back() ^= 0x5a;  // inside the CRC-covered records
  EXPECT_FALSE(decode_fetched_records(blob, 0));
}

} // namespace
} // namespace gregor::client
