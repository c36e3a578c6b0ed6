#include "gregor/metadata/metadata_cache.h"

#include <gtest/gtest.h>
#include <thread>

using namespace gregor::metadata;

TEST(metadata_cache, readers_keep_their_snapshot) {
  metadata_cache cache;
  auto before = cache.snapshot();
  cache.update([](cluster_snapshot& s) {
    s.controller_id = 7;
    s.topics["t"].name = "t";
    s.topics["t"].partitions[0].leader = 7;
  });
  EXPECT_EQ(before->controller_id, -1);
  auto after = cache.snapshot();
  EXPECT_EQ(after->controller_id, 7);
  ASSERT_NE(after->find_partition("t", 0), nullptr);
  EXPECT_EQ(after->find_partition("t", 0)->leader, 7);
  EXPECT_EQ(after->find_partition("t", 1), nullptr);
}

TEST(metadata_cache, concurrent_updates_are_not_lost) {
  metadata_cache cache;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i) cache.update([](cluster_snapshot& s) { ++s.controller_id; });
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(cache.snapshot()->controller_id, -1 + 1000);
}
