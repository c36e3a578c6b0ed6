#include <gtest/gtest.h>

#include <set>

#include "gregor/config/config_def.h"

namespace gregor::config {
namespace {

TEST(registry, names_are_unique_and_sorted) {
  std::set<std::string_view> seen;
  std::string_view prev;
  for (const config_def& d : broker_config_defs()) {
    EXPECT_TRUE(seen.insert(d.name).second) << d.name;
    EXPECT_LT(prev, d.name);
    prev = d.name;
  }
  EXPECT_GT(seen.size(), 200u);
}

TEST(registry, every_default_passes_its_own_validator) {
  for (const config_def& d : broker_config_defs()) {
    if (d.default_value) {
      EXPECT_EQ(check_value(d, *d.default_value), std::nullopt) << d.name;
    }
  }
  for (const config_def& d : topic_config_defs()) {
    if (d.default_value) {
      EXPECT_EQ(check_value(d, *d.default_value), std::nullopt) << d.name;
    }
  }
}

// Every key of SERVER-PROPERTIES.md §2 is present.
TEST(registry, reference_keys_present) {
  for (const char* k : {
           "broker.id", "broker.id.generation.enable", "reserved.broker.max.id", "broker.rack", "zookeeper.connect",
           "zookeeper.session.timeout.ms", "zookeeper.connection.timeout.ms", "zookeeper.max.in.flight.requests",
           "zookeeper.set.acl", "listeners", "advertised.listeners", "listener.security.protocol.map",
           "inter.broker.listener.name", "security.inter.broker.protocol", "control.plane.listener.name",
           "inter.broker.protocol.version", "log.message.format.version", "port", "host.name", "advertised.host.name",
           "advertised.port", "num.network.threads", "num.io.threads", "background.threads", "queued.max.requests",
           "socket.send.buffer.bytes", "socket.receive.buffer.bytes", "socket.request.max.bytes",
           "socket.listen.backlog.size", "max.connections.per.ip", "max.connections", "connections.max.idle.ms",
           "message.max.bytes", "replica.fetch.max.bytes", "fetch.max.bytes", "log.dirs", "log.dir",
           "num.recovery.threads.per.data.dir", "num.partitions", "log.segment.bytes", "log.roll.hours", "log.roll.ms",
           "log.roll.jitter.hours", "log.roll.jitter.ms", "log.retention.hours", "log.retention.minutes",
           "log.retention.ms", "log.retention.bytes", "log.retention.check.interval.ms", "log.cleanup.policy",
           "log.segment.delete.delay.ms", "log.index.size.max.bytes", "log.index.interval.bytes",
           "log.flush.interval.messages", "log.flush.interval.ms", "log.flush.scheduler.interval.ms",
           "log.flush.offset.checkpoint.interval.ms", "log.flush.start.offset.checkpoint.interval.ms",
           "log.preallocate", "log.message.timestamp.type", "log.message.timestamp.difference.max.ms",
           "log.cleaner.enable", "log.cleaner.threads", "log.cleaner.dedupe.buffer.size", "log.cleaner.io.buffer.size",
           "log.cleaner.io.buffer.load.factor", "log.cleaner.io.max.bytes.per.second", "log.cleaner.backoff.ms",
           "log.cleaner.min.cleanable.ratio", "log.cleaner.delete.retention.ms", "log.cleaner.min.compaction.lag.ms",
           "log.cleaner.max.compaction.lag.ms", "replica.high.watermark.checkpoint.interval.ms", "compression.type",
           "auto.create.topics.enable", "default.replication.factor", "delete.topic.enable", "min.insync.replicas",
           "unclean.leader.election.enable", "replica.lag.time.max.ms", "num.replica.fetchers",
           "replica.fetch.wait.max.ms", "replica.fetch.min.bytes", "replica.fetch.backoff.ms",
           "replica.socket.timeout.ms", "replica.socket.receive.buffer.bytes", "controller.socket.timeout.ms",
           "auto.leader.rebalance.enable", "leader.imbalance.per.broker.percentage",
           "leader.imbalance.check.interval.seconds", "controlled.shutdown.enable", "controlled.shutdown.max.retries",
           "controlled.shutdown.retry.backoff.ms", "offsets.topic.replication.factor", "offsets.topic.num.partitions",
           "offsets.topic.segment.bytes", "offsets.topic.compression.codec", "offsets.retention.minutes",
           "offsets.retention.check.interval.ms", "offsets.commit.timeout.ms", "offsets.commit.required.acks",
           "offset.metadata.max.bytes", "offsets.load.buffer.size", "group.initial.rebalance.delay.ms",
           "group.min.session.timeout.ms", "group.max.session.timeout.ms", "group.max.size",
           "transaction.state.log.replication.factor", "transaction.state.log.min.isr",
           "transaction.state.log.num.partitions", "transaction.state.log.segment.bytes", "transaction.max.timeout.ms",
           "transactional.id.expiration.ms",
           // a sample of the rest
           "ssl.keystore.location", "ssl.keystore.password", "sasl.enabled.mechanisms", "sasl.jaas.config",
           "quota.window.num", "metric.reporters", "authorizer.class.name", "principal.builder.class"}) {
    EXPECT_NE(find_broker_config(k), nullptr) << k;
  }
  EXPECT_EQ(find_broker_config("foo.bar"), nullptr);
}

TEST(registry, kafka_defaults_sample) {
  auto dflt = [](const char* k) { return std::string(find_broker_config(k)->default_value.value_or("<null>")); };
  EXPECT_EQ(dflt("broker.id"), "-1");
  EXPECT_EQ(dflt("num.network.threads"), "3");
  EXPECT_EQ(dflt("num.io.threads"), "8");
  EXPECT_EQ(dflt("message.max.bytes"), "1048588");
  EXPECT_EQ(dflt("socket.request.max.bytes"), "104857600");
  EXPECT_EQ(dflt("log.segment.bytes"), "1073741824");
  EXPECT_EQ(dflt("log.retention.hours"), "168");
  EXPECT_EQ(dflt("log.retention.ms"), "<null>");
  EXPECT_EQ(dflt("log.flush.interval.messages"), "9223372036854775807");
  EXPECT_EQ(dflt("offsets.topic.replication.factor"), "3");
  EXPECT_EQ(dflt("offsets.retention.minutes"), "10080");
  EXPECT_EQ(dflt("group.initial.rebalance.delay.ms"), "3000");
  EXPECT_EQ(dflt("group.max.session.timeout.ms"), "1800000");
  EXPECT_EQ(dflt("transaction.state.log.min.isr"), "2");
  EXPECT_EQ(dflt("zookeeper.session.timeout.ms"), "18000");
  EXPECT_EQ(dflt("replica.lag.time.max.ms"), "30000");
  EXPECT_EQ(dflt("fetch.max.bytes"), "57671680");
  EXPECT_EQ(dflt("listeners"), "PLAINTEXT://:9092");
  EXPECT_EQ(dflt("log.cleaner.min.cleanable.ratio"), "0.5");
  EXPECT_EQ(dflt("compression.type"), "producer");
  EXPECT_EQ(find_broker_config("offsets.topic.replication.factor")->type, config_type::short_int);
  EXPECT_EQ(find_broker_config("ssl.keystore.password")->type, config_type::password);
}

TEST(registry, check_value_messages) {
  const config_def& io = *find_broker_config("num.io.threads");
  EXPECT_EQ(check_value(io, "abc"), "Invalid value abc for configuration num.io.threads: Not a number of type INT");
  EXPECT_EQ(check_value(io, "0"), "Invalid value 0 for configuration num.io.threads: Value must be at least 1");
  EXPECT_EQ(check_value(io, "2147483648"),
            "Invalid value 2147483648 for configuration num.io.threads: Not a number of type INT");
  EXPECT_EQ(check_value(io, " 4 "), std::nullopt);
  EXPECT_EQ(check_value(io, "+4"), std::nullopt);
  EXPECT_NE(check_value(io, "4.0"), std::nullopt);
  EXPECT_NE(check_value(io, ""), std::nullopt);

  const config_def& flag = *find_broker_config("delete.topic.enable");
  EXPECT_EQ(check_value(flag, "TRUE"), std::nullopt);
  EXPECT_EQ(check_value(flag, "yes"),
            "Invalid value yes for configuration delete.topic.enable: Expected value to be either true or false");

  const config_def& ratio = *find_broker_config("log.cleaner.min.cleanable.ratio");
  EXPECT_EQ(check_value(ratio, "1.5"),
            "Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1");
  EXPECT_EQ(check_value(ratio, "x"),
            "Invalid value x for configuration log.cleaner.min.cleanable.ratio: Not a number of type DOUBLE");

  const config_def& ct = *find_broker_config("compression.type");
  EXPECT_EQ(check_value(ct, "brotli"),
            "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, "
            "snappy, gzip, producer");
  const config_def& cp = *find_broker_config("log.cleanup.policy");
  EXPECT_EQ(check_value(cp, "compact, delete"), std::nullopt);
  EXPECT_NE(check_value(cp, "compact,purge"), std::nullopt);

  const config_def& rf = *find_broker_config("offsets.topic.replication.factor");
  EXPECT_EQ(check_value(rf, "40000"),
            "Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT");
  const config_def& lng = *find_broker_config("log.retention.bytes");
  EXPECT_EQ(check_value(lng, "-9223372036854775808"), std::nullopt);
  EXPECT_NE(check_value(lng, "9223372036854775808"), std::nullopt);
}

TEST(registry, canonical_values) {
  EXPECT_EQ(canonical_value(*find_broker_config("num.io.threads"), "+007"), "7");
  EXPECT_EQ(canonical_value(*find_broker_config("delete.topic.enable"), "TRUE"), "true");
  EXPECT_EQ(canonical_value(*find_broker_config("log.cleaner.min.cleanable.ratio"), "1"), "1.0");
  EXPECT_EQ(canonical_value(*find_broker_config("log.cleaner.io.max.bytes.per.second"), "1.7976931348623157E308"),
            "1.7976931348623157E308");
  EXPECT_EQ(canonical_value(*find_broker_config("log.cleaner.io.max.bytes.per.second"), "10000000"), "1.0E7");
  EXPECT_EQ(canonical_value(*find_broker_config("log.cleanup.policy"), " compact ,  delete "), "compact,delete");
}

}  // namespace
}  // namespace gregor::config
