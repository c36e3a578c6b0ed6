#include "roundtrip_support.h"

namespace gregor::protocol::test_support {

void check_all_versions(int16_t min_version, int16_t max_version, run_fn run) {
  for (int16_t v = min_version; v <= max_version; ++v) {
    for (uint32_t seed = 0; seed < 4; ++seed) {
      SCOPED_TRACE("version " + std::to_string(v) + " seed " + std::to_string(seed));
      const roundtrip_outcome o = run(v, seed, seed == 0);
      EXPECT_FALSE(o.equals_default) << "filled message compares equal to a default one";
      ASSERT_TRUE(o.decoded) << o.error;
      EXPECT_EQ(o.left_over, 0u);
      EXPECT_TRUE(o.equal) << "decoded message differs";
      EXPECT_TRUE(o.reencoded_same) << "re-encoding differs";
      EXPECT_EQ(o.prefixes_accepted, 0u) << "a strict prefix decoded successfully";
    }
  }
}

} // namespace gregor::protocol::test_support
