#pragma once
// How kafka-console-consumer prints a record: Kafka's DefaultMessageFormatter layout, driven by
// the --property print.* options. Pure functions; thread-safe.
//
//   [<ts type>:<ts><sep>][Partition:<p><sep>][Offset:<o><sep>][<headers><sep>][<key><sep>]<value><line sep>
//
// Each field is followed by key.separator when another field follows it, and the last one by
// line.separator (also when print.value=false).

#include <cstdint>
#include <map>
#include <string>

#include "gregor/client/types.h"

namespace gregor::tools {

struct formatter_options {
  bool print_timestamp = false;
  bool print_partition = false;
  bool print_offset = false;
  bool print_headers = false;
  bool print_key = false;
  bool print_value = true;
  std::string key_separator = "\t";
  std::string line_separator = "\n";
  std::string headers_separator = ",";
  std::string headers_key_separator = ":";
  std::string null_literal = "null";
};

// From --property key=value pairs; unknown keys are ignored.
formatter_options formatter_options_from(const std::map<std::string, std::string>& properties);

std::string format_record(const formatter_options& o, int32_t partition, const client::consumer_record& r);

} // namespace gregor::tools
