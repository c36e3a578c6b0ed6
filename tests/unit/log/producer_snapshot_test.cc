#include "gregor/log/producer_snapshot.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "test_util.h"

namespace gregor::log {
namespace {

bytes from_hex(const std::string& hex) {
  bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Two producers, written by hand from ON-DISK-FORMAT §4 (CRC-32C computed independently):
//   1000: epoch 2, last batch seqs 5..9 at offsets 105..109, timestamp 1700000000000, no
//         coordinator epoch, no open transaction;
//   2000: epoch 0, last batch seqs 0..2 at 48..50, timestamp 1700000000500, coordinator epoch 3,
//         transaction open since 48.
const std::string golden_hex =
    "0001ea8ebbc30000000200000000000003e8000200000009000000000000006d"
    "000000040000018bcfe56800ffffffffffffffffffffffff00000000000007d0"
    "0000000000020000000000000032000000020000018bcfe569f4000000030000"
    "000000000030";

std::vector<producer_entry> golden_entries() {
  producer_entry a(1000);
  a.add_batch(2, {.first_seq = 5, .last_seq = 9, .last_offset = 109, .offset_delta = 4, .timestamp = 1'700'000'000'000});
  a.last_timestamp = 1'700'000'000'000;
  producer_entry b(2000);
  b.add_batch(0, {.first_seq = 0, .last_seq = 2, .last_offset = 50, .offset_delta = 2, .timestamp = 1'700'000'000'500});
  b.last_timestamp = 1'700'000'000'500;
  b.coordinator_epoch = 3;
  b.current_txn_first_offset = 48;
  return {a, b};
}

TEST(producer_snapshot_test, encodes_kafkas_layout_byte_for_byte) {
  const bytes encoded = encode_producer_snapshot(golden_entries());
  EXPECT_EQ(encoded, from_hex(golden_hex));
  EXPECT_EQ(encoded.size(), producer_snapshot_header_size + 2 * producer_snapshot_entry_size);
}

TEST(producer_snapshot_test, decodes_the_last_batch_of_each_producer) {
  auto decoded = decode_producer_snapshot(from_hex(golden_hex));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
  ASSERT_EQ(decoded->size(), 2u);
  const producer_entry& a = (*decoded)[0];
  EXPECT_EQ(a.producer_id, 1000);
  EXPECT_EQ(a.epoch, 2);
  ASSERT_EQ(a.batches().size(), 1u);
  EXPECT_EQ(a.batches()[0].first_seq, 5);
  EXPECT_EQ(a.batches()[0].last_seq, 9);
  EXPECT_EQ(a.batches()[0].first_offset(), 105);
  EXPECT_EQ(a.coordinator_epoch, -1);
  EXPECT_FALSE(a.has_open_txn());
  const producer_entry& b = (*decoded)[1];
  EXPECT_EQ(b.coordinator_epoch, 3);
  EXPECT_EQ(b.current_txn_first_offset, 48);
  EXPECT_EQ(b.last_timestamp, 1'700'000'000'500);
  // The loaded entry finds a retry of its last batch.
  EXPECT_TRUE(a.find_duplicate(2, 5, 9).has_value());
}

TEST(producer_snapshot_test, a_producer_without_batches_round_trips) {
  producer_entry fenced(7);
  fenced.epoch = 4;  // a marker raised the epoch; no data since
  fenced.coordinator_epoch = 1;
  fenced.last_timestamp = 99;
  auto decoded = decode_producer_snapshot(encode_producer_snapshot(std::vector{fenced}));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_FALSE((*decoded)[0].has_batches());
  EXPECT_EQ((*decoded)[0].epoch, 4);
  EXPECT_EQ((*decoded)[0].last_timestamp, 99);
}

TEST(producer_snapshot_test, a_batch_across_the_sequence_wrap_round_trips) {
  producer_entry e(1);
  e.add_batch(0, {.first_seq = 2147483646, .last_seq = 1, .last_offset = 13, .offset_delta = 3, .timestamp = 5});
  auto decoded = decode_producer_snapshot(encode_producer_snapshot(std::vector{e}));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ((*decoded)[0].batches()[0].first_seq, 2147483646);
}

TEST(producer_snapshot_test, damaged_files_are_rejected) {
  const bytes good = from_hex(golden_hex);
  auto rejected = [](bytes b) {
    auto r = decode_producer_snapshot(b);
    return !r.has_value() && r.error() == errc::corrupt_producer_state;
  };
  bytes flipped = good;
  flipped[40] ^= 0x01;
  EXPECT_TRUE(rejected(flipped));                                  // CRC
  bytes version = good;
  version[1] = 2;
  EXPECT_TRUE(rejected(version));                                  // version
  EXPECT_TRUE(rejected(bytes(good.begin(), good.end() - 1)));      // torn
  EXPECT_TRUE(rejected(bytes(good.begin(), good.begin() + 4)));    // shorter than the header
  bytes extra = good;
  extra.push_back(0);
  EXPECT_TRUE(rejected(extra));                                    // trailing byte
  EXPECT_TRUE(rejected(bytes{}));
}

TEST(producer_snapshot_test, files_are_written_listed_and_read_back) {
  test::temp_dir dir;
  ASSERT_TRUE(write_producer_snapshot(dir.path(), 110, golden_entries(), /*sync=*/true));
  ASSERT_TRUE(write_producer_snapshot(dir.path(), 51, golden_entries(), /*sync=*/false));
  std::ofstream(dir.path() / "00000000000000000051.snapshot.deleted") << "x";
  std::ofstream(dir.path() / "00000000000000000000.log") << "";
  auto listed = list_producer_snapshots(dir.path());
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ(*listed, (std::vector<int64_t>{51, 110}));
  EXPECT_EQ(filenames::snapshot_file(dir.path(), 110).filename(), "00000000000000000110.snapshot");
  auto read = read_producer_snapshot(filenames::snapshot_file(dir.path(), 110));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(encode_producer_snapshot(*read), from_hex(golden_hex));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "00000000000000000110.snapshot.tmp"));
}

} // namespace
} // namespace gregor::log
