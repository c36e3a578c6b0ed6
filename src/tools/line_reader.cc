#include "line_reader.h"

#include "cli_util.h"

namespace gregor::tools {

line_reader_options line_reader_options_from(const std::map<std::string, std::string>& p) {
  line_reader_options o;
  if (auto it = p.find("parse.key"); it != p.end()) o.parse_key = parse_bool(it->second);
  if (auto it = p.find("key.separator"); it != p.end()) o.key_separator = it->second;
  if (auto it = p.find("ignore.error"); it != p.end()) o.ignore_error = parse_bool(it->second);
  if (auto it = p.find("null.marker"); it != p.end()) o.null_marker = it->second;
  return o;
}

result<parsed_line, std::string> parse_line(const line_reader_options& o, std::string_view line, size_t line_number) {
  auto nullable = [&](std::string_view s) -> std::optional<std::string> {
    if (o.null_marker && s == *o.null_marker) return std::nullopt;
    return std::string(s);
  };
  parsed_line out;
  if (!o.parse_key) {
    out.value = nullable(line);
    return out;
  }
  auto sep = o.key_separator.empty() ? std::string_view::npos : line.find(o.key_separator);
  if (sep == std::string_view::npos) {
    if (!o.ignore_error) {
      return unexpected(std::string("No key separator found on line number ") + std::to_string(line_number) + ": '" +
                        std::string(line) + "'");
    }
    out.value = nullable(line);
    return out;
  }
  out.key = nullable(line.substr(0, sep));
  out.value = nullable(line.substr(sep + o.key_separator.size()));
  return out;
}

} // namespace gregor::tools
