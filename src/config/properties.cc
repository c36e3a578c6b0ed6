#include "gregor/config/properties.h"

#include <algorithm>
#include <cstdint>

#include "gregor/config/config_error.h"

namespace gregor::config {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f'; }
bool is_eol(char c) { return c == '\n' || c == '\r'; }

// Splits the text into logical lines: comment and blank lines dropped, continuations joined
// (the escaping backslash removed, the next line's leading whitespace skipped). Escapes other
// than the continuation are left in place for unescape(); a backslash pair stays a pair.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    // Start of a natural line: skip leading whitespace and blank lines.
    while (i < n && (is_space(text[i]) || is_eol(text[i]))) ++i;
    if (i >= n) break;
    if (text[i] == '#' || text[i] == '!') {
      while (i < n && !is_eol(text[i])) ++i;
      continue;
    }
    std::string line;
    for (;;) {
      std::size_t start = i;
      while (i < n && !is_eol(text[i])) ++i;
      std::string_view piece = text.substr(start, i - start);
      // Count the backslashes that end this piece: an odd count escapes the line break.
      std::size_t slashes = 0;
      while (slashes < piece.size() && piece[piece.size() - 1 - slashes] == '\\') ++slashes;
      bool continued = (slashes % 2) == 1;
      if (continued) piece.remove_suffix(1);
      line.append(piece);
      // Consume exactly one line terminator (\r\n counts as one).
      if (i < n && text[i] == '\r') {
        ++i;
        if (i < n && text[i] == '\n') ++i;
      } else if (i < n && text[i] == '\n') {
        ++i;
      }
      if (!continued || i >= n) break;
      // Continuation: the next line's leading whitespace is dropped; a blank next line ends the
      // logical line (Java's LineReader behaves the same way).
      while (i < n && is_space(text[i])) ++i;
      if (i >= n || is_eol(text[i])) break;
    }
    out.push_back(std::move(line));
  }
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the four hex digits after "\u" at s[pos]; throws on malformed input as Java does.
uint32_t read_hex4(std::string_view s, std::size_t pos) {
  if (pos + 4 > s.size()) throw config_error("Malformed \\uxxxx encoding in properties text");
  uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    char c = s[pos + k];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else throw config_error("Malformed \\uxxxx encoding in properties text");
  }
  return v;
}

std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= s.size()) break;  // a lone trailing backslash is dropped
    c = s[i];
    switch (c) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        uint32_t unit = read_hex4(s, i + 1);
        i += 4;
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 2 < s.size() &&
            s[i + 1] == '\\' && s[i + 2] == 'u') {
          uint32_t low = read_hex4(s, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
            i += 6;
            break;
          }
        }
        // A lone surrogate has no UTF-8 form: substitute U+FFFD.
        append_utf8(out, (unit >= 0xD800 && unit <= 0xDFFF) ? 0xFFFD : unit);
        break;
      }
      default: out.push_back(c); break;
    }
  }
  return out;
}

// Java's String.trim(), which Kafka applies to every value: drops characters <= U+0020.
std::string_view trim(std::string_view s) {
  auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_properties(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& line : logical_lines(text)) {
    // The key ends at the first unescaped '=', ':' or whitespace.
    std::size_t key_end = 0;
    std::size_t value_start = line.size();
    bool has_separator = false;
    bool escaped = false;
    for (; key_end < line.size(); ++key_end) {
      char c = line[key_end];
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c == '\\') {
        escaped = true;
        continue;
      }
      if (c == '=' || c == ':') {
        has_separator = true;
        value_start = key_end + 1;
        break;
      }
      if (is_space(c)) {
        value_start = key_end + 1;
        break;
      }
    }
    // After whitespace, one '=' or ':' may still follow as the separator.
    while (value_start < line.size()) {
      char c = line[value_start];
      if (!is_space(c)) {
        if (!has_separator && (c == '=' || c == ':')) has_separator = true;
        else break;
      }
      ++value_start;
    }
    std::string key = unescape(std::string_view(line).substr(0, key_end));
    std::string raw_value = unescape(std::string_view(line).substr(std::min(value_start, line.size())));
    out.emplace_back(std::move(key), std::string(trim(raw_value)));
  }
  return out;
}

}  // namespace gregor::config
