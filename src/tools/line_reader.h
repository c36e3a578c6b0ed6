#pragma once
// How kafka-console-producer turns an input line into a record: Kafka's LineMessageReader,
// configured by --property parse.key / key.separator / ignore.error / null.marker.
// Pure functions; thread-safe.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gregor/common/result.h"

namespace gregor::tools {

struct line_reader_options {
  bool parse_key = false;
  std::string key_separator = "\t";
  bool ignore_error = false;               // a line without the separator becomes a keyless value
  std::optional<std::string> null_marker;  // a key or value equal to it is sent as null
};

line_reader_options line_reader_options_from(const std::map<std::string, std::string>& properties);

struct parsed_line {
  std::optional<std::string> key;
  std::optional<std::string> value;
};

// Splits at the first key separator when parse.key is on. Error (the message Kafka prints) when
// the separator is missing and ignore.error is off. `line_number` counts from 1.
result<parsed_line, std::string> parse_line(const line_reader_options& o, std::string_view line, size_t line_number);

} // namespace gregor::tools
