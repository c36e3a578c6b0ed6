#pragma once
// Logging goes through spdlog. Include this only from .cc files (spdlog and fmt are heavy).
// Each module logs through a named logger so operators can tell subsystems apart.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace gregor {

// Returns the process-wide logger called `name`, creating it on first use.
std::shared_ptr<spdlog::logger> get_logger(const std::string& name);

// Sets every logger's level from a name ("trace", "debug", "info", "warn", "error").
void set_log_level(const std::string& level);

} // namespace gregor
