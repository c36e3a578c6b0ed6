#pragma once
// Parser for the java.util.Properties text format used by Kafka's server.properties.
//
// Supported: `#` and `!` comment lines; `key=value`, `key: value` and `key value`; leading
// whitespace (space, tab, form feed) ignored; a line ending in an odd number of backslashes
// continues on the next line, whose leading whitespace is dropped; escapes \t \n \r \f \\ and
// \uXXXX (UTF-16, surrogate pairs combined, emitted as UTF-8); any other escaped character stands
// for itself, so separators can be escaped in keys (`a\=b=c` is key "a=b", value "c").
// Values are trimmed at both ends, as Kafka's ConfigDef does when it parses them.
// Input bytes are taken as UTF-8 (Java reads ISO-8859-1; non-ASCII keys are not used in practice).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gregor::config {

// Returns the key/value pairs in file order, duplicates included (the caller lets the last one
// win, as Properties does). Throws config_error on a malformed \uXXXX escape.
std::vector<std::pair<std::string, std::string>> parse_properties(std::string_view text);

}  // namespace gregor::config
