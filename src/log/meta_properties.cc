#include "gregor/log/meta_properties.h"

#include <charconv>
#include <ctime>

#include "file_util.h"
#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

constexpr size_t max_meta_bytes = 64 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\f' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\f' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Undoes the escapes Java's Properties.store writes for the characters our values can contain.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c == 'f' ? '\f' : c);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool parse_int32(const std::string& s, int32_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

} // namespace

std::map<std::string, std::string> parse_java_properties(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    size_t sep = std::string_view::npos;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\') {
        ++i;
        continue;
      }
      if (line[i] == '=' || line[i] == ':') {
        sep = i;
        break;
      }
    }
    if (sep == std::string_view::npos) {
      out[unescape(line)] = "";
    } else {
      out[unescape(trim(line.substr(0, sep)))] = unescape(trim(line.substr(sep + 1)));
    }
  }
  return out;
}

result<std::optional<meta_properties>> meta_properties::read(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<meta_properties>{};
  auto text = detail::read_small_file(file, max_meta_bytes);
  if (!text) return unexpected(text.error());
  meta_properties mp;
  mp.raw = parse_java_properties(*text);
  auto version = mp.raw.find("version");
  if (version == mp.raw.end() || !parse_int32(version->second, mp.version)) {
    return unexpected(make_error_code(errc::meta_properties_invalid));
  }
  if (auto it = mp.raw.find("broker.id"); it != mp.raw.end()) {
    int32_t id = 0;
    if (!parse_int32(it->second, id)) return unexpected(make_error_code(errc::meta_properties_invalid));
    mp.broker_id = id;
  }
  if (auto it = mp.raw.find("cluster.id"); it != mp.raw.end()) mp.cluster_id = it->second;
  return std::optional<meta_properties>(std::move(mp));
}

result<void> meta_properties::write(const std::filesystem::path& file, int64_t now_ms) const {
  std::time_t secs = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char date[64];
  std::strftime(date, sizeof date, "%a %b %d %H:%M:%S UTC %Y", &tm);
  std::string text = "#\n#";
  text += date;
  text += "\nversion=" + std::to_string(version) + "\n";
  if (broker_id) text += "broker.id=" + std::to_string(*broker_id) + "\n";
  if (cluster_id) text += "cluster.id=" + *cluster_id + "\n";
  return detail::write_file_atomically(file, text);
}

} // namespace gregor::log
