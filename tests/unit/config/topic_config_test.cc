#include "gregor/config/topic_config.h"

#include <gtest/gtest.h>

#include "gregor/config/broker_config.h"
#include "gregor/config/config_def.h"
#include "test_util.h"

namespace gregor::config {
namespace {

using test::base;

TEST(topic_config, every_reference_topic_key_known) {
  for (const char* k :
       {"cleanup.policy", "retention.ms", "retention.bytes", "segment.bytes", "segment.ms", "segment.jitter.ms",
        "segment.index.bytes", "index.interval.bytes", "max.message.bytes", "min.insync.replicas",
        "unclean.leader.election.enable", "compression.type", "message.timestamp.type",
        "message.timestamp.difference.max.ms", "message.format.version", "message.downconversion.enable",
        "flush.messages", "flush.ms", "delete.retention.ms", "min.cleanable.dirty.ratio", "min.compaction.lag.ms",
        "max.compaction.lag.ms", "file.delete.delay.ms", "preallocate", "leader.replication.throttled.replicas",
        "follower.replication.throttled.replicas"}) {
    EXPECT_NE(find_topic_config(k), nullptr) << k;
  }
}

TEST(topic_config, key_errors) {
  EXPECT_EQ(topic_key_error("retention.ms", "1000"), std::nullopt);
  EXPECT_EQ(topic_key_error("retention.ms", "-1"), std::nullopt);
  EXPECT_EQ(topic_key_error("retention.ms", "-2"),
            "Invalid value -2 for configuration retention.ms: Value must be at least -1");
  EXPECT_EQ(topic_key_error("segment.bytes", "abc"),
            "Invalid value abc for configuration segment.bytes: Not a number of type INT");
  EXPECT_EQ(topic_key_error("foo", "1"), "Unknown topic config name: foo");
  EXPECT_EQ(topic_key_error("log.retention.ms", "1"), "Unknown topic config name: log.retention.ms");
  EXPECT_EQ(topic_key_error("cleanup.policy", "compact,delete"), std::nullopt);
  EXPECT_NE(topic_key_error("cleanup.policy", "shred"), std::nullopt);
  EXPECT_EQ(topic_key_error("min.cleanable.dirty.ratio", "0.1"), std::nullopt);
  EXPECT_NE(topic_key_error("min.cleanable.dirty.ratio", "2"), std::nullopt);
  EXPECT_EQ(topic_key_error("leader.replication.throttled.replicas", "*"), std::nullopt);
  EXPECT_EQ(topic_key_error("leader.replication.throttled.replicas", "0:1,1:2"), std::nullopt);
  EXPECT_EQ(topic_key_error("leader.replication.throttled.replicas", ""), std::nullopt);
  EXPECT_NE(topic_key_error("leader.replication.throttled.replicas", "0-1"), std::nullopt);
  EXPECT_NE(topic_key_error("preallocate", "yes"), std::nullopt);
}

TEST(topic_config, synonyms) {
  EXPECT_EQ(topic_synonyms("retention.ms"),
            (std::vector<std::string>{"log.retention.ms", "log.retention.minutes", "log.retention.hours"}));
  EXPECT_EQ(topic_synonyms("max.message.bytes"), (std::vector<std::string>{"message.max.bytes"}));
  EXPECT_TRUE(topic_synonyms("leader.replication.throttled.replicas").empty());
  EXPECT_TRUE(topic_synonyms("nope").empty());
  // Every synonym named is a real broker key.
  for (const config_def& d : topic_config_defs()) {
    for (const std::string& s : topic_synonyms(d.name)) EXPECT_NE(find_broker_config(s), nullptr) << s;
  }
}

TEST(topic_config, defaults_from_default_broker_equal_kafka_topic_defaults) {
  auto c = broker_config::from_map(base());
  auto m = topic_defaults_from(c);
  EXPECT_EQ(m.size(), topic_config_defs().size());
  for (const config_def& d : topic_config_defs()) {
    ASSERT_TRUE(m.count(std::string(d.name))) << d.name;
    EXPECT_EQ(m[std::string(d.name)], std::string(d.default_value.value_or(""))) << d.name;
  }
  for (const topic_default& t : describe_topic_defaults(c)) EXPECT_EQ(t.source, "DEFAULT_CONFIG") << t.name;
}

TEST(topic_config, defaults_follow_broker_settings) {
  auto c = broker_config::from_map(base({{"log.retention.hours", "1"}, {"log.segment.bytes", "1073741824"},
                                         {"log.roll.hours", "2"}, {"message.max.bytes", "2000000"},
                                         {"log.cleanup.policy", "compact"}}));
  auto m = topic_defaults_from(c);
  EXPECT_EQ(m["retention.ms"], "3600000");
  EXPECT_EQ(m["segment.ms"], "7200000");
  EXPECT_EQ(m["max.message.bytes"], "2000000");
  EXPECT_EQ(m["cleanup.policy"], "compact");
  for (const topic_default& t : describe_topic_defaults(c)) {
    if (t.name == "retention.ms") {
      EXPECT_EQ(t.source, "STATIC_BROKER_CONFIG");
      EXPECT_EQ(t.synonym, "log.retention.hours");
    } else if (t.name == "segment.bytes") {
      EXPECT_EQ(t.source, "STATIC_BROKER_CONFIG");  // set explicitly, even though equal to the default
    } else if (t.name == "min.insync.replicas") {
      EXPECT_EQ(t.source, "DEFAULT_CONFIG");
      EXPECT_EQ(t.synonym, "min.insync.replicas");
    }
  }
}

}  // namespace
}  // namespace gregor::config
