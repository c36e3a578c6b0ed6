// Codecs and paths of Kafka's znodes, checked against the examples of ZOOKEEPER-LAYOUT.md §2.

#include "gregor/zk/znodes.h"

#include <gtest/gtest.h>

namespace gregor::zk {
namespace {

// §2.1 example, whitespace removed.
constexpr std::string_view kafka_broker_json =
    R"({"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},)"
    R"("endpoints":["PLAINTEXT://kafka1.example:9092","SSL://kafka1.example:9093"],)"
    R"("rack":"az1","jmx_port":9999,"port":9092,"host":"kafka1.example","version":5,"timestamp":"1700000000000"})";

broker_registration example_broker() {
  broker_registration r;
  r.id = 1;
  r.endpoints = {{"PLAINTEXT", "kafka1.example", 9092, "PLAINTEXT"}, {"SSL", "kafka1.example", 9093, "SSL"}};
  r.rack = "az1";
  r.jmx_port = 9999;
  r.timestamp_ms = 1'700'000'000'000;
  return r;
}

TEST(znode_paths, layout) {
  EXPECT_EQ(paths::broker(7), "/brokers/ids/7");
  EXPECT_EQ(paths::topic("orders"), "/brokers/topics/orders");
  EXPECT_EQ(paths::partition_state("orders", 3), "/brokers/topics/orders/partitions/3/state");
  EXPECT_EQ(paths::delete_topic("orders"), "/admin/delete_topics/orders");
  EXPECT_EQ(paths::topic_config("orders"), "/config/topics/orders");
  EXPECT_EQ(paths::broker_config("<default>"), "/config/brokers/<default>");
  EXPECT_EQ(paths::entity_config("users", "alice/clients/app1"), "/config/users/alice/clients/app1");
  EXPECT_EQ(paths::consumer_offset("g", "orders", 2), "/consumers/g/offsets/orders/2");
  EXPECT_EQ(paths::config_change_prefix(), "/config/changes/config_change_");
  auto base = paths::base_paths();
  ASSERT_EQ(base.size(), 14u);
  EXPECT_EQ(base.front(), "/consumers");
  EXPECT_EQ(base.back(), "/log_dir_event_notification");
}

TEST(znode_paths, sequence_numbers) {
  EXPECT_EQ(paths::sequence_of("config_change_0000000042", "config_change_"), 42);
  EXPECT_EQ(paths::sequence_of("config_change_0000000042", paths::config_change_prefix()), 42);
  EXPECT_EQ(paths::sequence_of("isr_change_0000000001", "config_change_"), std::nullopt);
  EXPECT_EQ(paths::sequence_of("config_change_42", "config_change_"), std::nullopt);
  EXPECT_EQ(paths::sequence_of("config_change_00000000x2", "config_change_"), std::nullopt);
}

TEST(broker_registration_codec, encodes_kafka_example_byte_exact) {
  EXPECT_EQ(encode_broker_registration(example_broker()), kafka_broker_json);
}

TEST(broker_registration_codec, decodes_kafka_example_and_round_trips) {
  auto d = decode_broker_registration(1, kafka_broker_json);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, example_broker());
  auto r = example_broker();
  r.features = {{"metadata.version", {1, 19}}};
  r.rack.reset();
  auto again = decode_broker_registration(1, encode_broker_registration(r));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, r);
}

TEST(broker_registration_codec, no_plaintext_listener_gives_null_host) {
  broker_registration r;
  r.id = 2;
  r.endpoints = {{"INTERNAL", "10.0.0.1", 9094, "SASL_SSL"}};
  r.timestamp_ms = 5;
  auto json = encode_broker_registration(r);
  EXPECT_NE(json.find(R"("port":-1,"host":null)"), std::string::npos) << json;
  auto d = decode_broker_registration(2, json);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->endpoints, r.endpoints);
}

TEST(broker_registration_codec, ipv6_hosts_are_bracketed) {
  broker_registration r;
  r.id = 3;
  r.endpoints = {{"PLAINTEXT", "::1", 9092, "PLAINTEXT"}};
  auto json = encode_broker_registration(r);
  EXPECT_NE(json.find(R"("PLAINTEXT://[::1]:9092")"), std::string::npos) << json;
  auto d = decode_broker_registration(3, json);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->endpoints[0].host, "::1");
}

TEST(broker_registration_codec, decodes_older_versions) {
  auto v1 = decode_broker_registration(4, R"({"jmx_port":-1,"timestamp":"1","host":"h","version":1,"port":9092})");
  ASSERT_TRUE(v1);
  ASSERT_EQ(v1->endpoints.size(), 1u);
  EXPECT_EQ(v1->endpoints[0], (endpoint{"PLAINTEXT", "h", 9092, "PLAINTEXT"}));
  EXPECT_EQ(v1->timestamp_ms, 1);

  auto v2 = decode_broker_registration(
      4, R"({"version":2,"host":"h","port":9092,"jmx_port":-1,"timestamp":"2","endpoints":["PLAINTEXT://h:9092","SSL://h:9093"]})");
  ASSERT_TRUE(v2);
  ASSERT_EQ(v2->endpoints.size(), 2u);
  EXPECT_EQ(v2->endpoints[1], (endpoint{"SSL", "h", 9093, "SSL"}));

  auto v4 = decode_broker_registration(
      4, R"({"listener_security_protocol_map":{"CLIENT":"SASL_SSL","REPL":"PLAINTEXT"},"endpoints":["CLIENT://c:9092","REPL://r:9093"],"rack":"r1","jmx_port":1,"host":"r","timestamp":"3","port":9093,"version":4,"unknown":{"x":1}})");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->endpoints[0], (endpoint{"CLIENT", "c", 9092, "SASL_SSL"}));
  EXPECT_EQ(v4->endpoints[1], (endpoint{"REPL", "r", 9093, "PLAINTEXT"}));
  EXPECT_EQ(v4->rack, "r1");
}

TEST(broker_registration_codec, rejects_malformed) {
  EXPECT_FALSE(decode_broker_registration(1, ""));
  EXPECT_FALSE(decode_broker_registration(1, "not json"));
  EXPECT_FALSE(decode_broker_registration(1, "[1,2]"));
  EXPECT_FALSE(decode_broker_registration(1, R"({"version":5,"endpoints":"PLAINTEXT://h:1"})"));
  EXPECT_FALSE(decode_broker_registration(1, R"({"version":5,"endpoints":["garbage"]})"));
  EXPECT_FALSE(decode_broker_registration(1, R"({"version":5,"endpoints":["X://h:99999999999"]})"));
  EXPECT_FALSE(decode_broker_registration(1, R"({"version":"5","endpoints":[]})"));
  // A listener missing from the protocol map cannot be used.
  EXPECT_FALSE(decode_broker_registration(
      1, R"({"version":4,"listener_security_protocol_map":{},"endpoints":["PLAINTEXT://h:1"]})"));
}

TEST(topic_assignment_codec, kafka_example_v3) {
  constexpr std::string_view json =
      R"({"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1],"2":[3,1,2]},"adding_replicas":{},"removing_replicas":{},"topic_id":"Qm9vdHN0cmFwVG9waWNJZA"})";
  auto a = decode_topic_assignment(json);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->partitions.size(), 3u);
  EXPECT_EQ(a->partitions.at(1), (std::vector<int32_t>{2, 3, 1}));
  ASSERT_TRUE(a->topic_id);
  EXPECT_EQ(a->topic_id->to_base64url(), "Qm9vdHN0cmFwVG9waWNJZA");
  EXPECT_EQ(encode_topic_assignment(*a), json);
}

TEST(topic_assignment_codec, older_versions_and_reassignment) {
  auto v1 = decode_topic_assignment(R"({"version":1,"partitions":{"0":[1,2,3],"1":[2,3,1]}})");
  ASSERT_TRUE(v1);
  EXPECT_TRUE(v1->adding_replicas.empty());
  EXPECT_FALSE(v1->topic_id);
  EXPECT_EQ(encode_topic_assignment(*v1),
            R"({"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1]},"adding_replicas":{},"removing_replicas":{}})");

  auto v2 = decode_topic_assignment(
      R"({"removing_replicas":{"0":[1]},"adding_replicas":{"0":[4]},"partitions":{"0":[4,2,3,1]},"version":2})");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->adding_replicas.at(0), (std::vector<int32_t>{4}));
  EXPECT_EQ(v2->removing_replicas.at(0), (std::vector<int32_t>{1}));
  EXPECT_EQ(decode_topic_assignment(encode_topic_assignment(*v2)), v2);

  EXPECT_FALSE(decode_topic_assignment(R"({"version":1,"partitions":{"x":[1]}})"));
  EXPECT_FALSE(decode_topic_assignment(R"({"version":1,"partitions":{"0":["1"]}})"));
  EXPECT_FALSE(decode_topic_assignment(R"({"version":3,"partitions":{},"topic_id":"short"})"));
  EXPECT_FALSE(decode_topic_assignment(R"({"version":1})"));
}

TEST(partition_state_codec, kafka_example) {
  constexpr std::string_view json = R"({"controller_epoch":7,"leader":1,"version":1,"leader_epoch":12,"isr":[1,3,2]})";
  auto s = decode_partition_state(json);
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, (partition_state{7, 1, 12, {1, 3, 2}, 0}));
  EXPECT_EQ(encode_partition_state(*s), json);

  partition_state recovering{3, 2, 4, {2}, 1};
  auto enc = encode_partition_state(recovering);
  EXPECT_EQ(enc, R"({"controller_epoch":3,"leader":2,"version":1,"leader_epoch":4,"isr":[2],"leader_recovery_state":1})");
  EXPECT_EQ(decode_partition_state(enc), recovering);
  EXPECT_FALSE(decode_partition_state(R"({"controller_epoch":7,"leader":1,"version":1,"isr":[1]})"));
}

TEST(controller_codec, versions_and_epoch) {
  EXPECT_EQ(encode_controller({2, 1'700'000'000'000, std::nullopt}),
            R"({"version":1,"brokerid":2,"timestamp":"1700000000000"})");
  auto v1 = decode_controller(R"({"version":1,"brokerid":2,"timestamp":"1700000000000"})");
  ASSERT_TRUE(v1);
  EXPECT_EQ(*v1, (controller_info{2, 1'700'000'000'000, std::nullopt}));
  auto v2 = decode_controller(R"({"version":2,"brokerid":2,"timestamp":"1700000000000","kraftControllerEpoch":-1})");
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->kraft_controller_epoch, -1);
  EXPECT_FALSE(decode_controller(R"({"version":1,"timestamp":"1"})"));

  EXPECT_EQ(encode_controller_epoch(7), "7");
  EXPECT_EQ(decode_controller_epoch("7"), 7);
  EXPECT_EQ(decode_controller_epoch("0"), 0);
  EXPECT_EQ(decode_controller_epoch("12\n"), 12);
  EXPECT_FALSE(decode_controller_epoch(""));
  EXPECT_FALSE(decode_controller_epoch("7a"));
  EXPECT_FALSE(decode_controller_epoch("99999999999"));
}

TEST(cluster_id_codec, version_is_a_string) {
  EXPECT_EQ(encode_cluster_id("Qm9vdHN0cmFwVG9waWNJZA"), R"({"version":"1","id":"Qm9vdHN0cmFwVG9waWNJZA"})");
  EXPECT_EQ(decode_cluster_id(R"({"id":"abc","version":"1"})"), "abc");
  EXPECT_FALSE(decode_cluster_id(R"({"version":"1"})"));
}

TEST(entity_config_codec, kafka_example) {
  constexpr std::string_view json = R"({"version":1,"config":{"retention.ms":"86400000","cleanup.policy":"compact"}})";
  auto c = decode_entity_config(json);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->at("retention.ms"), "86400000");
  EXPECT_EQ(c->at("cleanup.policy"), "compact");
  EXPECT_EQ(decode_entity_config(encode_entity_config(*c)), c);
  EXPECT_EQ(encode_entity_config({}), R"({"version":1,"config":{}})");
  EXPECT_FALSE(decode_entity_config(R"({"version":1,"config":[]})"));
}

TEST(config_change_codec, v1_and_v2) {
  EXPECT_EQ(encode_config_change("topics/orders"), R"({"version":2,"entity_path":"topics/orders"})");
  EXPECT_EQ(decode_config_change(R"({"version":2,"entity_path":"users/alice/clients/app1"})"), "users/alice/clients/app1");
  EXPECT_EQ(decode_config_change(R"({"version":1,"entity_type":"topics","entity_name":"orders"})"), "topics/orders");
  EXPECT_FALSE(decode_config_change(R"({"version":1,"entity_type":"topics"})"));
}

TEST(partition_list_codecs, isr_change_preferred_election_reassignment) {
  constexpr std::string_view isr = R"({"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"audit","partition":3}]})";
  auto parts = decode_isr_change_notification(isr);
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (std::vector<topic_partition>{{"orders", 0}, {"audit", 3}}));
  EXPECT_EQ(encode_isr_change_notification(*parts), isr);

  auto pref = decode_preferred_replica_election(
      R"({"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"orders","partition":1}]})");
  ASSERT_TRUE(pref);
  EXPECT_EQ(pref->size(), 2u);

  auto re = decode_reassignment(
      R"({"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[4,5,6],"log_dirs":["any","any","any"]}]})");
  ASSERT_TRUE(re);
  EXPECT_EQ(re->at(topic_partition{"orders", 0}), (std::vector<int32_t>{4, 5, 6}));
  EXPECT_FALSE(decode_reassignment(R"({"version":1,"partitions":[{"topic":"orders","partition":0}]})"));
}

TEST(misc_codecs, log_dir_event_producer_ids_feature) {
  EXPECT_EQ(encode_log_dir_event(3), R"({"version":1,"broker":3,"event":1})");
  EXPECT_EQ(decode_log_dir_event(R"({"version":1,"broker":3,"event":1})"), 3);

  constexpr std::string_view block = R"({"version":1,"broker":0,"block_start":"0","block_end":"999"})";
  auto b = decode_producer_id_block(block);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (producer_id_block{0, 0, 999}));
  EXPECT_EQ(encode_producer_id_block(*b), block);

  feature_znode f{1, {{"metadata.version", 7}}};
  EXPECT_EQ(encode_feature_znode(f), R"({"version":2,"status":1,"features":{"metadata.version":{"max_version_level":7}}})");
  EXPECT_EQ(decode_feature_znode(encode_feature_znode(f)), f);
  auto v1 = decode_feature_znode(R"({"version":1,"status":1,"features":{"f":{"min_version_level":1,"max_version_level":2}}})");
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->max_version_levels.at("f"), 2);
}

TEST(codecs, never_throw_on_garbage) {
  const std::string_view inputs[] = {"", "{", "}", "null", "{\"version\":", "\xff\xfe", "{\"partitions\":null}",
                                     "{\"a\":1e999}", "[]", "{\"version\":1,\"config\":{\"a\":{\"b\":[1]}}}"};
  for (auto in : inputs) {
    EXPECT_NO_THROW({
      (void)decode_broker_registration(1, in);
      (void)decode_topic_assignment(in);
      (void)decode_partition_state(in);
      (void)decode_controller(in);
      (void)decode_controller_epoch(in);
      (void)decode_cluster_id(in);
      (void)decode_entity_config(in);
      (void)decode_config_change(in);
      (void)decode_isr_change_notification(in);
      (void)decode_reassignment(in);
      (void)decode_log_dir_event(in);
      (void)decode_producer_id_block(in);
      (void)decode_feature_znode(in);
    }) << in;
  }
}

} // namespace
} // namespace gregor::zk
