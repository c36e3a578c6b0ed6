#include "gregor/metadata/topic_name.h"

#include <gtest/gtest.h>

using namespace gregor::metadata;

TEST(topic_name, kafka_rules) {
  EXPECT_EQ(topic_name_error("orders"), "");
  EXPECT_EQ(topic_name_error("a.b_c-D9"), "");
  EXPECT_NE(topic_name_error(""), "");
  EXPECT_NE(topic_name_error("."), "");
  EXPECT_NE(topic_name_error(".."), "");
  EXPECT_NE(topic_name_error("a b"), "");
  EXPECT_NE(topic_name_error("a/b"), "");
  EXPECT_EQ(topic_name_error(std::string(249, 'x')), "");
  EXPECT_NE(topic_name_error(std::string(250, 'x')), "");
  EXPECT_TRUE(is_internal_topic("__consumer_offsets"));
  EXPECT_FALSE(is_internal_topic("orders"));
  EXPECT_TRUE(has_collision_chars("a.b"));
  EXPECT_FALSE(has_collision_chars("ab"));
}
