#include "gregor/log/filenames.h"

#include <gtest/gtest.h>

using namespace gregor;
using namespace gregor::log;

TEST(filenames, segment_names_are_20_digits) {
  EXPECT_EQ(filenames::offset_base_name(0), "00000000000000000000");
  EXPECT_EQ(filenames::offset_base_name(368769), "00000000000000368769");
  EXPECT_EQ(filenames::offset_base_name(INT64_MAX), "09223372036854775807");
  EXPECT_EQ(filenames::log_file("/d", 368769), std::filesystem::path("/d/00000000000000368769.log"));
  EXPECT_EQ(filenames::offset_index_file("/d", 1), std::filesystem::path("/d/00000000000000000001.index"));
  EXPECT_EQ(filenames::time_index_file("/d", 1), std::filesystem::path("/d/00000000000000000001.timeindex"));
  EXPECT_EQ(filenames::txn_index_file("/d", 1), std::filesystem::path("/d/00000000000000000001.txnindex"));
  EXPECT_EQ(filenames::snapshot_file("/d", 1), std::filesystem::path("/d/00000000000000000001.snapshot"));
}

TEST(filenames, parses_segment_file_names) {
  auto log = filenames::parse_segment_file_name("00000000000000368769.log");
  ASSERT_TRUE(log);
  EXPECT_EQ(log->offset, 368769);
  EXPECT_EQ(log->kind, filenames::segment_file_kind::log);
  EXPECT_EQ(log->suffix, "");

  auto deleted = filenames::parse_segment_file_name("00000000000000000012.index.deleted");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->kind, filenames::segment_file_kind::offset_index);
  EXPECT_EQ(deleted->suffix, filenames::deleted_suffix);

  auto swap = filenames::parse_segment_file_name("00000000000000000000.timeindex.swap");
  ASSERT_TRUE(swap);
  EXPECT_EQ(swap->kind, filenames::segment_file_kind::time_index);
  EXPECT_EQ(swap->suffix, filenames::swap_suffix);

  EXPECT_FALSE(filenames::parse_segment_file_name("0000.log"));
  EXPECT_FALSE(filenames::parse_segment_file_name("00000000000000000000.txt"));
  EXPECT_FALSE(filenames::parse_segment_file_name("0000000000000000000x.log"));
  EXPECT_FALSE(filenames::parse_segment_file_name("leader-epoch-checkpoint"));
  EXPECT_FALSE(filenames::parse_segment_file_name("99999999999999999999.log"));  // > INT64_MAX
}

TEST(filenames, topic_name_rules) {
  EXPECT_TRUE(filenames::is_valid_topic_name("orders"));
  EXPECT_TRUE(filenames::is_valid_topic_name("a.b_C-9"));
  EXPECT_TRUE(filenames::is_valid_topic_name(std::string(249, 'x')));
  EXPECT_FALSE(filenames::is_valid_topic_name(std::string(250, 'x')));
  EXPECT_FALSE(filenames::is_valid_topic_name(""));
  EXPECT_FALSE(filenames::is_valid_topic_name("."));
  EXPECT_FALSE(filenames::is_valid_topic_name(".."));
  EXPECT_FALSE(filenames::is_valid_topic_name("a b"));
  EXPECT_FALSE(filenames::is_valid_topic_name("a/b"));
}

TEST(filenames, partition_dirs_split_at_last_dash) {
  EXPECT_EQ(filenames::partition_dir_name({"orders", 3}), "orders-3");
  auto p = filenames::parse_partition_dir_name("my-topic-12");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->tp, (topic_partition{"my-topic", 12}));
  EXPECT_EQ(p->kind, filenames::partition_dir_kind::live);
  auto co = filenames::parse_partition_dir_name("__consumer_offsets-17");
  ASSERT_TRUE(co);
  EXPECT_EQ(co->tp, (topic_partition{"__consumer_offsets", 17}));

  EXPECT_FALSE(filenames::parse_partition_dir_name("orders"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("orders-"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("-1"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("orders-x"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("orders-+1"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("orders-99999999999"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("lost+found"));
  EXPECT_FALSE(filenames::parse_partition_dir_name("orders-0.abc-delete"));
}

TEST(filenames, delete_and_future_dirs) {
  auto id = uuid::from_parts(0x3c1f0e9b6ad24d5bULL, 0x8f3e1a2b3c4d5e6fULL);
  auto name = filenames::delete_dir_name({"orders", 1}, id);
  EXPECT_EQ(name, "orders-1.3c1f0e9b6ad24d5b8f3e1a2b3c4d5e6f-delete");
  auto parsed = filenames::parse_partition_dir_name(name);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->kind, filenames::partition_dir_kind::deleted);
  EXPECT_EQ(parsed->tp, (topic_partition{"orders", 1}));

  auto future = filenames::parse_partition_dir_name(filenames::future_dir_name({"a-b", 0}, id));
  ASSERT_TRUE(future);
  EXPECT_EQ(future->kind, filenames::partition_dir_kind::future);
  EXPECT_EQ(future->tp, (topic_partition{"a-b", 0}));

  // A maximal topic is truncated so the dir name stays within 255 characters.
  std::string long_topic(249, 't');
  auto long_name = filenames::delete_dir_name({long_topic, 123}, id);
  EXPECT_EQ(long_name.size(), 255u);
  EXPECT_TRUE(long_name.ends_with("-123.3c1f0e9b6ad24d5b8f3e1a2b3c4d5e6f-delete"));
  auto long_parsed = filenames::parse_partition_dir_name(long_name);
  ASSERT_TRUE(long_parsed);
  EXPECT_EQ(long_parsed->tp.partition, 123);
}
