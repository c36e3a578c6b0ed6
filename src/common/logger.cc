#include "gregor/common/logger.h"

#include <mutex>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace gregor {

std::shared_ptr<spdlog::logger> get_logger(const std::string& name) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = spdlog::stderr_color_mt(name);
  logger->set_pattern("[%Y-%m-%d %H:%M:%S,%e] %^%l%$ [%n] %v");
  logger->set_level(spdlog::default_logger()->level());
  return logger;
}

void set_log_level(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  spdlog::set_level(lvl);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
}

} // namespace gregor
