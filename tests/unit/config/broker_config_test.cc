#include "gregor/config/broker_config.h"

#include <gtest/gtest.h>

#include "gregor/config/config_def.h"
#include "test_util.h"

namespace gregor::config {
namespace {

using test::base;
using test::load_error;

TEST(broker_config, defaults_equal_kafka) {
  auto c = broker_config::from_map(base());
  EXPECT_EQ(c.broker_id(), -1);
  EXPECT_TRUE(c.broker_id_generation_enable());
  EXPECT_EQ(c.reserved_broker_max_id(), 1000);
  EXPECT_EQ(c.broker_rack(), std::nullopt);
  EXPECT_EQ(c.zookeeper_connect(), "127.0.0.1:2181");
  EXPECT_EQ(c.zookeeper_session_timeout_ms(), 18000);
  EXPECT_EQ(c.zookeeper_connection_timeout_ms(), 18000);  // falls back to the session timeout
  EXPECT_EQ(c.num_network_threads(), 3);
  EXPECT_EQ(c.num_io_threads(), 8);
  EXPECT_EQ(c.background_threads(), 10);
  EXPECT_EQ(c.queued_max_requests(), 500);
  EXPECT_EQ(c.socket_send_buffer_bytes(), 102400);
  EXPECT_EQ(c.socket_receive_buffer_bytes(), 102400);
  EXPECT_EQ(c.socket_request_max_bytes(), 104857600);
  EXPECT_EQ(c.connections_max_idle_ms(), 600000);
  EXPECT_EQ(c.message_max_bytes(), 1048588);
  EXPECT_EQ(c.replica_fetch_max_bytes(), 1048576);
  EXPECT_EQ(c.fetch_max_bytes(), 57671680);
  ASSERT_EQ(c.log_dirs().size(), 1u);
  EXPECT_EQ(c.log_dirs()[0], "/tmp/kafka-logs");
  EXPECT_EQ(c.num_partitions(), 1);
  EXPECT_EQ(c.default_replication_factor(), 1);
  EXPECT_TRUE(c.auto_create_topics_enable());
  EXPECT_TRUE(c.delete_topic_enable());
  EXPECT_EQ(c.log_segment_bytes(), 1073741824);
  EXPECT_EQ(c.log_roll_ms(), 168LL * 3600000);
  EXPECT_EQ(c.log_roll_jitter_ms(), 0);
  EXPECT_EQ(c.log_retention_ms(), 168LL * 3600000);
  EXPECT_EQ(c.log_retention_bytes(), -1);
  EXPECT_EQ(c.log_retention_check_interval_ms(), 300000);
  EXPECT_EQ(c.log_cleanup_policy(), std::vector<std::string>{"delete"});
  EXPECT_EQ(c.log_segment_delete_delay_ms(), 60000);
  EXPECT_EQ(c.log_index_size_max_bytes(), 10485760);
  EXPECT_EQ(c.log_index_interval_bytes(), 4096);
  EXPECT_EQ(c.log_flush_interval_messages(), INT64_MAX);
  EXPECT_EQ(c.log_flush_interval_ms(), INT64_MAX);
  EXPECT_FALSE(c.log_preallocate());
  EXPECT_EQ(c.log_message_timestamp_type(), "CreateTime");
  EXPECT_EQ(c.compression_type(), "producer");
  EXPECT_EQ(c.min_insync_replicas(), 1);
  EXPECT_FALSE(c.unclean_leader_election_enable());
  EXPECT_EQ(c.replica_lag_time_max_ms(), 30000);
  EXPECT_TRUE(c.controlled_shutdown_enable());
  EXPECT_EQ(c.controlled_shutdown_max_retries(), 3);
  EXPECT_EQ(c.offsets_topic_replication_factor(), 3);
  EXPECT_EQ(c.offsets_topic_num_partitions(), 50);
  EXPECT_EQ(c.offsets_retention_minutes(), 10080);
  EXPECT_EQ(c.group_initial_rebalance_delay_ms(), 3000);
  EXPECT_EQ(c.group_min_session_timeout_ms(), 6000);
  EXPECT_EQ(c.group_max_session_timeout_ms(), 1800000);
  EXPECT_EQ(c.group_max_size(), INT32_MAX);
  EXPECT_EQ(c.transaction_state_log_replication_factor(), 3);
  EXPECT_EQ(c.transaction_state_log_min_isr(), 2);
  EXPECT_EQ(c.transaction_max_timeout_ms(), 900000);
  EXPECT_EQ(c.transactional_id_expiration_ms(), 604800000);
  EXPECT_DOUBLE_EQ(c.log_cleaner_min_cleanable_ratio(), 0.5);
  EXPECT_DOUBLE_EQ(c.log_cleaner_io_buffer_load_factor(), 0.9);
  EXPECT_EQ(c.inter_broker_listener_name(), "PLAINTEXT");
  ASSERT_EQ(c.listeners().size(), 1u);
  EXPECT_EQ(c.listeners()[0], (listener{"PLAINTEXT", "", 9092, "PLAINTEXT"}));
  EXPECT_EQ(c.advertised_listeners(), c.listeners());
}

// Calls every getter once so that a registry key missing for a getter fails here, not in the broker.
TEST(broker_config, every_getter_resolves) {
  auto c = broker_config::from_map(base());
  (void)c.zookeeper_max_in_flight_requests(); (void)c.zookeeper_set_acl(); (void)c.inter_broker_protocol_version();
  (void)c.control_plane_listener_name(); (void)c.queued_max_request_bytes(); (void)c.socket_listen_backlog_size();
  (void)c.max_connections_per_ip(); (void)c.max_connections(); (void)c.request_timeout_ms();
  (void)c.num_recovery_threads_per_data_dir(); (void)c.log_flush_scheduler_interval_ms();
  (void)c.log_flush_offset_checkpoint_interval_ms(); (void)c.log_flush_start_offset_checkpoint_interval_ms();
  (void)c.log_message_timestamp_difference_max_ms(); (void)c.log_message_downconversion_enable();
  (void)c.log_cleaner_enable(); (void)c.log_cleaner_threads(); (void)c.log_cleaner_dedupe_buffer_size();
  (void)c.log_cleaner_io_buffer_size(); (void)c.log_cleaner_io_max_bytes_per_second(); (void)c.log_cleaner_backoff_ms();
  (void)c.log_cleaner_delete_retention_ms(); (void)c.log_cleaner_min_compaction_lag_ms();
  (void)c.log_cleaner_max_compaction_lag_ms(); (void)c.num_replica_fetchers(); (void)c.replica_fetch_response_max_bytes();
  (void)c.replica_fetch_wait_max_ms(); (void)c.replica_fetch_min_bytes(); (void)c.replica_fetch_backoff_ms();
  (void)c.replica_socket_timeout_ms(); (void)c.replica_socket_receive_buffer_bytes();
  (void)c.replica_high_watermark_checkpoint_interval_ms(); (void)c.controller_socket_timeout_ms();
  (void)c.auto_leader_rebalance_enable(); (void)c.leader_imbalance_per_broker_percentage();
  (void)c.leader_imbalance_check_interval_seconds(); (void)c.controlled_shutdown_retry_backoff_ms();
  (void)c.offsets_topic_segment_bytes(); (void)c.offsets_topic_compression_codec();
  (void)c.offsets_retention_check_interval_ms(); (void)c.offsets_commit_timeout_ms();
  (void)c.offsets_commit_required_acks(); (void)c.offset_metadata_max_bytes(); (void)c.offsets_load_buffer_size();
  (void)c.transaction_state_log_num_partitions(); (void)c.transaction_state_log_segment_bytes();
  (void)c.transaction_state_log_load_buffer_size();
  (void)c.transaction_abort_timed_out_transaction_cleanup_interval_ms();
  (void)c.transaction_remove_expired_transaction_cleanup_interval_ms(); (void)c.producer_id_expiration_ms();
  (void)c.producer_id_expiration_check_interval_ms();
  EXPECT_EQ(c.log_cleaner_io_max_bytes_per_second(), 1.7976931348623157e308);
}

TEST(broker_config, values_are_typed_and_trimmed) {
  auto c = broker_config::from_map(base({{"num.io.threads", " 16 "}, {"broker.rack", "eu-1a"},
                                         {"log.cleanup.policy", "compact, delete"}, {"auto.create.topics.enable", "FALSE"}}));
  EXPECT_EQ(c.num_io_threads(), 16);
  EXPECT_EQ(c.broker_rack(), "eu-1a");
  EXPECT_EQ(c.log_cleanup_policy(), (std::vector<std::string>{"compact", "delete"}));
  EXPECT_FALSE(c.auto_create_topics_enable());
  EXPECT_EQ(c.get("num.io.threads"), "16");
  EXPECT_EQ(c.get("log.cleanup.policy"), "compact,delete");
  EXPECT_EQ(c.get("auto.create.topics.enable"), "false");
  EXPECT_EQ(c.get("log.retention.ms"), std::nullopt);  // null default
  EXPECT_EQ(c.get("no.such.key"), std::nullopt);
}

TEST(broker_config, unknown_key_is_refused_by_name) {
  EXPECT_EQ(load_error(base({{"foo.bar", "1"}})), "Unknown configuration 'foo.bar'");
}

TEST(broker_config, invalid_values_name_key_and_value) {
  EXPECT_EQ(load_error(base({{"num.io.threads", "abc"}})),
            "Invalid value abc for configuration num.io.threads: Not a number of type INT");
  EXPECT_EQ(load_error(base({{"num.partitions", "0"}})),
            "Invalid value 0 for configuration num.partitions: Value must be at least 1");
  EXPECT_EQ(load_error(base({{"delete.topic.enable", "maybe"}})),
            "Invalid value maybe for configuration delete.topic.enable: Expected value to be either true or false");
  EXPECT_EQ(load_error(base({{"log.message.timestamp.type", "Now"}})),
            "Invalid value Now for configuration log.message.timestamp.type: String must be one of: CreateTime, "
            "LogAppendTime");
}

TEST(broker_config, validator_errors_and_password_masking) {
  std::string e = load_error(base({{"ssl.client.auth", "sometimes"}}));
  EXPECT_NE(e.find("sometimes"), std::string::npos);
  // A password has no validator beyond its type, so check that describe() masks it instead.
  auto c = broker_config::from_map(base({{"ssl.keystore.password", "s3cret"}}));
  for (const auto& e2 : c.describe()) {
    if (e2.name == "ssl.keystore.password") {
      EXPECT_TRUE(e2.sensitive);
      EXPECT_EQ(e2.value, std::nullopt);
      EXPECT_FALSE(e2.is_default);
    }
  }
  EXPECT_EQ(c.get("ssl.keystore.password"), "s3cret");
}

TEST(broker_config, zookeeper_connect_is_required) {
  EXPECT_EQ(load_error({}), "Missing required configuration `zookeeper.connect` which has no default value.");
}

TEST(broker_config, kraft_mode_refused) {
  EXPECT_NE(load_error(base({{"process.roles", "broker"}})).find("KRaft"), std::string::npos);
  EXPECT_EQ(load_error(base({{"process.roles", ""}})), "");
}

TEST(broker_config, broker_id_bounds) {
  EXPECT_EQ(load_error(base({{"broker.id", "1000"}})), "");
  EXPECT_NE(load_error(base({{"broker.id", "1001"}})), "");
  EXPECT_NE(load_error(base({{"broker.id", "-2"}})), "");
  EXPECT_EQ(load_error(base({{"broker.id", "5000"}, {"broker.id.generation.enable", "false"}})), "");
  EXPECT_NE(load_error(base({{"broker.id", "-1"}, {"broker.id.generation.enable", "false"}})), "");
}

TEST(broker_config, retention_trio_ms_beats_minutes_beats_hours) {
  EXPECT_EQ(broker_config::from_map(base({{"log.retention.hours", "1"}})).log_retention_ms(), 3600000);
  EXPECT_EQ(broker_config::from_map(base({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}}))
                .log_retention_ms(),
            120000);
  EXPECT_EQ(broker_config::from_map(
                base({{"log.retention.hours", "1"}, {"log.retention.minutes", "2"}, {"log.retention.ms", "500"}}))
                .log_retention_ms(),
            500);
  EXPECT_EQ(broker_config::from_map(base({{"log.retention.ms", "-1"}})).log_retention_ms(), -1);
  EXPECT_EQ(broker_config::from_map(base({{"log.retention.hours", "-1"}})).log_retention_ms(), -1);
  EXPECT_EQ(broker_config::from_map(base({{"log.retention.minutes", "-5"}})).log_retention_ms(), -1);
  EXPECT_NE(load_error(base({{"log.retention.ms", "0"}})), "");
}

TEST(broker_config, roll_and_jitter_trios) {
  auto c = broker_config::from_map(base({{"log.roll.hours", "2"}, {"log.roll.jitter.hours", "1"}}));
  EXPECT_EQ(c.log_roll_ms(), 7200000);
  EXPECT_EQ(c.log_roll_jitter_ms(), 3600000);
  auto d = broker_config::from_map(
      base({{"log.roll.hours", "2"}, {"log.roll.ms", "1000"}, {"log.roll.jitter.hours", "1"}, {"log.roll.jitter.ms", "7"}}));
  EXPECT_EQ(d.log_roll_ms(), 1000);
  EXPECT_EQ(d.log_roll_jitter_ms(), 7);
  EXPECT_NE(load_error(base({{"log.roll.ms", "0"}})), "");
  EXPECT_NE(load_error(base({{"log.roll.hours", "0"}})), "");
}

TEST(broker_config, flush_and_zk_fallbacks) {
  auto c = broker_config::from_map(base({{"log.flush.scheduler.interval.ms", "3000"},
                                         {"zookeeper.session.timeout.ms", "9000"}}));
  EXPECT_EQ(c.log_flush_interval_ms(), 3000);
  EXPECT_EQ(c.zookeeper_connection_timeout_ms(), 9000);
  auto d = broker_config::from_map(base({{"log.flush.interval.ms", "10"}, {"zookeeper.connection.timeout.ms", "5"}}));
  EXPECT_EQ(d.log_flush_interval_ms(), 10);
  EXPECT_EQ(d.zookeeper_connection_timeout_ms(), 5);
}

TEST(broker_config, log_dirs_beat_log_dir) {
  auto a = broker_config::from_map(base({{"log.dir", "/data/one"}}));
  EXPECT_EQ(a.log_dirs(), (std::vector<std::filesystem::path>{"/data/one"}));
  auto b = broker_config::from_map(base({{"log.dir", "/data/one"}, {"log.dirs", "/d/a, /d/b"}}));
  EXPECT_EQ(b.log_dirs(), (std::vector<std::filesystem::path>{"/d/a", "/d/b"}));
  EXPECT_NE(load_error(base({{"log.dirs", " , "}})), "");
  EXPECT_NE(load_error(base({{"log.dirs", "/d/a,/d/a/"}})).find("Duplicate log directory"), std::string::npos);
}

TEST(broker_config, legacy_port_and_host_name) {
  auto c = broker_config::from_map(base({{"port", "9999"}, {"host.name", "10.1.2.3"}}));
  ASSERT_EQ(c.listeners().size(), 1u);
  EXPECT_EQ(c.listeners()[0], (listener{"PLAINTEXT", "10.1.2.3", 9999, "PLAINTEXT"}));
  EXPECT_EQ(c.advertised_listeners(), c.listeners());

  auto d = broker_config::from_map(base({{"port", "9999"}, {"advertised.host.name", "public.example"}}));
  EXPECT_EQ(d.listeners()[0], (listener{"PLAINTEXT", "", 9999, "PLAINTEXT"}));
  EXPECT_EQ(d.advertised_listeners()[0], (listener{"PLAINTEXT", "public.example", 9999, "PLAINTEXT"}));

  auto e = broker_config::from_map(base({{"host.name", "h"}, {"advertised.port", "19092"}}));
  EXPECT_EQ(e.advertised_listeners()[0], (listener{"PLAINTEXT", "h", 19092, "PLAINTEXT"}));

  // listeners / advertised.listeners win over the legacy keys.
  auto f = broker_config::from_map(base({{"port", "1"}, {"listeners", "PLAINTEXT://:2"},
                                         {"advertised.port", "3"}, {"advertised.listeners", "PLAINTEXT://x:4"}}));
  EXPECT_EQ(f.listeners()[0].port, 2);
  EXPECT_EQ(f.advertised_listeners()[0].port, 4);
}

TEST(broker_config, listeners_and_advertised) {
  auto c = broker_config::from_map(base({{"listeners", "PLAINTEXT://0.0.0.0:0,INTERNAL://127.0.0.1:9093"},
                                         {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT"},
                                         {"advertised.listeners", "PLAINTEXT://broker.example:9092,INTERNAL://127.0.0.1:9093"},
                                         {"inter.broker.listener.name", "internal"}}));
  EXPECT_EQ(c.listeners().size(), 2u);
  EXPECT_EQ(c.advertised_listeners()[0].host, "broker.example");
  EXPECT_EQ(c.inter_broker_listener_name(), "INTERNAL");
  EXPECT_EQ(c.listener_security_protocol_map().at("INTERNAL"), "PLAINTEXT");
}

TEST(broker_config, listener_errors) {
  EXPECT_NE(load_error(base({{"advertised.listeners", "PLAINTEXT://0.0.0.0:9092"}})).find("0.0.0.0"),
            std::string::npos);
  EXPECT_NE(load_error(base({{"advertised.listeners", "OTHER://h:1"},
                             {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,OTHER:PLAINTEXT"}}))
                .find("subset"),
            std::string::npos);
  EXPECT_NE(load_error(base({{"inter.broker.listener.name", "NOPE"}})).find("inter.broker.listener.name"),
            std::string::npos);
  EXPECT_NE(load_error(base({{"inter.broker.listener.name", "PLAINTEXT"}, {"security.inter.broker.protocol", "PLAINTEXT"}}))
                .find("Only one of"),
            std::string::npos);
  EXPECT_NE(load_error(base({{"listeners", "PLAINTEXT://:9092,PLAINTEXT://:9093"}})).find("different name"),
            std::string::npos);
  EXPECT_NE(load_error(base({{"listeners", "garbage"}})).find("Unable to parse garbage"), std::string::npos);
}

TEST(broker_config, non_plaintext_listener_not_supported_yet) {
  std::string e = load_error(base({{"listeners", "PLAINTEXT://:9092,SSL://:9093"}}));
  EXPECT_NE(e.find("not supported yet"), std::string::npos) << e;
  EXPECT_NE(e.find("SSL://:9093"), std::string::npos) << e;
  e = load_error(base({{"listeners", "EXT://:9094"}, {"listener.security.protocol.map", "EXT:SASL_SSL"}}));
  EXPECT_NE(e.find("EXT://:9094"), std::string::npos) << e;
}

TEST(broker_config, listener_prefixed_keys_accepted_and_validated) {
  auto c = broker_config::from_map(base({{"listener.name.plaintext.ssl.keystore.location", "/k"},
                                         {"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", "x required;"}}));
  EXPECT_EQ(c.listener_prefixed().size(), 2u);
  EXPECT_EQ(load_error(base({{"listener.name.plaintext.no.such", "1"}})),
            "Unknown configuration 'listener.name.plaintext.no.such'");
  EXPECT_NE(load_error(base({{"listener.name.plaintext.max.connections", "many"}})).find("Not a number"),
            std::string::npos);
}

TEST(broker_config, cross_key_checks) {
  EXPECT_NE(load_error(base({{"replica.fetch.wait.max.ms", "40000"}})), "");
  EXPECT_NE(load_error(base({{"log.cleaner.dedupe.buffer.size", "1048576"}})), "");
  EXPECT_NE(load_error(base({{"offsets.commit.required.acks", "5"}})), "");
  EXPECT_NE(load_error(base({{"queued.max.request.bytes", "10"}})), "");
}

TEST(broker_config, describe_marks_set_keys_non_default) {
  auto c = broker_config::from_map(base({{"num.io.threads", "8"}, {"log.segment.bytes", "1073741824"}}));
  auto entries = c.describe();
  EXPECT_EQ(entries.size(), broker_config_defs().size());
  int checked = 0;
  for (const auto& e : entries) {
    if (e.name == "num.io.threads" || e.name == "log.segment.bytes" || e.name == "zookeeper.connect") {
      // Same value as the default, but given explicitly: STATIC_BROKER_CONFIG, not default.
      EXPECT_FALSE(e.is_default) << e.name;
      EXPECT_EQ(e.source, "STATIC_BROKER_CONFIG");
      ++checked;
    } else if (e.name == "num.network.threads") {
      EXPECT_TRUE(e.is_default);
      EXPECT_EQ(e.source, "DEFAULT_CONFIG");
      EXPECT_EQ(e.value, "3");
      EXPECT_FALSE(e.read_only);  // dynamically updatable in Kafka
      ++checked;
    } else if (e.name == "broker.id") {
      EXPECT_TRUE(e.read_only);
      ++checked;
    } else if (e.name == "broker.rack") {
      EXPECT_EQ(e.value, std::nullopt);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6);
  EXPECT_TRUE(c.is_set("num.io.threads"));
  EXPECT_FALSE(c.is_set("num.network.threads"));
}

TEST(broker_config, load_properties_with_overrides) {
  test::temp_dir dir;
  auto file = dir.write("server.properties",
                        "zookeeper.connect=zk:2181\nnum.io.threads=4\nnum.io.threads=5\nbroker.id=3\n");
  auto c = broker_config::load(file, {"broker.id=7", "log.dirs = /x,/y"});
  EXPECT_EQ(c.num_io_threads(), 5);  // later line wins within the file
  EXPECT_EQ(c.broker_id(), 7);       // override wins over the file
  EXPECT_EQ(c.log_dirs().size(), 2u);
  EXPECT_THROW(broker_config::load(file, {"novalue"}), config_error);
  EXPECT_THROW(broker_config::load(file, {"=1"}), config_error);
  try {
    broker_config::load(file, {"bogus.key=1"});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "Unknown configuration 'bogus.key'");
  }
}

TEST(broker_config, missing_file_is_config_error) {
  test::temp_dir dir;
  EXPECT_THROW(broker_config::load(dir.path() / "nope.properties", {}), config_error);
}

}  // namespace
}  // namespace gregor::config
