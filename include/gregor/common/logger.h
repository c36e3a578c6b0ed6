#pragma once
// Logging goes through spdlog. Include this only from .cc files (spdlog and fmt are heavy).
// Each module logs through a named logger so operators can tell subsystems apart.
//
// Every logger writes to stderr, as "[2024-05-01 13:45:12,345] info [controller] message".
// After enable_log_files(dir) the broker also writes Kafka's files there (log4j.properties of
// Kafka's distribution, hourly rolling), in Kafka's layout "[%d] %p %m (%c)":
//   [2024-05-01 13:45:12,345] INFO broker 0 is the controller (epoch 3) (controller)
// The files:
//   controller.log      the "controller" logger
//   state-change.log    the "state.change.logger" logger (every partition and replica state change)
//   log-cleaner.log     the "log.cleaner" logger
//   server.log          every other logger
// As in Kafka (additivity=false), the three dedicated loggers are not repeated in server.log.
//
// Thread safety: get_logger and set_log_level may be called from any thread.

#include <cstddef>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace gregor {

// Returns the process-wide logger called `name`, creating it on first use.
std::shared_ptr<spdlog::logger> get_logger(const std::string& name);

// Sets every logger's level from a name ("trace", "debug", "info", "warn", "error").
void set_log_level(const std::string& level);

// Rolled files of each log kept by enable_log_files: one week of hours.
inline constexpr std::size_t default_rolled_log_files = 168;

// Starts writing the log files described above in `dir` (created if missing; files are appended
// to), keeping at most `max_rolled` rolled files per log. Loggers created before the call get the
// files too. Call it once, at startup, before other threads log. Throws std::runtime_error when
// the directory or a file cannot be created.
void enable_log_files(const std::string& dir, std::size_t max_rolled = default_rolled_log_files);

} // namespace gregor
