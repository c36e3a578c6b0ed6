// The example configuration files shipped in config/ load, and say the same thing.

#include <gtest/gtest.h>

#include "gregor/config/broker_config.h"

namespace gregor::config {
namespace {

const std::filesystem::path root = GREGOR_SOURCE_DIR;

void expect_quickstart(const broker_config& c) {
  EXPECT_EQ(c.broker_id(), 0);
  ASSERT_EQ(c.listeners().size(), 1u);
  EXPECT_EQ(c.listeners()[0], (listener{"PLAINTEXT", "127.0.0.1", 9092, "PLAINTEXT"}));
  EXPECT_EQ(c.log_dirs(), (std::vector<std::filesystem::path>{"/tmp/gregor-logs"}));
  EXPECT_EQ(c.zookeeper_connect(), "127.0.0.1:2181");
  EXPECT_EQ(c.num_partitions(), 1);
  EXPECT_EQ(c.offsets_topic_replication_factor(), 1);
  EXPECT_EQ(c.transaction_state_log_replication_factor(), 1);
  EXPECT_EQ(c.transaction_state_log_min_isr(), 1);
  EXPECT_EQ(c.log_retention_ms(), 168LL * 3600 * 1000);
  EXPECT_EQ(c.log_retention_check_interval_ms(), 300000);
  EXPECT_EQ(c.zookeeper_connection_timeout_ms(), 18000);
  EXPECT_EQ(c.group_initial_rebalance_delay_ms(), 0);
  EXPECT_EQ(c.num_network_threads(), 3);
  EXPECT_EQ(c.num_io_threads(), 8);
}

TEST(example_files, server_properties_loads) { expect_quickstart(broker_config::load(root / "config/server.properties", {})); }

TEST(example_files, server_yaml_loads) { expect_quickstart(broker_config::load(root / "config/server.yaml", {})); }

TEST(example_files, both_describe_identically) {
  auto a = broker_config::load(root / "config/server.properties", {}).describe();
  auto b = broker_config::load(root / "config/server.yaml", {}).describe();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].value, b[i].value) << a[i].name;
    EXPECT_EQ(a[i].is_default, b[i].is_default) << a[i].name;
  }
}

TEST(example_files, overrides_win_over_the_shipped_file) {
  auto c = broker_config::load(root / "config/server.properties", {"broker.id=4", "listeners=PLAINTEXT://127.0.0.1:0"});
  EXPECT_EQ(c.broker_id(), 4);
  EXPECT_EQ(c.listeners()[0].port, 0);
}

}  // namespace
}  // namespace gregor::config
