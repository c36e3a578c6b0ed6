#include <gtest/gtest.h>

#include "gregor/client/bootstrap.h"
#include "gregor/client/errc.h"

namespace gregor::client {
namespace {

TEST(BootstrapTest, ParsesCommaSeparatedList) {
  auto r = parse_bootstrap_servers("a:9092, b.example:19092 ,,[::1]:9093");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (broker_address{"a", 9092}));
  EXPECT_EQ((*r)[1], (broker_address{"b.example", 19092}));
  EXPECT_EQ((*r)[2], (broker_address{"::1", 9093}));
  EXPECT_EQ(to_string((*r)[2]), "[::1]:9093");
  EXPECT_EQ(to_string((*r)[0]), "a:9092");
}

TEST(BootstrapTest, RejectsBadEntries) {
  for (const char* bad : {"", " , ", "host", "host:", ":9092", "host:0", "host:65536", "host:12x", "::1:9092", "[::1]9092"}) {
    auto r = parse_bootstrap_servers(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error(), client_errc::invalid_argument) << bad;
    }
  }
}

} // namespace
} // namespace gregor::client
