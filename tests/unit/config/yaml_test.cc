#include "gregor/config/yaml.h"

#include <gtest/gtest.h>

#include "gregor/config/broker_config.h"
#include "gregor/config/properties.h"
#include "test_util.h"

namespace gregor::config {
namespace {

using kv = std::vector<std::pair<std::string, std::string>>;

TEST(flatten_yaml, nested_maps_flatten_with_dots) {
  EXPECT_EQ(flatten_yaml("log: {dirs: /x, retention: {hours: 5}}\nbroker.id: 1\n", "t.yaml"),
            (kv{{"log.dirs", "/x"}, {"log.retention.hours", "5"}, {"broker.id", "1"}}));
}

TEST(flatten_yaml, sequences_become_comma_lists) {
  EXPECT_EQ(flatten_yaml("log:\n  dirs:\n    - /a\n    - /b\n", "t.yaml"), (kv{{"log.dirs", "/a,/b"}}));
}

TEST(flatten_yaml, null_is_empty_and_empty_document_is_empty) {
  EXPECT_EQ(flatten_yaml("broker.rack:\n", "t.yaml"), (kv{{"broker.rack", ""}}));
  EXPECT_TRUE(flatten_yaml("", "t.yaml").empty());
  EXPECT_TRUE(flatten_yaml("# only a comment\n", "t.yaml").empty());
}

TEST(flatten_yaml, scalars_kept_as_written) {
  EXPECT_EQ(flatten_yaml("a: 'quoted: yes'\nb: 007\nc: True\n", "t.yaml"),
            (kv{{"a", "quoted: yes"}, {"b", "007"}, {"c", "True"}}));
}

TEST(flatten_yaml, errors_carry_origin_and_line) {
  try {
    flatten_yaml("a: 1\nb: [unclosed\n", "conf/server.yaml");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("conf/server.yaml:", 0), 0u) << e.what();
  }
  EXPECT_THROW(flatten_yaml("- a\n- b\n", "t.yaml"), config_error);
  EXPECT_THROW(flatten_yaml("log.dirs: /a\nlog: {dirs: /b}\n", "t.yaml"), config_error);  // same key twice
  EXPECT_THROW(flatten_yaml("a: [[1]]\n", "t.yaml"), config_error);
  try {
    flatten_yaml("x: 1\ny: 2\nlog.dirs: /a\nlog:\n  dirs: /b\n", "f.yaml");
    FAIL();
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("f.yaml:5:"), std::string::npos) << e.what();
  }
}

TEST(yaml_config, equals_properties_equivalent) {
  const char* props =
      "broker.id=2\nzookeeper.connect=zk1:2181,zk2:2181/gregor\nlisteners=PLAINTEXT://127.0.0.1:0\n"
      "log.dirs=/a,/b\nlog.retention.minutes=30\nlog.cleanup.policy=compact,delete\nnum.io.threads=3\n";
  const char* yaml =
      "broker.id: 2\n"
      "zookeeper:\n  connect: zk1:2181,zk2:2181/gregor\n"
      "listeners: PLAINTEXT://127.0.0.1:0\n"
      "log:\n  dirs: [/a, /b]\n  retention.minutes: 30\n  cleanup:\n    policy:\n      - compact\n      - delete\n"
      "num.io.threads: 3\n";
  test::temp_dir dir;
  auto a = broker_config::load(dir.write("s.properties", props), {});
  auto b = broker_config::load(dir.write("s.yaml", yaml), {});
  auto da = a.describe();
  auto db = b.describe();
  ASSERT_EQ(da.size(), db.size());
  for (std::size_t i = 0; i < da.size(); ++i) {
    EXPECT_EQ(da[i].name, db[i].name);
    EXPECT_EQ(da[i].value, db[i].value) << da[i].name;
    EXPECT_EQ(da[i].is_default, db[i].is_default) << da[i].name;
  }
  EXPECT_EQ(b.log_retention_ms(), 1800000);
  EXPECT_EQ(b.log_dirs().size(), 2u);
  EXPECT_EQ(b.zookeeper_connect(), "zk1:2181,zk2:2181/gregor");
}

TEST(yaml_config, yml_extension_and_validation) {
  test::temp_dir dir;
  auto f = dir.write("s.yml", "zookeeper.connect: zk:2181\nnum:\n  io:\n    threads: lots\n");
  try {
    broker_config::load(f, {});
    FAIL();
  } catch (const config_error& e) {
    EXPECT_STREQ(e.what(), "Invalid value lots for configuration num.io.threads: Not a number of type INT");
  }
  auto g = dir.write("t.YAML", "zookeeper.connect: zk:2181\nunknown: {key: 1}\n");
  EXPECT_THROW(broker_config::load(g, {}), config_error);
  auto ok = broker_config::load(dir.write("u.yaml", "zookeeper.connect: zk:2181\n"), {"num.io.threads=2"});
  EXPECT_EQ(ok.num_io_threads(), 2);
}

}  // namespace
}  // namespace gregor::config
