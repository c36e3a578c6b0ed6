#include "gregor/log/checkpoint_file.h"

#include <gtest/gtest.h>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

TEST(checkpoint_file, writes_kafka_text_format_and_reads_it_back) {
  test::temp_dir dir;
  auto path = dir.path() / "recovery-point-offset-checkpoint";
  offset_map offsets{{{"orders", 0}, 368912}, {{"orders", 1}, 401117}, {{"__consumer_offsets", 17}, 88}};
  ASSERT_TRUE(write_offset_checkpoint(path, offsets));
  EXPECT_EQ(test::read_text(path), "0\n3\n__consumer_offsets 17 88\norders 0 368912\norders 1 401117\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "recovery-point-offset-checkpoint.tmp"));
  auto back = read_offset_checkpoint(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, offsets);

  // Rewriting replaces the content.
  ASSERT_TRUE(write_offset_checkpoint(path, {}));
  EXPECT_EQ(test::read_text(path), "0\n0\n");
}

TEST(checkpoint_file, missing_file_reads_empty) {
  test::temp_dir dir;
  auto r = read_offset_checkpoint(dir.path() / "nope");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(checkpoint_file, readers_fail_on_wrong_version_count_or_line) {
  test::temp_dir dir;
  auto path = dir.path() / "cp";
  auto expect_invalid = [&](const std::string& text) {
    std::filesystem::remove(path);
    test::append_to_file(path, as_bytes(text));
    auto r = read_offset_checkpoint(path);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error(), make_error_code(errc::invalid_checkpoint)) << text;
  };
  expect_invalid("1\n1\norders 0 5\n");     // version
  expect_invalid("0\n2\norders 0 5\n");     // count too high
  expect_invalid("0\n1\na 0 5\nb 0 6\n");   // count too low
  expect_invalid("0\n1\norders 0\n");       // missing field
  expect_invalid("0\n1\norders x 5\n");     // bad partition
  expect_invalid("0\nx\n");                 // bad count

  checkpoint_file generic(path, 0);
  ASSERT_TRUE(generic.write_lines({"0 0", "3 1200"}));
  auto lines = generic.read_lines();
  ASSERT_TRUE(lines);
  EXPECT_EQ(*lines, (std::vector<std::string>{"0 0", "3 1200"}));
  auto wrong = checkpoint_file(path, 1).read_lines();
  EXPECT_FALSE(wrong);
}
