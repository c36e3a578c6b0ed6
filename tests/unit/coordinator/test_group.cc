// The in-memory group: allowed transitions, membership bookkeeping, protocol selection and the
// consumer subscriptions OffsetDelete and retention look at.

#include <gtest/gtest.h>

#include "group.h"

namespace gregor::group {
namespace {

bytes text(const std::string& s) { return bytes(s.begin(), s.end()); }

// ConsumerProtocol Subscription v0: version, [topics], user_data (null).
bytes subscription(const std::vector<std::string>& topics) {
  bytes b{0, 0};
  uint32_t n = static_cast<uint32_t>(topics.size());
  for (int shift : {24, 16, 8, 0}) b.push_back(static_cast<uint8_t>(n >> shift));
  for (const auto& t : topics) {
    b.push_back(static_cast<uint8_t>(t.size() >> 8));
    b.push_back(static_cast<uint8_t>(t.size()));
    b.insert(b.end(), t.begin(), t.end());
  }
  for (int i = 0; i < 4; ++i) b.push_back(0xff);
  return b;
}

member make_member(const std::string& id, std::vector<std::pair<std::string, bytes>> protocols,
                   std::optional<std::string> instance = std::nullopt) {
  member m;
  m.id = id;
  m.instance_id = std::move(instance);
  m.protocol_type = "consumer";
  m.protocols = std::move(protocols);
  m.session_timeout_ms = 10000;
  m.rebalance_timeout_ms = 30000;
  return m;
}

TEST(group_state, only_documented_transitions_are_allowed) {
  group g;
  EXPECT_FALSE(g.transition_to(group_state::stable, 1));
  EXPECT_FALSE(g.transition_to(group_state::completing_rebalance, 1));
  EXPECT_TRUE(g.transition_to(group_state::preparing_rebalance, 2));
  EXPECT_EQ(g.state_timestamp_ms, 2);
  EXPECT_FALSE(g.transition_to(group_state::stable, 3));
  EXPECT_TRUE(g.transition_to(group_state::completing_rebalance, 3));
  EXPECT_FALSE(g.transition_to(group_state::empty, 4));
  EXPECT_TRUE(g.transition_to(group_state::stable, 4));
  EXPECT_TRUE(g.transition_to(group_state::preparing_rebalance, 5));
  EXPECT_TRUE(g.transition_to(group_state::empty, 6));
  EXPECT_TRUE(g.transition_to(group_state::dead, 7));
  EXPECT_STREQ(state_name(g.state), "Dead");
}

TEST(group_state, first_member_leads_and_leadership_passes_on_removal) {
  group g;
  g.add(make_member("a", {{"range", {}}}));
  g.add(make_member("b", {{"range", {}}}));
  ASSERT_TRUE(g.leader);
  EXPECT_EQ(*g.leader, "a");
  EXPECT_EQ(*g.protocol_type, "consumer");
  g.remove("a");
  ASSERT_TRUE(g.leader);
  EXPECT_EQ(*g.leader, "b");
  g.remove("b");
  EXPECT_FALSE(g.leader);
}

TEST(group_state, protocol_support_requires_a_common_protocol_and_type) {
  group g;
  EXPECT_FALSE(g.supports_protocols("", {{"range", {}}}));
  EXPECT_FALSE(g.supports_protocols("consumer", {}));
  EXPECT_TRUE(g.supports_protocols("consumer", {{"range", {}}}));
  g.add(make_member("a", {{"range", {}}, {"roundrobin", {}}}));
  EXPECT_TRUE(g.supports_protocols("consumer", {{"roundrobin", {}}}));
  EXPECT_FALSE(g.supports_protocols("consumer", {{"sticky", {}}}));
  EXPECT_FALSE(g.supports_protocols("connect", {{"range", {}}}));
}

TEST(group_state, selected_protocol_is_the_most_preferred_common_one) {
  group g;
  g.add(make_member("a", {{"range", {}}, {"roundrobin", {}}}));
  g.add(make_member("b", {{"roundrobin", {}}, {"range", {}}}));
  g.add(make_member("c", {{"roundrobin", {}}, {"range", {}}, {"sticky", {}}}));
  EXPECT_EQ(g.select_protocol(), "roundrobin");
  g.remove("c");  // one vote each: the first member's preference breaks the tie
  EXPECT_EQ(g.select_protocol(), "range");
}

TEST(group_state, static_member_replacement_moves_leadership_and_fences_the_old_id) {
  group g;
  g.add(make_member("old", {{"range", {}}}, "instance-1"));
  g.add(make_member("other", {{"range", {}}}));
  g.replace_static_member("instance-1", "old", "new");
  EXPECT_FALSE(g.has("old"));
  EXPECT_TRUE(g.has("new"));
  EXPECT_EQ(*g.leader, "new");
  EXPECT_TRUE(g.is_static_member_fenced(std::string("instance-1"), "old"));
  EXPECT_FALSE(g.is_static_member_fenced(std::string("instance-1"), "new"));
  EXPECT_FALSE(g.is_static_member_fenced(std::nullopt, "old"));
}

TEST(group_state, all_members_joined_counts_waiting_members_and_pending_ids) {
  group g;
  auto a = make_member("a", {{"range", {}}});
  a.awaiting_join = [](join_group_result) {};
  g.add(std::move(a));
  EXPECT_TRUE(g.all_members_joined());
  g.pending_members["p"] = 1;
  EXPECT_FALSE(g.all_members_joined());
  g.pending_members.clear();
  g.add(make_member("b", {{"range", {}}}));
  EXPECT_FALSE(g.all_members_joined());
  EXPECT_TRUE(g.elect_joined_leader());
  EXPECT_EQ(*g.leader, "a");
}

TEST(group_state, subscribed_topics_come_from_consumer_subscriptions) {
  group g;
  g.add(make_member("a", {{"range", subscription({"t1", "t2"})}}));
  g.add(make_member("b", {{"range", subscription({"t3"})}}));
  EXPECT_FALSE(g.subscribed_topics());  // no protocol selected yet
  g.protocol = "range";
  auto topics = g.subscribed_topics();
  ASSERT_TRUE(topics);
  EXPECT_EQ(*topics, (std::set<std::string>{"t1", "t2", "t3"}));
  g.members.at("b").protocols[0].second = text("x");  // undecodable: unknown
  EXPECT_FALSE(g.subscribed_topics());
}

TEST(group_state, stored_form_of_an_empty_group_has_no_protocol_or_members) {
  group g;
  g.id = "g";
  g.protocol_type = "consumer";
  g.generation = 4;
  g.protocol = "range";
  g.leader = "x";
  auto s = g.to_stored({});
  EXPECT_EQ(s.protocol_type, "consumer");
  EXPECT_EQ(s.generation, 4);
  EXPECT_FALSE(s.protocol);
  EXPECT_FALSE(s.leader);
  EXPECT_TRUE(s.members.empty());
  g.add(make_member("a", {{"range", subscription({"t"})}}));
  auto s2 = g.to_stored({{"a", text("assignment")}});
  ASSERT_EQ(s2.members.size(), 1u);
  EXPECT_EQ(s2.members[0].subscription, subscription({"t"}));
  EXPECT_EQ(s2.members[0].assignment, text("assignment"));
  EXPECT_EQ(*s2.protocol, "range");
}

} // namespace
} // namespace gregor::group
