#include <gtest/gtest.h>

#include "gregor/client/api_version_table.h"
#include "gregor/protocol/api.h"

namespace gregor::client {
namespace {

constexpr int16_t key(protocol::api_key k) { return static_cast<int16_t>(k); }

protocol::api_versions_response advertised(std::vector<std::tuple<int16_t, int16_t, int16_t>> entries) {
  protocol::api_versions_response r;
  for (auto [k, lo, hi] : entries) {
    auto& e = r.api_keys.emplace_back();
    e.api_key = k;
    e.min_version_ = lo;
    e.max_version_ = hi;
  }
  return r;
}

TEST(ApiVersionTableTest, PicksTheHighestCommonVersion) {
  auto t = api_version_table::from_response(advertised({{key(protocol::api_key::metadata), 0, 12},
                                                        {key(protocol::api_key::produce), 0, 7},
                                                        {key(protocol::api_key::fetch), 4, 17}}));
  EXPECT_EQ(t.negotiate(key(protocol::api_key::metadata), {1, 9}), 9);   // ours is lower
  EXPECT_EQ(t.negotiate(key(protocol::api_key::metadata), {1, 20}), 12); // the broker's is lower
  EXPECT_EQ(t.negotiate(key(protocol::api_key::produce)), 7);
  // Fetch is capped at 12 (topic names); the broker's 17 is not used.
  EXPECT_EQ(t.negotiate(key(protocol::api_key::fetch)), 12);
}

TEST(ApiVersionTableTest, NoOverlapOrMissingApiGivesNothing) {
  auto t = api_version_table::from_response(advertised({{key(protocol::api_key::produce), 0, 2},
                                                        {key(protocol::api_key::list_offsets), 5, 9}}));
  EXPECT_EQ(t.negotiate(key(protocol::api_key::produce)), std::nullopt);  // we need >= 3
  EXPECT_EQ(t.negotiate(key(protocol::api_key::list_offsets), {1, 4}), std::nullopt);
  EXPECT_EQ(t.negotiate(key(protocol::api_key::metadata)), std::nullopt);  // not advertised
  EXPECT_EQ(t.negotiate(key(protocol::api_key::join_group)), std::nullopt);  // not advertised
  EXPECT_EQ(t.negotiate(key(protocol::api_key::leader_and_isr)), std::nullopt);  // never sent by us
}

TEST(ApiVersionTableTest, IgnoresNonsenseRanges) {
  auto t = api_version_table::from_response(advertised({{key(protocol::api_key::metadata), 5, 2}}));
  EXPECT_FALSE(t.broker_range(key(protocol::api_key::metadata)));
  EXPECT_TRUE(t.empty());
}

TEST(ApiVersionTableTest, ClientRangesMatchTheSemanticCaps) {
  EXPECT_EQ(client_range(key(protocol::api_key::produce))->min, 3);
  EXPECT_EQ(client_range(key(protocol::api_key::metadata))->min, 1);
  EXPECT_EQ(client_range(key(protocol::api_key::fetch))->max, 12);
  EXPECT_EQ(client_range(key(protocol::api_key::api_versions))->max, protocol::api_versions_request::max_version);
  EXPECT_FALSE(client_range(key(protocol::api_key::leader_and_isr)));
}

TEST(ApiVersionTableTest, ApiVersionsFallbackFollowsTheAdvertisedMax) {
  // Broker max 3 answers our v4 with UNSUPPORTED_VERSION and {18, 0, 3}: retry at 3.
  EXPECT_EQ(api_versions_retry_version(4, advertised({{18, 0, 3}})), 3);
  // The advertised max is never above sent - 1.
  EXPECT_EQ(api_versions_retry_version(2, advertised({{18, 0, 3}})), 1);
  // No entry for ApiVersions: v0.
  EXPECT_EQ(api_versions_retry_version(3, advertised({})), 0);
  // Nothing below v0.
  EXPECT_EQ(api_versions_retry_version(0, advertised({{18, 0, 3}})), std::nullopt);
}

} // namespace
} // namespace gregor::client
