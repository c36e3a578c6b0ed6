#include "gregor/log/leader_epoch_cache.h"

#include <gtest/gtest.h>

#include "gregor/log/errc.h"
#include "test_util.h"

using namespace gregor;
using namespace gregor::log;

namespace {

using entries = std::vector<epoch_entry>;

struct epoch_fixture : ::testing::Test {
  test::temp_dir tmp;
  std::filesystem::path file = tmp.path() / "leader-epoch-checkpoint";
};

TEST_F(epoch_fixture, assign_keeps_epochs_and_offsets_increasing) {
  leader_epoch_cache c(file);
  EXPECT_FALSE(c.latest_epoch());
  EXPECT_TRUE(c.assign(0, 0));
  EXPECT_FALSE(c.assign(0, 5));  // same epoch, later offset: nothing new
  EXPECT_TRUE(c.assign(2, 10));
  EXPECT_TRUE(c.assign(4, 20));
  EXPECT_EQ(c.entries(), (entries{{0, 0}, {2, 10}, {4, 20}}));
  EXPECT_EQ(c.latest_epoch(), 4);
  // A new epoch at an offset below existing entries replaces them (a diverging log was truncated).
  EXPECT_TRUE(c.assign(5, 15));
  EXPECT_EQ(c.entries(), (entries{{0, 0}, {2, 10}, {5, 15}}));
  // A lower epoch removes the higher ones.
  EXPECT_TRUE(c.assign(3, 16));
  EXPECT_EQ(c.entries(), (entries{{0, 0}, {2, 10}, {3, 16}}));
  EXPECT_FALSE(c.assign(-1, 30));
  EXPECT_FALSE(c.assign(7, -1));
  EXPECT_EQ(c.start_offset_of(2), 10);
  EXPECT_FALSE(c.start_offset_of(1));
}

TEST_F(epoch_fixture, end_offset_for_follows_kafka) {
  leader_epoch_cache c(file);
  EXPECT_FALSE(c.end_offset_for(0, 100));  // empty
  c.assign(1, 0);
  c.assign(3, 10);
  c.assign(6, 25);
  const int64_t leo = 40;
  EXPECT_FALSE(c.end_offset_for(-1, leo));
  EXPECT_EQ(c.end_offset_for(6, leo), (std::pair<int32_t, int64_t>{6, leo}));  // latest: LEO
  EXPECT_EQ(c.end_offset_for(3, leo), (std::pair<int32_t, int64_t>{3, 25}));
  EXPECT_EQ(c.end_offset_for(4, leo), (std::pair<int32_t, int64_t>{3, 25}));  // unknown: floor epoch
  EXPECT_EQ(c.end_offset_for(1, leo), (std::pair<int32_t, int64_t>{1, 10}));
  EXPECT_EQ(c.end_offset_for(0, leo), (std::pair<int32_t, int64_t>{0, 0}));  // below all: first start
  EXPECT_FALSE(c.end_offset_for(7, leo));                                     // above all
}

TEST_F(epoch_fixture, truncation_at_both_ends) {
  leader_epoch_cache c(file);
  c.assign(1, 0);
  c.assign(3, 10);
  c.assign(6, 25);
  EXPECT_FALSE(c.truncate_from_end(26));
  EXPECT_TRUE(c.truncate_from_end(25));
  EXPECT_EQ(c.entries(), (entries{{1, 0}, {3, 10}}));
  c.assign(6, 25);
  EXPECT_FALSE(c.truncate_from_start(0));
  EXPECT_TRUE(c.truncate_from_start(12));  // epoch 3 still owns offset 12
  EXPECT_EQ(c.entries(), (entries{{3, 12}, {6, 25}}));
  EXPECT_TRUE(c.truncate_from_start(25));
  EXPECT_EQ(c.entries(), (entries{{6, 25}}));
  EXPECT_TRUE(c.truncate_from_start(30));
  EXPECT_EQ(c.entries(), (entries{{6, 30}}));
  EXPECT_TRUE(c.truncate_from_end(30));
  EXPECT_TRUE(c.entries().empty());
}

TEST_F(epoch_fixture, file_round_trip_and_format) {
  leader_epoch_cache c(file);
  c.assign(0, 0);
  c.assign(3, 1200);
  ASSERT_TRUE(c.flush());
  EXPECT_EQ(test::read_text(file), "0\n2\n0 0\n3 1200\n");
  auto back = leader_epoch_cache::load(file);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->entries(), c.entries());
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));

  auto missing = leader_epoch_cache::load(tmp.path() / "nope");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->entries().empty());

  for (const char* bad : {"0\n1\n3\n", "1\n1\n3 4\n", "0\n2\n3 4\n", "0\n2\n3 4\n2 9\n", "0\n1\nx 4\n", "0\n1\n-1 4\n"}) {
    std::filesystem::remove(file);
    test::append_to_file(file, bytes(reinterpret_cast<const uint8_t*>(bad),
                                     reinterpret_cast<const uint8_t*>(bad) + std::strlen(bad)));
    auto r = leader_epoch_cache::load(file);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error(), make_error_code(errc::invalid_checkpoint));
    }
  }
}

} // namespace
