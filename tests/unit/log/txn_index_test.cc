#include "gregor/log/txn_index.h"

#include <gtest/gtest.h>

#include <fstream>

#include "gregor/log/errc.h"
#include "test_util.h"

namespace gregor::log {
namespace {

aborted_txn txn(int64_t pid, int64_t first, int64_t last, int64_t lso) {
  return {.producer_id = pid, .first_offset = first, .last_offset = last, .last_stable_offset = lso};
}

std::filesystem::path index_file(const test::temp_dir& dir) { return dir.path() / "00000000000000000000.txnindex"; }

TEST(txn_index_test, an_entry_is_kafkas_34_bytes) {
  // version 0, producer 7, first 100, last 150, LSO 160 (ON-DISK-FORMAT §3).
  const bytes expected = {0, 0, 0, 0, 0, 0, 0, 0, 0, 7,   0, 0, 0, 0, 0, 0, 0, 100,
                          0, 0, 0, 0, 0, 0, 0, 150, 0, 0, 0, 0, 0, 0, 0, 160};
  EXPECT_EQ(encode_txn_index(std::vector{txn(7, 100, 150, 160)}), expected);
  auto decoded = decode_txn_index(expected);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ((*decoded)[0], txn(7, 100, 150, 160));
}

TEST(txn_index_test, the_file_is_created_at_the_first_entry_and_read_back) {
  test::temp_dir dir;
  txn_index index(index_file(dir));
  auto none = index.entries();
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(std::filesystem::exists(index.file()));
  ASSERT_TRUE(index.append(txn(1, 0, 5, 6)));
  ASSERT_TRUE(index.append(txn(2, 3, 9, 10)));
  ASSERT_TRUE(index.flush());
  EXPECT_EQ(std::filesystem::file_size(index.file()), 2 * txn_index_entry_size);
  // Marker offsets must increase.
  EXPECT_FALSE(index.append(txn(3, 1, 9, 10)));

  txn_index reopened(index_file(dir));
  auto entries = reopened.entries();
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[1], txn(2, 3, 9, 10));
}

TEST(txn_index_test, truncation_drops_entries_whose_marker_is_cut) {
  test::temp_dir dir;
  txn_index index(index_file(dir));
  ASSERT_TRUE(index.append(txn(1, 0, 5, 6)));
  ASSERT_TRUE(index.append(txn(2, 3, 9, 10)));
  ASSERT_TRUE(index.truncate_to(9));
  EXPECT_EQ(std::filesystem::file_size(index.file()), txn_index_entry_size);
  txn_index reopened(index_file(dir));
  EXPECT_EQ(reopened.entries()->size(), 1u);
  ASSERT_TRUE(index.append(txn(4, 7, 12, 13)));  // appends continue after the cut
  EXPECT_EQ(txn_index(index_file(dir)).entries()->size(), 2u);
  ASSERT_TRUE(index.reset());
  EXPECT_FALSE(std::filesystem::exists(index.file()));
}

TEST(txn_index_test, a_damaged_file_is_corrupt) {
  test::temp_dir dir;
  std::ofstream(index_file(dir), std::ios::binary) << std::string(33, '\0');
  auto odd = txn_index(index_file(dir)).entries();
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error(), errc::corrupt_index);
  std::string bad_version(34, '\0');
  bad_version[1] = 1;
  std::ofstream(index_file(dir), std::ios::binary | std::ios::trunc) << bad_version;
  auto version = txn_index(index_file(dir)).entries();
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error(), errc::corrupt_index);
}

TEST(txn_index_test, collect_reports_aborts_overlapping_the_fetch_and_stops_at_a_stable_one) {
  test::temp_dir dir;
  txn_index index(index_file(dir));
  ASSERT_TRUE(index.append(txn(1, 0, 5, 6)));     // ended before the fetch
  ASSERT_TRUE(index.append(txn(2, 8, 20, 12)));   // overlaps; another txn kept the LSO at 12
  ASSERT_TRUE(index.append(txn(3, 12, 30, 31)));  // overlaps; LSO 31 reaches the upper bound
  ASSERT_TRUE(index.append(txn(4, 31, 40, 41)));  // starts past the upper bound

  aborted_txn_search search;
  ASSERT_TRUE(index.collect(/*fetch_offset=*/10, /*upper_bound=*/25, search));
  ASSERT_EQ(search.found.size(), 2u);
  EXPECT_EQ(search.found[0].producer_id, 2);
  EXPECT_EQ(search.found[1].producer_id, 3);
  EXPECT_TRUE(search.complete);

  aborted_txn_search open_ended;
  ASSERT_TRUE(index.collect(35, 100, open_ended));
  ASSERT_EQ(open_ended.found.size(), 1u);
  EXPECT_EQ(open_ended.found[0].producer_id, 4);
  EXPECT_FALSE(open_ended.complete);  // later segments may hold more
}

} // namespace
} // namespace gregor::log
