#pragma once
// Helpers shared by the command-line tools: command-line parsing and usage errors, "k=v"
// properties, Kafka's topic include-list regex, number parsing, and the compression-codec option.
// Pure functions (apart from the streams they print to); thread-safe.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace gregor::tools {

// Adds --version and parses the command line into `app`'s options. Returns false when the process
// should exit with `exit_code` instead of running: help and version (printed on `out`) exit 0,
// usage errors (printed by CLI11 on `err`) exit 1, as Kafka's tools do (CLI11 has its own codes).
bool parse_command_line(CLI::App& app, int argc, char** argv, std::ostream& out, std::ostream& err, int& exit_code);

// A usage error found after parsing: the message and a hint on `err`, `exit_code` 1 (Kafka prints
// the message and its usage). Returns nullopt so that an options parser can `return` it.
std::nullopt_t usage_error(std::ostream& err, int& exit_code, const std::string& message);

// Splits each "key=value" at the first '='. Returns the offending entry in `bad` (and nullopt)
// when an entry has no '=' or an empty key.
std::optional<std::map<std::string, std::string>> parse_key_values(const std::vector<std::string>& entries,
                                                                   std::string* bad = nullptr);

// Reads a Java-style properties file: "k=v" or "k:v" lines, '#'/'!' comments, blanks ignored
// (no line continuations or escapes). nullopt if the file cannot be read.
std::optional<std::map<std::string, std::string>> read_properties_file(const std::string& path);

// Kafka's IncludeList: commas become alternation, spaces are dropped, and the whole topic name
// must match. Throws std::regex_error on an invalid pattern (startup-time input).
std::regex topic_include_regex(std::string_view pattern);
bool matches(const std::regex& re, const std::string& topic);

std::optional<int64_t> parse_int64(std::string_view s);
std::optional<int32_t> parse_int32(std::string_view s);
// "true"/"false", case-insensitive, as Java's Boolean.parseBoolean (anything else is false).
bool parse_bool(std::string_view s);

// Kafka accepts "--compression-codec" without a value, meaning gzip. CLI11 wants a value, so
// this inserts "gzip" after a bare --compression-codec (last argument, or followed by another
// option). Returns the rewritten argument vector.
std::vector<std::string> expand_bare_codec_flag(int argc, char** argv);

// "1:2,2:3" -> {0: [1, 2], 1: [2, 3]}. nullopt on a malformed entry.
std::optional<std::map<int32_t, std::vector<int32_t>>> parse_replica_assignment(std::string_view text);

// Joins ints with ",".
std::string join_ids(const std::vector<int32_t>& ids);

} // namespace gregor::tools
