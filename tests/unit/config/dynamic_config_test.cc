#include "gregor/config/dynamic_config.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace gregor::config {
namespace {

using test::base;

const described_config& find(const std::vector<described_config>& v, const std::string& name) {
  for (const auto& c : v) {
    if (c.name == name) return c;
  }
  static described_config missing;
  ADD_FAILURE() << "no entry " << name;
  return missing;
}

std::string synonyms_text(const described_config& c) {
  std::string out;
  for (const auto& s : c.synonyms) {
    out += (out.empty() ? "" : ", ") + std::string(source_name(s.source)) + ":" + s.name + "=" + s.value.value_or("null");
  }
  return out;
}

TEST(dynamic_config, topic_sources_follow_kafka) {
  auto b = broker_config::from_map(base({{"log.segment.bytes", "536870912"}, {"log.retention.hours", "100"}}));
  dynamic_layers dyn;
  dyn.cluster_default = {{"message.max.bytes", "2000000"}};
  auto d = describe_topic(b, dyn, {{"retention.ms", "1000"}});

  const auto& retention = find(d, "retention.ms");
  EXPECT_EQ(retention.value, "1000");
  EXPECT_EQ(retention.source, config_source::dynamic_topic);
  // log.retention.hours comes after the primary synonym log.retention.ms: Kafka drops it.
  EXPECT_EQ(synonyms_text(retention), "DYNAMIC_TOPIC_CONFIG:retention.ms=1000");

  const auto& segment = find(d, "segment.bytes");
  EXPECT_EQ(segment.value, "536870912");
  EXPECT_EQ(segment.source, config_source::static_broker);
  EXPECT_EQ(synonyms_text(segment), "STATIC_BROKER_CONFIG:log.segment.bytes=536870912, "
                                    "DEFAULT_CONFIG:log.segment.bytes=1073741824");

  const auto& max_message = find(d, "max.message.bytes");
  EXPECT_EQ(max_message.value, "2000000");
  EXPECT_EQ(max_message.source, config_source::dynamic_default_broker);
  EXPECT_EQ(synonyms_text(max_message), "DYNAMIC_DEFAULT_BROKER_CONFIG:message.max.bytes=2000000, "
                                        "DEFAULT_CONFIG:message.max.bytes=1048588");

  const auto& cleanup = find(d, "cleanup.policy");
  EXPECT_EQ(cleanup.source, config_source::default_config);
  EXPECT_EQ(cleanup.value, "delete");
  EXPECT_FALSE(cleanup.read_only);
}

TEST(dynamic_config, per_broker_layer_beats_cluster_default_and_trios_resolve) {
  auto b = broker_config::from_map(base());
  dynamic_layers dyn;
  dyn.cluster_default = {{"log.retention.ms", "5000"}, {"log.segment.bytes", "100000"}};
  dyn.per_broker = {{"log.segment.bytes", "200000"}};
  auto eff = apply_dynamic(b, dyn);
  EXPECT_EQ(eff.log_retention_ms(), 5000);
  EXPECT_EQ(eff.log_segment_bytes(), 200000);
  auto values = effective_topic_values(eff, {{"segment.bytes", "+300000"}});
  EXPECT_EQ(values["retention.ms"], "5000");
  EXPECT_EQ(values["segment.bytes"], "300000");  // canonical text

  auto d = describe_topic(b, dyn, {});
  EXPECT_EQ(find(d, "segment.bytes").source, config_source::dynamic_broker);
  EXPECT_EQ(find(d, "retention.ms").source, config_source::dynamic_default_broker);
}

TEST(dynamic_config, apply_dynamic_skips_bad_layer_values) {
  auto b = broker_config::from_map(base({{"log.segment.bytes", "536870912"}}));
  dynamic_layers dyn;
  dyn.cluster_default = {{"log.segment.bytes", "abc"}, {"broker.id", "7"}, {"no.such.key", "1"}};
  std::vector<std::string> skipped;
  auto eff = apply_dynamic(b, dyn, &skipped);
  EXPECT_EQ(eff.log_segment_bytes(), 536870912);
  EXPECT_EQ(skipped.size(), 3u);
}

TEST(dynamic_config, broker_describe) {
  auto b = broker_config::from_map(base({{"log.segment.bytes", "536870912"}}));
  dynamic_layers dyn;
  dyn.cluster_default = {{"log.cleaner.threads", "2"}};
  dyn.per_broker = {{"log.segment.bytes", "300000"}};
  auto own = describe_broker(b, dyn, true);
  const auto& seg = find(own, "log.segment.bytes");
  EXPECT_EQ(seg.value, "300000");
  EXPECT_EQ(seg.source, config_source::dynamic_broker);
  EXPECT_FALSE(seg.read_only);
  EXPECT_EQ(synonyms_text(seg), "DYNAMIC_BROKER_CONFIG:log.segment.bytes=300000, "
                                "STATIC_BROKER_CONFIG:log.segment.bytes=536870912, "
                                "DEFAULT_CONFIG:log.segment.bytes=1073741824");
  EXPECT_TRUE(find(own, "broker.id").read_only);
  EXPECT_EQ(find(own, "log.cleaner.threads").source, config_source::dynamic_default_broker);

  auto cluster = describe_broker(b, dyn, false);
  ASSERT_EQ(cluster.size(), 1u);
  EXPECT_EQ(cluster[0].name, "log.cleaner.threads");
  EXPECT_EQ(cluster[0].source, config_source::dynamic_default_broker);
  EXPECT_EQ(synonyms_text(cluster[0]), "DYNAMIC_DEFAULT_BROKER_CONFIG:log.cleaner.threads=2");
}

TEST(dynamic_config, topic_validation_messages) {
  auto e = validate_topic_overrides("t", {{"no.such", "1"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, alter_error::kind::invalid_config);
  EXPECT_EQ(e->message, "Unknown topic config name: no.such");
  e = validate_topic_overrides("t", {{"retention.ms", "abc"}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, alter_error::kind::invalid_request);
  EXPECT_EQ(e->message, "Invalid config value for resource ConfigResource(type=TOPIC, name='t'): Invalid value abc "
                        "for configuration retention.ms: Not a number of type LONG");
  EXPECT_FALSE(validate_topic_overrides("t", {{"retention.ms", "1000"}, {"cleanup.policy", "compact,delete"}}));
  EXPECT_TRUE(validate_topic_overrides("t", {{"min.compaction.lag.ms", "10"}, {"max.compaction.lag.ms", "5"}}));
}

TEST(dynamic_config, broker_validation_messages) {
  auto e = validate_broker_dynamic("0", {{"broker.id", "3"}, {"log.dirs", "/x"}, {"log.segment.bytes", "1000"}}, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, alter_error::kind::invalid_request);
  EXPECT_EQ(e->message, "Invalid config value for resource ConfigResource(type=BROKER, name='0'): Cannot update these "
                        "configs dynamically: Set(broker.id, log.dirs)");
  e = validate_broker_dynamic("", {{"listeners", "PLAINTEXT://:9093"}}, false);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("Cannot update these configs at default cluster level, broker id must be specified: "
                            "Set(listeners)"), std::string::npos);
  e = validate_broker_dynamic("", {{"log.segment.bytes", "x"}}, false);
  ASSERT_TRUE(e);
  EXPECT_NE(e->message.find("Invalid value x for configuration log.segment.bytes"), std::string::npos);
  EXPECT_FALSE(validate_broker_dynamic("", {{"log.retention.ms", "60000"}, {"message.max.bytes", "5000"}}, false));

  broker_target t;
  EXPECT_FALSE(parse_broker_resource("", 0, t));
  EXPECT_FALSE(t.id);
  EXPECT_FALSE(parse_broker_resource("0", 0, t));
  EXPECT_EQ(t.id, 0);
  ASSERT_TRUE(parse_broker_resource("2", 0, t));
  EXPECT_EQ(parse_broker_resource("2", 0, t)->message, "Unexpected broker id, expected 0, but received 2");
  EXPECT_EQ(parse_broker_resource("x", 0, t)->message, "Broker id must be an integer, but it is: x");
}

TEST(dynamic_config, incremental_operations) {
  std::map<std::string, std::string> cur = {{"retention.ms", "1000"}};
  std::vector<config_op> ops = {{"segment.bytes", 0, "100000"},
                                {"retention.ms", 1, std::nullopt},
                                {"cleanup.policy", 2, "compact"}};
  ASSERT_FALSE(apply_incremental(cur, ops, true));
  EXPECT_EQ(cur, (std::map<std::string, std::string>{{"segment.bytes", "100000"}, {"cleanup.policy", "delete,compact"}}));

  ASSERT_FALSE(apply_incremental(cur, {{"cleanup.policy", 3, "delete"}}, true));
  EXPECT_EQ(cur["cleanup.policy"], "compact");

  auto e = apply_incremental(cur, {{"segment.bytes", 2, "5"}}, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Config value append is not allowed for config key: segment.bytes");
  e = apply_incremental(cur, {{"a", 0, "1"}, {"a", 1, std::nullopt}}, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Error due to duplicate config keys : a");
  e = apply_incremental(cur, {{"a", 0, std::nullopt}}, true);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message, "Null value not supported for : SET:a");
}

} // namespace
} // namespace gregor::config
