#include <gtest/gtest.h>

#include <set>

#include "gregor/protocol/error_code.h"

namespace gregor::protocol {
namespace {

TEST(error_code, numbers_and_names) {
  EXPECT_EQ(static_cast<int16_t>(error_code::unknown_server_error), -1);
  EXPECT_EQ(static_cast<int16_t>(error_code::none), 0);
  EXPECT_EQ(static_cast<int16_t>(error_code::not_leader_or_follower), 6);
  EXPECT_EQ(static_cast<int16_t>(error_code::unsupported_version), 35);
  EXPECT_EQ(static_cast<int16_t>(error_code::invalid_request), 42);
  EXPECT_EQ(static_cast<int16_t>(error_code::invalid_record), 87);
  EXPECT_EQ(static_cast<int16_t>(error_code::unknown_topic_id), 100);
  EXPECT_EQ(static_cast<int16_t>(error_code::fetch_session_topic_id_error), 106);
  EXPECT_EQ(error_name(error_code::not_leader_or_follower), "NOT_LEADER_OR_FOLLOWER");
  EXPECT_EQ(error_name(error_code::unsupported_version), "UNSUPPORTED_VERSION");
  EXPECT_EQ(error_name(error_code::delegation_token_expired), "DELEGATION_TOKEN_EXPIRED");
  EXPECT_EQ(error_name(static_cast<error_code>(500)), "UNKNOWN");
}

TEST(error_code, every_code_from_minus_one_to_106_has_a_distinct_name) {
  std::set<std::string_view> names;
  for (int c = -1; c <= 106; ++c) {
    auto name = error_name(static_cast<error_code>(c));
    EXPECT_NE(name, "UNKNOWN") << c;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 108u);
}

TEST(error_code, retriable_flags) {
  EXPECT_TRUE(is_retriable(error_code::not_leader_or_follower));
  EXPECT_TRUE(is_retriable(error_code::leader_not_available));
  EXPECT_TRUE(is_retriable(error_code::not_coordinator));
  EXPECT_TRUE(is_retriable(error_code::not_controller));
  EXPECT_TRUE(is_retriable(error_code::unknown_topic_or_partition));
  EXPECT_FALSE(is_retriable(error_code::none));
  EXPECT_FALSE(is_retriable(error_code::unsupported_version));
  EXPECT_FALSE(is_retriable(error_code::invalid_request));
  EXPECT_FALSE(is_retriable(error_code::producer_fenced));
  EXPECT_FALSE(is_retriable(error_code::offset_out_of_range));
}

} // namespace
} // namespace gregor::protocol
