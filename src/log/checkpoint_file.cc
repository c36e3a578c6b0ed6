#include "gregor/log/checkpoint_file.h"

#include <charconv>
#include <string_view>

#include "file_util.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"

namespace gregor::log {
namespace {

// A checkpoint lists at most every partition of a broker; far beyond any real file.
constexpr size_t max_checkpoint_bytes = 256u << 20;

template <typename T>
bool parse_int(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

} // namespace

result<std::vector<std::string>> checkpoint_file::read_lines() const {
  std::error_code ec;
  if (!std::filesystem::exists(_path, ec)) return std::vector<std::string>{};
  auto text = detail::read_small_file(_path, max_checkpoint_bytes);
  if (!text) return unexpected(text.error());
  std::vector<std::string_view> lines;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  if (lines.empty()) return std::vector<std::string>{};  // an empty file holds nothing (as Kafka reads it)
  int32_t version = 0;
  int64_t count = 0;
  if (lines.size() < 2 || !parse_int(lines[0], version) || version != _version || !parse_int(lines[1], count) ||
      count < 0 || static_cast<size_t>(count) != lines.size() - 2) {
    return unexpected(make_error_code(errc::invalid_checkpoint));
  }
  return std::vector<std::string>(lines.begin() + 2, lines.end());
}

result<void> checkpoint_file::write_lines(const std::vector<std::string>& lines) const {
  std::string text = std::to_string(_version) + "\n" + std::to_string(lines.size()) + "\n";
  for (const auto& line : lines) {
    if (line.find('\n') != std::string::npos) return unexpected(make_error_code(errc::invalid_checkpoint));
    text += line;
    text += '\n';
  }
  return detail::write_file_atomically(_path, text);
}

result<offset_map> read_offset_checkpoint(const std::filesystem::path& path) {
  auto lines = checkpoint_file(path, 0).read_lines();
  if (!lines) return unexpected(lines.error());
  offset_map out;
  for (const auto& line : *lines) {
    auto fields = split_blanks(line);
    topic_partition tp;
    int64_t offset = 0;
    if (fields.size() != 3 || !filenames::is_valid_topic_name(fields[0]) || !parse_int(fields[1], tp.partition) ||
        tp.partition < 0 || !parse_int(fields[2], offset)) {
      return unexpected(make_error_code(errc::invalid_checkpoint));
    }
    tp.topic = std::string(fields[0]);
    out[std::move(tp)] = offset;
  }
  return out;
}

result<void> write_offset_checkpoint(const std::filesystem::path& path, const offset_map& offsets) {
  std::vector<std::string> lines;
  lines.reserve(offsets.size());
  for (const auto& [tp, offset] : offsets) {
    lines.push_back(tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(offset));
  }
  return checkpoint_file(path, 0).write_lines(lines);
}

} // namespace gregor::log
