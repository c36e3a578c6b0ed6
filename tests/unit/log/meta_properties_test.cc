#include "gregor/log/meta_properties.h"

#include <gtest/gtest.h>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

TEST(meta_properties, writes_java_properties_with_date_comment) {
  test::temp_dir dir;
  auto path = dir.path() / "meta.properties";
  meta_properties mp;
  mp.broker_id = 1;
  mp.cluster_id = "MkU3OEVBNTcwNTJENDM2Qg";
  ASSERT_TRUE(mp.write(path, 1727784000000));  // 2024-10-01T12:00:00Z
  EXPECT_EQ(test::read_text(path),
            "#\n#Tue Oct 01 12:00:00 UTC 2024\nversion=0\nbroker.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n");
  auto back = meta_properties::read(path);
  ASSERT_TRUE(back);
  ASSERT_TRUE(*back);
  EXPECT_EQ((*back)->version, 0);
  EXPECT_EQ((*back)->broker_id, 1);
  EXPECT_EQ((*back)->cluster_id, "MkU3OEVBNTcwNTJENDM2Qg");
}

TEST(meta_properties, parses_what_java_writes) {
  auto props = parse_java_properties("#c\n! other\n  version = 0\r\nbroker.id:7\ncluster.id=a\\:b\nempty\n");
  EXPECT_EQ(props["version"], "0");
  EXPECT_EQ(props["broker.id"], "7");
  EXPECT_EQ(props["cluster.id"], "a:b");
  EXPECT_EQ(props.count("empty"), 1u);
  EXPECT_EQ(props.size(), 4u);
}

TEST(meta_properties, missing_and_invalid) {
  test::temp_dir dir;
  auto none = meta_properties::read(dir.path() / "meta.properties");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  test::append_to_file(dir.path() / "meta.properties", as_bytes("broker.id=x\nversion=0\n"));
  auto bad = meta_properties::read(dir.path() / "meta.properties");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), make_error_code(errc::meta_properties_invalid));
}
