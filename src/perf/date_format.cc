#include "date_format.h"

#include <ctime>

namespace gregor::perf {

namespace {

void append_padded(std::string& out, int64_t value, size_t width) {
  std::string digits = std::to_string(value);
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

} // namespace

std::string format_epoch_ms(int64_t epoch_ms, const std::string& pattern) {
  std::time_t secs = static_cast<std::time_t>(epoch_ms / 1000);
  int64_t millis = epoch_ms % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {  // quoted literal; '' is a single quote
      size_t end = pattern.find('\'', i + 1);
      if (end == i + 1) {
        out += '\'';
        i += 2;
        continue;
      }
      if (end == std::string::npos) end = pattern.size();
      out.append(pattern, i + 1, end - i - 1);
      i = end + 1;
      continue;
    }
    size_t run = 1;
    while (i + run < pattern.size() && pattern[i + run] == c) ++run;
    switch (c) {
      case 'y':
        if (run == 2) append_padded(out, (tm.tm_year + 1900) % 100, 2);
        else append_padded(out, tm.tm_year + 1900, run);
        break;
      case 'M': append_padded(out, tm.tm_mon + 1, run); break;
      case 'd': append_padded(out, tm.tm_mday, run); break;
      case 'H': append_padded(out, tm.tm_hour, run); break;
      case 'm': append_padded(out, tm.tm_min, run); break;
      case 's': append_padded(out, tm.tm_sec, run); break;
      case 'S': append_padded(out, millis, run); break;
      default: out.append(run, c); break;
    }
    i += run;
  }
  return out;
}

} // namespace gregor::perf
