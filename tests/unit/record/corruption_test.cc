// Randomized corruption: flip bytes of valid payloads many times. validate_batches must never
// crash and must never accept a batch whose CRC does not match its bytes; decode_records must
// agree with it.

#include <gtest/gtest.h>

#include <random>

#include "gregor/record/batch_builder.h"
#include "gregor/record/record.h"
#include "gregor/record/validate.h"
#include "test_batches.h"

namespace gregor::record {
namespace {

bytes sample_payload() {
  batch_builder plain;
  plain.add(10, as_bytes("key"), as_bytes("value"), {{"h", testing::str("x")}});
  plain.add(11, std::nullopt, as_bytes("second"));
  batch_builder packed(compression::codec::lz4);
  for (int i = 0; i < 20; ++i) packed.add(100 + i, std::nullopt, as_bytes("repeated value"));
  batch_builder snappy(compression::codec::snappy);
  snappy.add(5, as_bytes("s"), as_bytes("snappy"));
  return testing::concat({plain.build(), packed.build(), snappy.build()});
}

TEST(corruption, random_flips_never_pass_with_a_bad_crc) {
  const bytes original = sample_payload();
  ASSERT_TRUE(validate_batches(original, {}));
  std::mt19937 rng(20240611);
  int accepted = 0;
  for (int i = 0; i < 10000; ++i) {
    bytes m = original;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    auto r = validate_batches(m, {});
    if (!r) continue;
    ++accepted;
    for (const auto& info : *r) {
      bytes_view whole = bytes_view(m).subspan(info.position, info.header.total_size());
      ASSERT_TRUE(crc_matches(whole)) << "iteration " << i;
      ASSERT_TRUE(decode_records(whole)) << "iteration " << i;
    }
  }
  // Flips in base_offset / partition_leader_epoch (outside the CRC) are legitimately accepted;
  // make sure the loop exercised both outcomes.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 10000);
}

TEST(corruption, truncations_and_garbage_never_crash) {
  const bytes original = sample_payload();
  for (size_t cut = 0; cut < original.size(); ++cut) {
    auto r = validate_batches(bytes_view(original).first(cut), {});
    if (r) {
      // Only a cut exactly between batches can succeed.
      size_t end = r->empty() ? 0 : r->back().position + r->back().header.total_size();
      EXPECT_EQ(end, cut);
    }
    (void)decode_records(bytes_view(original).first(cut));
    (void)split_batches(bytes_view(original).first(cut));
  }
  std::mt19937 rng(3);
  for (int i = 0; i < 2000; ++i) {
    bytes junk(rng() % 200);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() > magic_offset) junk[magic_offset] = 2;
    EXPECT_FALSE(validate_batches(junk, {}) && !junk.empty());
  }
}

} // namespace
} // namespace gregor::record
