#include "gregor/log/leader_epoch_cache.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>

#include "gregor/log/checkpoint_file.h"
#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

template <typename T>
bool parse_field(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "<epoch> <startOffset>", blanks between the fields.
bool parse_entry(std::string_view line, epoch_entry& out) {
  auto first_end = line.find_first_of(" \t");
  if (first_end == std::string_view::npos) return false;
  auto second_begin = line.find_first_not_of(" \t", first_end);
  if (second_begin == std::string_view::npos) return false;
  auto second = line.substr(second_begin);
  if (auto trail = second.find_first_of(" \t"); trail != std::string_view::npos) {
    if (second.find_first_not_of(" \t", trail) != std::string_view::npos) return false;
    second = second.substr(0, trail);
  }
  return parse_field(line.substr(0, first_end), out.epoch) && parse_field(second, out.start_offset);
}

} // namespace

result<leader_epoch_cache> leader_epoch_cache::load(std::filesystem::path path) {
  leader_epoch_cache cache(path);
  auto lines = checkpoint_file(std::move(path), 0).read_lines();
  if (!lines) return unexpected(lines.error());
  for (const auto& line : *lines) {
    epoch_entry e;
    if (!parse_entry(line, e) || e.epoch < 0 || e.start_offset < 0) {
      return unexpected(make_error_code(errc::invalid_checkpoint));
    }
    if (!cache._entries.empty() &&
        (e.epoch <= cache._entries.back().epoch || e.start_offset < cache._entries.back().start_offset)) {
      return unexpected(make_error_code(errc::invalid_checkpoint));
    }
    cache._entries.push_back(e);
  }
  return cache;
}

bool leader_epoch_cache::assign(int32_t epoch, int64_t start_offset) {
  if (epoch < 0 || start_offset < 0) return false;
  if (!_entries.empty() && _entries.back().epoch == epoch && _entries.back().start_offset <= start_offset) {
    return false;
  }
  while (!_entries.empty() && (_entries.back().epoch >= epoch || _entries.back().start_offset >= start_offset)) {
    _entries.pop_back();
  }
  _entries.push_back(epoch_entry{epoch, start_offset});
  return true;
}

bool leader_epoch_cache::truncate_from_end(int64_t end_offset) {
  size_t before = _entries.size();
  while (!_entries.empty() && _entries.back().start_offset >= end_offset) _entries.pop_back();
  return _entries.size() != before;
}

bool leader_epoch_cache::truncate_from_start(int64_t start_offset) {
  // Index of the last entry starting at or below start_offset.
  auto it = std::upper_bound(_entries.begin(), _entries.end(), start_offset,
                             [](int64_t off, const epoch_entry& e) { return off < e.start_offset; });
  if (it == _entries.begin()) return false;  // every entry starts above
  auto keep = std::prev(it);
  bool changed = keep != _entries.begin() || keep->start_offset != start_offset;
  keep->start_offset = start_offset;
  _entries.erase(_entries.begin(), keep);
  return changed;
}

std::optional<int32_t> leader_epoch_cache::latest_epoch() const {
  if (_entries.empty()) return std::nullopt;
  return _entries.back().epoch;
}

std::optional<int64_t> leader_epoch_cache::start_offset_of(int32_t epoch) const {
  for (const auto& e : _entries) {
    if (e.epoch == epoch) return e.start_offset;
  }
  return std::nullopt;
}

std::optional<std::pair<int32_t, int64_t>> leader_epoch_cache::end_offset_for(int32_t epoch,
                                                                              int64_t log_end_offset) const {
  if (epoch < 0 || _entries.empty()) return std::nullopt;
  if (_entries.back().epoch == epoch) return std::pair{epoch, log_end_offset};
  auto higher = std::upper_bound(_entries.begin(), _entries.end(), epoch,
                                 [](int32_t ep, const epoch_entry& e) { return ep < e.epoch; });
  if (higher == _entries.end()) return std::nullopt;  // above every known epoch
  if (higher == _entries.begin()) return std::pair{epoch, higher->start_offset};
  return std::pair{std::prev(higher)->epoch, higher->start_offset};
}

result<void> leader_epoch_cache::flush() const {
  std::vector<std::string> lines;
  lines.reserve(_entries.size());
  for (const auto& e : _entries) lines.push_back(std::to_string(e.epoch) + " " + std::to_string(e.start_offset));
  return checkpoint_file(_path, 0).write_lines(lines);
}

} // namespace gregor::log
