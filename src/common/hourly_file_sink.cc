#include "hourly_file_sink.h"

#include <algorithm>
#include <ctime>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace gregor::detail {

namespace {

std::tm local_tm(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  localtime_r(&secs, &tm);
  return tm;
}

// The first instant of the local hour after the one holding `t` (mktime normalises hour 24 and
// daylight-saving changes).
std::chrono::system_clock::time_point next_hour(std::chrono::system_clock::time_point t) {
  std::tm tm = local_tm(t);
  tm.tm_min = 0;
  tm.tm_sec = 0;
  tm.tm_hour += 1;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm));
}

// True for "yyyy-MM-dd-HH".
bool is_hour_suffix(const std::string& s) {
  if (s.size() != 13) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 4 || i == 7 || i == 10;
    if (dash ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
  }
  return true;
}

} // namespace

hourly_file_sink::hourly_file_sink(std::filesystem::path path, std::size_t max_rolled)
  : _path(std::move(path)), _max_rolled(max_rolled) {
  auto start = std::chrono::system_clock::now();
  std::error_code ec;
  if (std::filesystem::file_size(_path, ec) > 0 && !ec) {
    auto mtime = std::filesystem::last_write_time(_path, ec);
    if (!ec) start = std::chrono::file_clock::to_sys(mtime);
  }
  _file = std::fopen(_path.c_str(), "ab");
  if (_file == nullptr) {
    throw std::runtime_error("cannot open log file " + _path.string() + ": " +
                             std::generic_category().message(errno));
  }
  start_period(start);
}

hourly_file_sink::~hourly_file_sink() {
  if (_file != nullptr) std::fclose(_file);
}

std::string hourly_file_sink::hour_suffix(std::chrono::system_clock::time_point t) {
  std::tm tm = local_tm(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d-%H", &tm);
  return buf;
}

void hourly_file_sink::start_period(std::chrono::system_clock::time_point t) {
  _period_suffix = hour_suffix(t);
  _next_roll = next_hour(t);
}

void hourly_file_sink::sink_it_(const spdlog::details::log_msg& msg) {
  if (msg.time >= _next_roll) {
    roll();
    start_period(msg.time);
  }
  if (_file == nullptr) return;
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  std::fwrite(formatted.data(), 1, formatted.size(), _file);
  std::fflush(_file);
}

void hourly_file_sink::flush_() {
  if (_file != nullptr) std::fflush(_file);
}

void hourly_file_sink::roll() {
  if (_file != nullptr) {
    std::fclose(_file);
    _file = nullptr;
  }
  std::filesystem::path rolled = _path;
  rolled += "." + _period_suffix;
  std::error_code ec;
  std::filesystem::rename(_path, rolled, ec);  // replaces an older file of that name, as log4j does
  _file = std::fopen(_path.c_str(), "ab");
  prune();
}

void hourly_file_sink::prune() {
  std::string prefix = _path.filename().string() + ".";
  std::vector<std::filesystem::path> rolled;
  std::error_code ec;
  auto dir = _path.has_parent_path() ? _path.parent_path() : std::filesystem::path(".");
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        is_hour_suffix(name.substr(prefix.size()))) {
      rolled.push_back(it->path());
    }
  }
  if (rolled.size() <= _max_rolled) return;
  std::sort(rolled.begin(), rolled.end());  // the suffixes sort by time
  for (std::size_t i = 0; i + _max_rolled < rolled.size(); ++i) std::filesystem::remove(rolled[i], ec);
}

} // namespace gregor::detail
