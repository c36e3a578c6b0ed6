#include "gregor/log/filenames.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace gregor::log::filenames {
namespace {

constexpr size_t offset_digits = 20;

std::filesystem::path segment_path(const std::filesystem::path& dir, int64_t offset, std::string_view ext) {
  std::string name = offset_base_name(offset);
  name.append(ext);
  return dir / name;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_hex32(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

// Plain decimal non-negative int32 (no sign, no leading '+').
std::optional<int32_t> parse_partition(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

std::optional<topic_partition> parse_live(std::string_view name, bool topic_may_be_truncated) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0) return std::nullopt;
  auto topic = name.substr(0, dash);
  auto partition = parse_partition(name.substr(dash + 1));
  if (!partition) return std::nullopt;
  if (!is_valid_topic_name(topic) && !(topic_may_be_truncated && !topic.empty())) return std::nullopt;
  return topic_partition{std::string(topic), *partition};
}

std::string hex(const uuid& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(32);
  for (uint8_t b : id.bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string suffixed_dir_name(const topic_partition& tp, const uuid& id, std::string_view suffix) {
  // "<topic>-<p>.<hex><suffix>"; only the topic is shortened when the name would exceed 255.
  std::string tail = "-" + std::to_string(tp.partition) + "." + hex(id) + std::string(suffix);
  size_t keep = std::min(tp.topic.size(), max_dir_name_length - std::min(max_dir_name_length, tail.size()));
  return tp.topic.substr(0, keep) + tail;
}

} // namespace

std::string offset_base_name(int64_t offset) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(offset));
  return buf;
}

std::filesystem::path log_file(const std::filesystem::path& dir, int64_t base) { return segment_path(dir, base, log_ext); }
std::filesystem::path offset_index_file(const std::filesystem::path& dir, int64_t base) {
  return segment_path(dir, base, offset_index_ext);
}
std::filesystem::path time_index_file(const std::filesystem::path& dir, int64_t base) {
  return segment_path(dir, base, time_index_ext);
}
std::filesystem::path txn_index_file(const std::filesystem::path& dir, int64_t base) {
  return segment_path(dir, base, txn_index_ext);
}
std::filesystem::path snapshot_file(const std::filesystem::path& dir, int64_t offset) {
  return segment_path(dir, offset, snapshot_ext);
}

std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix) {
  auto p = path;
  p += std::string(suffix);
  return p;
}

std::optional<segment_file_name> parse_segment_file_name(std::string_view name) {
  if (name.size() <= offset_digits) return std::nullopt;
  auto digits = name.substr(0, offset_digits);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  int64_t offset = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;  // > INT64_MAX

  segment_file_name out;
  out.offset = offset;
  auto rest = name.substr(offset_digits);
  for (auto suffix : {deleted_suffix, cleaned_suffix, swap_suffix}) {
    if (ends_with(rest, suffix)) {
      out.suffix = suffix;
      rest = rest.substr(0, rest.size() - suffix.size());
      break;
    }
  }
  static constexpr std::pair<std::string_view, segment_file_kind> kinds[] = {
    {log_ext, segment_file_kind::log},
    {offset_index_ext, segment_file_kind::offset_index},
    {time_index_ext, segment_file_kind::time_index},
    {txn_index_ext, segment_file_kind::txn_index},
    {snapshot_ext, segment_file_kind::snapshot},
  };
  for (auto [ext, kind] : kinds) {
    if (rest == ext) {
      out.kind = kind;
      return out;
    }
  }
  return std::nullopt;
}

bool is_valid_topic_name(std::string_view topic) {
  if (topic.empty() || topic.size() > max_topic_length || topic == "." || topic == "..") return false;
  return std::all_of(topic.begin(), topic.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

std::string partition_dir_name(const topic_partition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

std::optional<partition_dir_name_parts> parse_partition_dir_name(std::string_view name) {
  static constexpr std::pair<std::string_view, partition_dir_kind> suffixed[] = {
    {delete_dir_suffix, partition_dir_kind::deleted},
    {future_dir_suffix, partition_dir_kind::future},
    {stray_dir_suffix, partition_dir_kind::stray},
  };
  for (auto [suffix, kind] : suffixed) {
    if (!ends_with(name, suffix)) continue;
    // "<topic>-<p>.<32 hex><suffix>"
    auto body = name.substr(0, name.size() - suffix.size());
    if (body.size() < 34 || body[body.size() - 33] != '.' || !is_hex32(body.substr(body.size() - 32))) {
      break;  // not this form; try as a live name (a topic may end in "-delete")
    }
    auto tp = parse_live(body.substr(0, body.size() - 33), kind == partition_dir_kind::deleted);
    if (!tp) return std::nullopt;
    return partition_dir_name_parts{std::move(*tp), kind};
  }
  auto tp = parse_live(name, false);
  if (!tp) return std::nullopt;
  return partition_dir_name_parts{std::move(*tp), partition_dir_kind::live};
}

std::string delete_dir_name(const topic_partition& tp, const uuid& id) {
  return suffixed_dir_name(tp, id, delete_dir_suffix);
}

std::string future_dir_name(const topic_partition& tp, const uuid& id) {
  return suffixed_dir_name(tp, id, future_dir_suffix);
}

} // namespace gregor::log::filenames
