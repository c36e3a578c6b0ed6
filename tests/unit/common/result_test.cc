#include "gregor/common/result.h"

#include <gtest/gtest.h>
#include <string>

using namespace gregor;

namespace {
result<int> parse(bool ok) {
  if (!ok) return unexpected(std::make_error_code(std::errc::invalid_argument));
  return 42;
}
} // namespace

TEST(result, value_and_error) {
  auto a = parse(true);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 42);
  auto b = parse(false);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), std::errc::invalid_argument);
  result<void> v;
  EXPECT_TRUE(v);
  result<std::string> s = std::string("x");
  EXPECT_EQ(s->size(), 1u);
}
