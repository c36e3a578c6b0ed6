#pragma once
// An spdlog sink writing one log file that rolls every hour, as Kafka's log4j configuration does
// (DailyRollingFileAppender, DatePattern '.'yyyy-MM-dd-HH): lines go to <path>; the first line of a
// new hour renames <path> to <path>.<yyyy-MM-dd-HH of the hour the file covers> and opens a new
// <path>. Unlike log4j, the rolled files are bounded: only the newest `max_rolled` are kept.
//
// Every line is flushed when written (log4j's ImmediateFlush), so `tail -f` and a post-mortem
// after kill -9 see every line. Hours are local time, as the timestamps in the lines are.
//
// Thread safety: base_sink<std::mutex> serialises log() and flush(); one sink may be shared by
// many loggers on many threads. Writing never throws: a file that cannot be (re)opened drops lines
// (stderr still has them).

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>

namespace gregor::detail {

class hourly_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
public:
  // Opens (appends to) `path`. When the file already exists, its modification time says which hour
  // it covers, so a broker restarted in a later hour rolls it at its first line, as log4j does.
  // Throws std::runtime_error when the file cannot be opened.
  hourly_file_sink(std::filesystem::path path, std::size_t max_rolled);
  ~hourly_file_sink() override;

  hourly_file_sink(const hourly_file_sink&) = delete;
  hourly_file_sink& operator=(const hourly_file_sink&) = delete;

  // "yyyy-MM-dd-HH" of the local hour holding `t`: the suffix of a file rolled for that hour.
  static std::string hour_suffix(std::chrono::system_clock::time_point t);

protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;

private:
  void start_period(std::chrono::system_clock::time_point t);
  void roll();
  void prune();

  std::filesystem::path _path;
  std::size_t _max_rolled;
  std::FILE* _file = nullptr;
  std::string _period_suffix;                      // the hour the open file covers
  std::chrono::system_clock::time_point _next_roll;  // the start of the next hour
};

} // namespace gregor::detail
