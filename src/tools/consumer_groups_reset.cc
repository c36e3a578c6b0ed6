#include "consumer_groups_reset.h"

#include <cctype>
#include <chrono>

#include "cli_util.h"

namespace gregor::tools {

namespace {

// Reads exactly `n` digits at `pos`.
std::optional<int> digits(std::string_view s, size_t& pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// A signed decimal integer (optional '+'/'-') at `pos`; at least one digit. `pos` is left
// unchanged when there is none.
std::optional<int64_t> signed_number(std::string_view s, size_t& pos) {
  size_t p = pos;
  bool negative = false;
  if (p < s.size() && (s[p] == '+' || s[p] == '-')) negative = s[p++] == '-';
  size_t first_digit = p;
  while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
  if (p == first_digit || p - first_digit > 18) return std::nullopt;
  auto v = parse_int64(s.substr(first_digit, p - first_digit));
  if (!v) return std::nullopt;
  pos = p;
  return negative ? -*v : *v;
}

char upper(char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); }

} // namespace

std::optional<topic_arg> parse_topic_arg(std::string_view text, std::string& error) {
  topic_arg out;
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    out.topic = std::string(text);
    return out;
  }
  const std::string arg(text);
  std::string_view parts = text.substr(colon + 1);
  if (text.find(':', colon + 1) != std::string_view::npos || colon == 0 || parts.empty()) {
    error = "Invalid topic arg '" + arg + "', expected topic name and partitions";
    return std::nullopt;
  }
  out.topic = std::string(text.substr(0, colon));
  while (true) {
    auto comma = parts.find(',');
    auto one = parts.substr(0, comma);
    auto p = parse_int32(one);
    if (!p || one.find_first_of(" \t") != std::string_view::npos) {
      error = "Invalid partition '" + std::string(one) + "' specified in topic arg '" + arg + "''";
      return std::nullopt;
    }
    out.partitions.push_back(*p);
    if (comma == std::string_view::npos) break;
    parts = parts.substr(comma + 1);
  }
  return out;
}

std::optional<int64_t> parse_reset_datetime(std::string_view s) {
  size_t pos = 0;
  auto year = digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  auto month = digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  auto day = digits(s, pos, 2);
  if (!day || !expect(s, pos, 'T')) return std::nullopt;
  auto hour = digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  auto minute = digits(s, pos, 2);
  if (!minute || !expect(s, pos, ':')) return std::nullopt;
  auto second = digits(s, pos, 2);
  if (!second) return std::nullopt;
  int64_t millis = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start || pos - start > 9) return std::nullopt;
    // SimpleDateFormat's "SSS" reads the digits as a number of milliseconds.
    millis = *parse_int64(s.substr(start, pos - start));
  }
  int64_t offset_minutes = 0;
  if (pos < s.size()) {
    char sign = s[pos++];
    if (sign == 'Z') {
      if (pos != s.size()) return std::nullopt;
    } else if (sign == '+' || sign == '-') {
      auto zh = digits(s, pos, 2);
      if (!zh) return std::nullopt;
      int zm = 0;
      if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        auto m = digits(s, pos, 2);
        if (!m) return std::nullopt;
        zm = *m;
      }
      if (pos != s.size() || *zh > 23 || zm > 59) return std::nullopt;
      offset_minutes = (sign == '+' ? 1 : -1) * (*zh * 60 + zm);
    } else {
      return std::nullopt;
    }
  }
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                     std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  auto days_since_epoch = sys_days(ymd).time_since_epoch();
  int64_t ms = duration_cast<milliseconds>(days_since_epoch).count() +
               ((int64_t{*hour} * 60 + *minute) * 60 + *second) * 1000 + millis - offset_minutes * 60'000;
  return ms;
}

std::optional<int64_t> parse_iso_duration_ms(std::string_view s) {
  size_t pos = 0;
  int64_t sign = 1;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) sign = s[pos++] == '-' ? -1 : 1;
  if (pos >= s.size() || upper(s[pos]) != 'P') return std::nullopt;
  ++pos;
  int64_t total = 0;
  bool any = false;
  constexpr int64_t ms_per_day = 86'400'000;
  // Days.
  size_t save = pos;
  if (auto n = signed_number(s, pos); n) {
    if (pos < s.size() && upper(s[pos]) == 'D') {
      ++pos;
      total += *n * ms_per_day;
      any = true;
    } else {
      pos = save;
    }
  }
  if (pos < s.size() && upper(s[pos]) == 'T') {
    ++pos;
    bool any_time = false;
    for (char unit : {'H', 'M', 'S'}) {
      save = pos;
      auto n = signed_number(s, pos);
      if (!n) continue;
      int64_t fraction_ms = 0;
      if (unit == 'S' && pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
        ++pos;
        size_t start = pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
        if (pos - start > 9) return std::nullopt;
        std::string frac(s.substr(start, pos - start));
        frac.resize(3, '0');
        fraction_ms = *parse_int64(frac);
        if (*n < 0 || (*n == 0 && s[save] == '-')) fraction_ms = -fraction_ms;
      }
      if (pos >= s.size() || upper(s[pos]) != unit) {
        pos = save;
        continue;
      }
      ++pos;
      int64_t scale = unit == 'H' ? 3'600'000 : unit == 'M' ? 60'000 : 1000;
      total += *n * scale + fraction_ms;
      any_time = true;
    }
    if (!any_time) return std::nullopt;
    any = true;
  }
  if (!any || pos != s.size()) return std::nullopt;
  return sign * total;
}

int64_t clamp_offset(int64_t requested, std::optional<int64_t> log_start, std::optional<int64_t> log_end) {
  if (log_end && requested > *log_end) return *log_end;
  if (log_start && requested < *log_start) return *log_start;
  return requested;
}

std::optional<reset_plan> parse_reset_csv(std::string_view text, const std::optional<std::string>& single_group,
                                          std::string& error) {
  reset_plan plan;
  size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::vector<std::string_view> cells;
    while (true) {
      auto comma = line.find(',');
      cells.push_back(line.substr(0, comma));
      if (comma == std::string_view::npos) break;
      line = line.substr(comma + 1);
    }
    std::string group;
    size_t first = 0;
    if (cells.size() == 3 && single_group) {
      group = *single_group;
    } else if (cells.size() == 4) {
      group = std::string(cells[0]);
      first = 1;
    } else {
      error = "Invalid reset plan line " + std::to_string(line_no) + ": expected " +
              (single_group ? "topic,partition,offset" : "group,topic,partition,offset");
      return std::nullopt;
    }
    auto partition = parse_int32(cells[first + 1]);
    auto offset = parse_int64(cells[first + 2]);
    if (!partition || !offset || cells[first].empty()) {
      error = "Invalid reset plan line " + std::to_string(line_no);
      return std::nullopt;
    }
    plan[group][topic_partition{std::string(cells[first]), *partition}] = *offset;
  }
  return plan;
}

} // namespace gregor::tools
