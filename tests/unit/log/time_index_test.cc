#include "gregor/log/time_index.h"

#include <gtest/gtest.h>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

TEST(time_index, appends_only_greater_timestamps) {
  test::temp_dir dir;
  auto path = dir.path() / "00000000000000000050.timeindex";
  auto idx = time_index::open(path, 50, 130);  // 120 bytes: 10 slots
  ASSERT_TRUE(idx);
  EXPECT_EQ(std::filesystem::file_size(path), 120u);
  ASSERT_TRUE(idx->maybe_append(-1, 50));  // no timestamp: ignored
  EXPECT_EQ(idx->entries(), 0u);
  ASSERT_TRUE(idx->maybe_append(1000, 55));
  ASSERT_TRUE(idx->maybe_append(1000, 60));  // not greater: ignored
  ASSERT_TRUE(idx->maybe_append(900, 61));   // smaller: ignored
  ASSERT_TRUE(idx->maybe_append(2000, 70));
  EXPECT_EQ(idx->entries(), 2u);
  EXPECT_EQ(idx->entry(1), (timestamp_offset{2000, 70}));
  EXPECT_EQ(idx->maybe_append(3000, 69).error(), make_error_code(errc::corrupt_index));  // offset backwards

  EXPECT_EQ(idx->entry_before(500), (timestamp_offset{-1, 50}));
  EXPECT_EQ(idx->entry_before(1000), (timestamp_offset{-1, 50}));  // strictly below
  EXPECT_EQ(idx->entry_before(1001), (timestamp_offset{1000, 55}));
  EXPECT_EQ(idx->entry_before(5000), (timestamp_offset{2000, 70}));

  ASSERT_TRUE(idx->trim());
  EXPECT_EQ(std::filesystem::file_size(path), 24u);
  bytes raw = test::read_file(path);
  EXPECT_EQ(load_be<int64_t>(raw.data() + 12), 2000);
  EXPECT_EQ(load_be<int32_t>(raw.data() + 20), 20);
}

TEST(time_index, keeps_last_slot_for_the_final_entry) {
  test::temp_dir dir;
  auto idx = time_index::open(dir.path() / "x.timeindex", 0, 36);  // 3 slots
  ASSERT_TRUE(idx);
  ASSERT_TRUE(idx->maybe_append(10, 1));
  EXPECT_FALSE(idx->full());
  ASSERT_TRUE(idx->maybe_append(20, 2));
  EXPECT_TRUE(idx->full());
  EXPECT_EQ(idx->maybe_append(30, 3).error(), make_error_code(errc::index_full));
  ASSERT_TRUE(idx->maybe_append(30, 3, true));
  EXPECT_EQ(idx->entries(), 3u);
  EXPECT_TRUE(idx->validate());
}

TEST(time_index, validation_spots_untrimmed_files) {
  test::temp_dir dir;
  auto path = dir.path() / "x.timeindex";
  {
    auto idx = time_index::open(path, 0, 120);
    ASSERT_TRUE(idx);
    ASSERT_TRUE(idx->maybe_append(1000, 3));
    ASSERT_TRUE(idx->maybe_append(2000, 7));
  }
  auto idx = time_index::open(path, 0, 120);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->entries(), 10u);
  EXPECT_FALSE(idx->sanity_check());
  EXPECT_FALSE(idx->validate());
  idx->reset();
  EXPECT_EQ(idx->entries(), 0u);
  EXPECT_TRUE(idx->validate());
}
