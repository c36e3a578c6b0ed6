#include "gregor/config/properties.h"

#include <gtest/gtest.h>

#include "gregor/config/config_error.h"

namespace gregor::config {
namespace {

using kv = std::vector<std::pair<std::string, std::string>>;

TEST(parse_properties, separators_equals_colon_and_whitespace) {
  EXPECT_EQ(parse_properties("a=1\nb: 2\nc 3\nd\t4\ne = 5\nf  :  6\n"),
            (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}}));
}

TEST(parse_properties, only_the_first_separator_counts) {
  EXPECT_EQ(parse_properties("url=http://x:1/a=b\nk = = v\n"), (kv{{"url", "http://x:1/a=b"}, {"k", "= v"}}));
}

TEST(parse_properties, comments_and_blank_lines) {
  EXPECT_EQ(parse_properties("# comment\n! also comment\n\n   \n  # indented comment\nk=v # not a comment\n"),
            (kv{{"k", "v # not a comment"}}));
}

TEST(parse_properties, comment_lines_do_not_continue) {
  EXPECT_EQ(parse_properties("# comment \\\nk=v\n"), (kv{{"k", "v"}}));
}

TEST(parse_properties, leading_whitespace_ignored_and_values_trimmed) {
  EXPECT_EQ(parse_properties("   \t\fkey=  value  \t\n"), (kv{{"key", "value"}}));
}

TEST(parse_properties, key_without_value) {
  EXPECT_EQ(parse_properties("lonely\nempty=\n"), (kv{{"lonely", ""}, {"empty", ""}}));
}

TEST(parse_properties, continuation_drops_leading_whitespace) {
  EXPECT_EQ(parse_properties("list=a,\\\n     b,\\\n\t c\nnext=1\n"), (kv{{"list", "a,b,c"}, {"next", "1"}}));
}

TEST(parse_properties, continuation_line_starting_with_hash_is_value) {
  EXPECT_EQ(parse_properties("k=a\\\n  #b\n"), (kv{{"k", "a#b"}}));
}

TEST(parse_properties, even_backslashes_do_not_continue) {
  EXPECT_EQ(parse_properties("path=c:\\\\\nnext=1\n"), (kv{{"path", "c:\\"}, {"next", "1"}}));
}

TEST(parse_properties, continuation_into_blank_line_ends_the_value) {
  EXPECT_EQ(parse_properties("k=a\\\n   \nb=2\n"), (kv{{"k", "a"}, {"b", "2"}}));
}

TEST(parse_properties, continuation_at_end_of_file) {
  EXPECT_EQ(parse_properties("k=a\\"), (kv{{"k", "a"}}));
}

TEST(parse_properties, crlf_and_cr_line_endings) {
  EXPECT_EQ(parse_properties("a=1\r\nb=2\rc=3\r\nd=x\\\r\n  y\r\n"),
            (kv{{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "xy"}}));
}

TEST(parse_properties, escapes) {
  auto p = parse_properties("k=a\\tb\\nc\\rd\\fe\\\\f\\qg\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].second, "a\tb\nc\rd\fe\\fqg");
}

TEST(parse_properties, unicode_escapes_become_utf8) {
  auto p = parse_properties("k=\\u0041\\u00e9\\u20AC\\uD83D\\uDE00\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].second, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
}

TEST(parse_properties, lone_surrogate_becomes_replacement_char) {
  auto p = parse_properties("k=\\uD800x\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].second, "\xEF\xBF\xBDx");
}

TEST(parse_properties, malformed_unicode_escape_throws) {
  EXPECT_THROW(parse_properties("k=\\u12G4\n"), config_error);
  EXPECT_THROW(parse_properties("k=\\u12"), config_error);
}

TEST(parse_properties, escaped_separators_in_keys) {
  EXPECT_EQ(parse_properties("a\\=b=c\nx\\:y:z\nsp\\ ace=v\n"),
            (kv{{"a=b", "c"}, {"x:y", "z"}, {"sp ace", "v"}}));
}

TEST(parse_properties, escaped_trailing_space_is_still_trimmed_like_kafka) {
  EXPECT_EQ(parse_properties("k=v\\ \n"), (kv{{"k", "v"}}));
}

TEST(parse_properties, duplicates_kept_in_order) {
  EXPECT_EQ(parse_properties("k=1\nk=2\n"), (kv{{"k", "1"}, {"k", "2"}}));
}

TEST(parse_properties, no_trailing_newline) { EXPECT_EQ(parse_properties("k=v"), (kv{{"k", "v"}})); }

}  // namespace
}  // namespace gregor::config
