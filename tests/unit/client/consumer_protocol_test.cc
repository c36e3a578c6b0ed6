#include <gtest/gtest.h>

#include "gregor/client/consumer_protocol.h"
#include "gregor/client/errc.h"

namespace gregor::client {
namespace {

bytes hex(std::initializer_list<int> v) {
  bytes out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(ConsumerProtocolTest, SubscriptionBytesAreJavasLayout) {
  consumer_subscription s;
  s.topics = {"t"};
  // v0: version, [topics], user_data (null).
  EXPECT_EQ(encode_subscription(s, 0), hex({0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff}));
  // v1 adds the owned partitions (an empty array).
  EXPECT_EQ(encode_subscription(s, 1), hex({0, 1, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}));
}

TEST(ConsumerProtocolTest, AssignmentBytesAreJavasLayout) {
  consumer_assignment a;
  a.partitions["t"] = {0, 1};
  EXPECT_EQ(encode_assignment(a, 0),
            hex({0, 0, 0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff}));
}

TEST(ConsumerProtocolTest, RoundTripsEveryVersion) {
  consumer_subscription s;
  s.topics = {"a", "b"};
  s.user_data = bytes{1, 2, 3};
  s.owned_partitions["a"] = {2, 0};
  s.generation_id = 7;
  s.rack_id = "r1";
  auto v3 = decode_subscription(encode_subscription(s, 3));
  ASSERT_TRUE(v3);
  EXPECT_EQ(*v3, s);
  auto v1 = decode_subscription(encode_subscription(s, 1));
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->owned_partitions, s.owned_partitions);
  EXPECT_EQ(v1->generation_id, -1);  // not in v1
  EXPECT_FALSE(v1->rack_id);
  auto v0 = decode_subscription(encode_subscription(s, 0));
  ASSERT_TRUE(v0);
  EXPECT_TRUE(v0->owned_partitions.empty());
  EXPECT_EQ(v0->user_data, s.user_data);

  consumer_assignment a;
  a.partitions["x"] = {3, 4};
  a.partitions["y"] = {0};
  for (int16_t v = 0; v <= 3; ++v) {
    auto back = decode_assignment(encode_assignment(a, v));
    ASSERT_TRUE(back) << v;
    EXPECT_EQ(*back, a) << v;
  }
}

TEST(ConsumerProtocolTest, NewerVersionsAreReadAsTheNewestKnown) {
  consumer_subscription s;
  s.topics = {"t"};
  bytes data = encode_subscription(s, 3);
  data[1] = 9;          // a future version...
  data.push_back(0x42);  // ...with a field we do not know appended
  auto back = decode_subscription(data);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->topics, s.topics);
}

TEST(ConsumerProtocolTest, EmptyAssignmentAndGarbage) {
  auto empty = decode_assignment(bytes{});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->partitions.empty());
  EXPECT_FALSE(decode_assignment(hex({0, 0, 0, 0, 0, 5})));  // count larger than the bytes left
  EXPECT_FALSE(decode_subscription(hex({0xff, 0xff})));       // negative version
  EXPECT_FALSE(decode_subscription(hex({0})));                // truncated version
  auto truncated = decode_subscription(hex({0, 0, 0, 0, 0, 1, 0, 3, 'a'}));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error(), client_errc::malformed_response);
}

TEST(RangeAssignorTest, SplitsContiguousRangesFirstMembersGetTheRemainder) {
  std::vector<assignor_member> members = {{"c", {}, {"t"}}, {"a", {}, {"t"}}, {"b", {}, {"t"}}};
  auto plan = range_assign(members, {{"t", 7}});
  EXPECT_EQ(plan["a"]["t"], (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(plan["b"]["t"], (std::vector<int32_t>{3, 4}));
  EXPECT_EQ(plan["c"]["t"], (std::vector<int32_t>{5, 6}));

  auto six = range_assign(members, {{"t", 6}});
  EXPECT_EQ(six["a"]["t"], (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(six["b"]["t"], (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(six["c"]["t"], (std::vector<int32_t>{4, 5}));
}

TEST(RangeAssignorTest, MoreMembersThanPartitionsLeavesSomeEmpty) {
  std::vector<assignor_member> members = {{"m1", {}, {"t"}}, {"m2", {}, {"t"}}, {"m3", {}, {"t"}}};
  auto plan = range_assign(members, {{"t", 2}});
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan["m1"]["t"], (std::vector<int32_t>{0}));
  EXPECT_EQ(plan["m2"]["t"], (std::vector<int32_t>{1}));
  EXPECT_TRUE(plan["m3"].empty());
}

TEST(RangeAssignorTest, StaticMembersSortFirstAndTopicsAreIndependent) {
  std::vector<assignor_member> members = {
    {"a-dynamic", {}, {"x", "y"}},
    {"z-static", std::string("inst-1"), {"x"}},
  };
  auto plan = range_assign(members, {{"x", 3}, {"y", 2}, {"unused", 4}});
  EXPECT_EQ(plan["z-static"]["x"], (std::vector<int32_t>{0, 1}));  // instance ids before member ids
  EXPECT_EQ(plan["a-dynamic"]["x"], (std::vector<int32_t>{2}));
  EXPECT_EQ(plan["a-dynamic"]["y"], (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(plan["z-static"].count("y"), 0u);
  // A subscribed topic without metadata gets no assignment.
  auto missing = range_assign(members, {{"y", 1}});
  EXPECT_TRUE(missing["z-static"].empty());
}

} // namespace
} // namespace gregor::client
