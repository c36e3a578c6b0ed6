#include "gregor/log/offset_index.h"

#include <gtest/gtest.h>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

TEST(offset_index, preallocates_appends_looks_up_and_trims) {
  test::temp_dir dir;
  auto path = dir.path() / "00000000000000000100.index";
  auto idx = offset_index::open(path, 100, 100);  // rounded down to 96 bytes: 12 slots
  ASSERT_TRUE(idx) << idx.error().message();
  EXPECT_EQ(std::filesystem::file_size(path), 96u);
  EXPECT_EQ(idx->entries(), 0u);
  EXPECT_EQ(idx->lookup(150), (offset_position{100, 0}));

  ASSERT_TRUE(idx->append(110, 4000));
  ASSERT_TRUE(idx->append(120, 8000));
  ASSERT_TRUE(idx->append(135, 12000));
  EXPECT_EQ(idx->lookup(99), (offset_position{100, 0}));
  EXPECT_EQ(idx->lookup(110), (offset_position{110, 4000}));
  EXPECT_EQ(idx->lookup(119), (offset_position{110, 4000}));
  EXPECT_EQ(idx->lookup(1000), (offset_position{135, 12000}));

  EXPECT_EQ(idx->append(135, 13000).error(), make_error_code(errc::corrupt_index));  // offset not increasing
  EXPECT_EQ(idx->append(140, 12000).error(), make_error_code(errc::corrupt_index));  // position not increasing
  EXPECT_EQ(idx->append(99, 13000).error(), make_error_code(errc::corrupt_index));   // below base

  ASSERT_TRUE(idx->trim());
  EXPECT_EQ(std::filesystem::file_size(path), 3u * 8u);
  bytes raw = test::read_file(path);
  ASSERT_EQ(raw.size(), 24u);
  EXPECT_EQ(load_be<int32_t>(raw.data() + 8), 20);      // relative offset of 120
  EXPECT_EQ(load_be<int32_t>(raw.data() + 12), 8000);   // its position
  EXPECT_TRUE(idx->full());  // a trimmed index has no free slot until resized
  EXPECT_EQ(idx->append(200, 20000).error(), make_error_code(errc::index_full));
}

TEST(offset_index, reopen_counts_every_slot_and_validation_spots_untrimmed_files) {
  test::temp_dir dir;
  auto path = dir.path() / "00000000000000000000.index";
  {
    auto idx = offset_index::open(path, 0, 80);
    ASSERT_TRUE(idx);
    ASSERT_TRUE(idx->append(5, 100));
    ASSERT_TRUE(idx->append(9, 200));
    // destroyed without trim: as after a crash
  }
  auto idx = offset_index::open(path, 0, 80);
  ASSERT_TRUE(idx);
  EXPECT_EQ(idx->entries(), 10u);  // Kafka's rule: file length / 8
  EXPECT_FALSE(idx->validate(1000));
  EXPECT_FALSE(idx->sanity_check(1000));
  idx->reset();
  EXPECT_EQ(idx->entries(), 0u);
  EXPECT_TRUE(idx->validate(1000));
}

TEST(offset_index, truncation_and_fill) {
  test::temp_dir dir;
  auto idx = offset_index::open(dir.path() / "x.index", 0, 32);  // 4 slots
  ASSERT_TRUE(idx);
  for (int i = 1; i <= 4; ++i) ASSERT_TRUE(idx->append(i * 10, static_cast<uint32_t>(i * 100)));
  EXPECT_TRUE(idx->full());
  EXPECT_EQ(idx->append(50, 500).error(), make_error_code(errc::index_full));
  idx->truncate_to_offset(30);
  EXPECT_EQ(idx->entries(), 2u);
  EXPECT_EQ(idx->last_entry()->offset, 20);
  EXPECT_TRUE(idx->validate(1000));
  EXPECT_FALSE(idx->validate(200));  // an entry at or past the end of the log
  ASSERT_TRUE(idx->append(25, 250));
  EXPECT_EQ(idx->entries(), 3u);
}

TEST(offset_index, rejects_length_not_multiple_of_entry) {
  test::temp_dir dir;
  auto path = dir.path() / "bad.index";
  test::append_to_file(path, bytes(13, 1));
  auto idx = offset_index::open(path, 0, 80);
  ASSERT_FALSE(idx);
  EXPECT_EQ(idx.error(), make_error_code(errc::corrupt_index));
}
