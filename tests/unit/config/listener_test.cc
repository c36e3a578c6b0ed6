#include "gregor/config/listener.h"

#include <gtest/gtest.h>

#include "gregor/config/config_error.h"

namespace gregor::config {
namespace {

std::map<std::string, std::string> default_map() {
  return parse_security_protocol_map("PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL");
}

std::string error_of(std::string_view text, bool distinct = true) {
  try {
    parse_listeners(text, "listeners", default_map(), distinct);
  } catch (const config_error& e) {
    return e.what();
  }
  return "";
}

TEST(listeners, parses_names_hosts_ports) {
  auto ls = parse_listeners("PLAINTEXT://:9092, ssl://broker1.example.com:9093", "listeners", default_map(), true);
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0], (listener{"PLAINTEXT", "", 9092, "PLAINTEXT"}));
  EXPECT_EQ(ls[1], (listener{"SSL", "broker1.example.com", 9093, "SSL"}));
}

TEST(listeners, ipv6_in_brackets) {
  auto ls = parse_listeners("PLAINTEXT://[::1]:9092,SSL://[fe80::1%eth0]:0", "listeners", default_map(), true);
  ASSERT_EQ(ls.size(), 2u);
  EXPECT_EQ(ls[0].host, "::1");
  EXPECT_EQ(ls[1].host, "fe80::1%eth0");
  EXPECT_EQ(ls[1].port, 0);
  EXPECT_EQ(to_string(ls[0]), "PLAINTEXT://[::1]:9092");
}

TEST(listeners, custom_names_map_through_protocol_map) {
  auto map = parse_security_protocol_map("internal:PLAINTEXT, EXTERNAL:sasl_ssl");
  auto ls = parse_listeners("INTERNAL://10.0.0.1:9092,external://0.0.0.0:9094", "listeners", map, true);
  EXPECT_EQ(ls[0].security_protocol, "PLAINTEXT");
  EXPECT_EQ(ls[1].name, "EXTERNAL");
  EXPECT_EQ(ls[1].security_protocol, "SASL_SSL");
  EXPECT_NE(error_of("FOO://:9092"), "");
  EXPECT_NE(error_of("FOO://:9092").find("No security protocol defined for listener FOO"), std::string::npos);
}

TEST(listeners, empty_list) { EXPECT_TRUE(parse_listeners("  ", "listeners", default_map(), true).empty()); }

TEST(listeners, malformed_entries_are_errors) {
  for (const char* bad : {"PLAINTEXT:9092", "PLAINTEXT://host", "PLAINTEXT://host:port", "PLAINTEXT://host:70000",
                          "PLAINTEXT://host:-1", "://host:1", "PLAINTEXT://::1:9092", "PLAINTEXT://[::1:9092",
                          "PLAINTEXT://ho st:1"}) {
    std::string e = error_of(bad);
    EXPECT_NE(e.find("Unable to parse"), std::string::npos) << bad << " -> " << e;
  }
}

TEST(listeners, duplicate_names_and_ports) {
  EXPECT_NE(error_of("PLAINTEXT://:9092,PLAINTEXT://:9093").find("different name"), std::string::npos);
  EXPECT_NE(error_of("PLAINTEXT://:9092,SSL://:9092").find("different port"), std::string::npos);
  EXPECT_EQ(error_of("PLAINTEXT://:0,SSL://:0"), "");                        // ephemeral ports may repeat
  EXPECT_EQ(error_of("PLAINTEXT://a:9092,SSL://b:9092", /*distinct=*/false), "");  // advertised may share
}

TEST(listeners, protocol_map_errors) {
  EXPECT_THROW(parse_security_protocol_map("A:PLAINTEXT,A:SSL"), config_error);
  EXPECT_THROW(parse_security_protocol_map("A:TLS"), config_error);
  EXPECT_THROW(parse_security_protocol_map("A"), config_error);
}

}  // namespace
}  // namespace gregor::config
