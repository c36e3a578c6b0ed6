#include "gregor/common/uuid.h"

#include <gtest/gtest.h>

using namespace gregor;

TEST(uuid, base64url_round_trip) {
  for (int i = 0; i < 100; ++i) {
    uuid u = uuid::random();
    std::string text = u.to_base64url();
    ASSERT_EQ(text.size(), 22u);
    auto back = uuid::from_base64url(text);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, u);
    EXPECT_FALSE(u.is_zero());
  }
}

TEST(uuid, known_text) {
  // "Qm9vdHN0cmFwVG9waWNJZA" is the base64url of the 16 ASCII bytes "BootstrapTopicId".
  auto u = uuid::from_base64url("Qm9vdHN0cmFwVG9waWNJZA");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(std::string(u->bytes.begin(), u->bytes.end()), "BootstrapTopicId");
  EXPECT_EQ(u->to_base64url(), "Qm9vdHN0cmFwVG9waWNJZA");
  EXPECT_EQ(uuid{}.to_base64url(), "AAAAAAAAAAAAAAAAAAAAAA");
}

TEST(uuid, rejects_bad_text) {
  EXPECT_FALSE(uuid::from_base64url("short").has_value());
  EXPECT_FALSE(uuid::from_base64url("Qm9vdHN0cmFwVG9waWNJZ!").has_value());
  EXPECT_FALSE(uuid::from_base64url("Qm9vdHN0cmFwVG9waWNJZB").has_value());  // non-zero pad bits
}
