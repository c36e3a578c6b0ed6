#include "message_formatter.h"

#include "cli_util.h"

namespace gregor::tools {

formatter_options formatter_options_from(const std::map<std::string, std::string>& p) {
  formatter_options o;
  auto flag = [&](const char* key, bool& out) {
    if (auto it = p.find(key); it != p.end()) out = parse_bool(it->second);
  };
  auto text = [&](const char* key, std::string& out) {
    if (auto it = p.find(key); it != p.end()) out = it->second;
  };
  flag("print.timestamp", o.print_timestamp);
  flag("print.partition", o.print_partition);
  flag("print.offset", o.print_offset);
  flag("print.headers", o.print_headers);
  flag("print.key", o.print_key);
  flag("print.value", o.print_value);
  text("key.separator", o.key_separator);
  text("line.separator", o.line_separator);
  text("headers.separator", o.headers_separator);
  text("headers.key.separator", o.headers_key_separator);
  text("null.literal", o.null_literal);
  return o;
}

std::string format_record(const formatter_options& o, int32_t partition, const client::consumer_record& r) {
  std::string out;
  auto separator = [&](bool more_columns) { out += more_columns ? o.key_separator : o.line_separator; };
  auto append_bytes = [&](const std::optional<bytes>& b) {
    if (!b) {
      out += o.null_literal;
    } else {
      out.append(reinterpret_cast<const char*>(b->data()), b->size());
    }
  };
  if (o.print_timestamp) {
    out += r.ts_type == client::timestamp_type::log_append_time ? "LogAppendTime:" : "CreateTime:";
    out += std::to_string(r.timestamp);
    separator(o.print_partition || o.print_offset || o.print_headers || o.print_key || o.print_value);
  }
  if (o.print_partition) {
    out += "Partition:" + std::to_string(partition);
    separator(o.print_offset || o.print_headers || o.print_key || o.print_value);
  }
  if (o.print_offset) {
    out += "Offset:" + std::to_string(r.offset);
    separator(o.print_headers || o.print_key || o.print_value);
  }
  if (o.print_headers) {
    if (r.headers.empty()) {
      out += "NO_HEADERS";
    } else {
      for (size_t i = 0; i < r.headers.size(); ++i) {
        if (i > 0) out += o.headers_separator;
        out += r.headers[i].key + o.headers_key_separator;
        append_bytes(r.headers[i].value);
      }
    }
    separator(o.print_key || o.print_value);
  }
  if (o.print_key) {
    append_bytes(r.key);
    separator(o.print_value);
  }
  if (o.print_value) {
    append_bytes(r.value);
    out += o.line_separator;
  }
  return out;
}

} // namespace gregor::tools
