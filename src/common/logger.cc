#include "gregor/common/logger.h"

#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include "hourly_file_sink.h"

namespace gregor {

namespace {

// log4j's level names (%p): spdlog's "warning" is WARN, "critical" is FATAL.
class level_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string_view name = level_name(msg.level);
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override { return std::make_unique<level_flag>(); }

private:
  static std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
    case spdlog::level::trace: return "TRACE";
    case spdlog::level::debug: return "DEBUG";
    case spdlog::level::info: return "INFO";
    case spdlog::level::warn: return "WARN";
    case spdlog::level::err: return "ERROR";
    case spdlog::level::critical: return "FATAL";
    case spdlog::level::off:
    case spdlog::level::n_levels: break;
    }
    return "OFF";
  }
};

// The files: Kafka's log4j layout "[%d] %p %m (%c)%n".
std::unique_ptr<spdlog::formatter> kafka_layout() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<level_flag>('*').set_pattern("[%Y-%m-%d %H:%M:%S,%e] %* %v (%n)");
  return f;
}

// stderr keeps Gregor's own layout ("[date] info [logger] message", the level coloured on a
// terminal): tests and tools read the message as the line's tail.
std::unique_ptr<spdlog::formatter> console_layout() {
  return std::make_unique<spdlog::pattern_formatter>("[%Y-%m-%d %H:%M:%S,%e] %^%l%$ [%n] %v");
}

// Loggers with a file of their own (and not in server.log), as Kafka's log4j.properties has them.
struct dedicated_file {
  std::string_view logger;
  std::string_view file;
};
constexpr dedicated_file dedicated_files[] = {
  {"controller", "controller.log"},
  {"state.change.logger", "state-change.log"},
  {"log.cleaner", "log-cleaner.log"},
};

// The sinks every logger is built from. Guarded by `mutex`; the sinks themselves are thread-safe.
struct sink_registry {
  std::mutex mutex;
  spdlog::sink_ptr console;
  spdlog::sink_ptr server_file;                   // null until enable_log_files
  std::vector<spdlog::sink_ptr> dedicated_sinks;  // parallel to dedicated_files once enabled

  sink_registry() : console(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {
    console->set_formatter(console_layout());
  }

  // The file sink a logger called `name` writes to (null before enable_log_files).
  spdlog::sink_ptr file_for(std::string_view name) const {
    if (!server_file) return nullptr;
    for (std::size_t i = 0; i < std::size(dedicated_files); ++i) {
      if (dedicated_files[i].logger == name) return dedicated_sinks[i];
    }
    return server_file;
  }
};

sink_registry& sinks() {
  static sink_registry registry;
  return registry;
}

spdlog::sink_ptr open_file(const std::filesystem::path& path, std::size_t max_rolled) {
  auto sink = std::make_shared<detail::hourly_file_sink>(path, max_rolled);
  sink->set_formatter(kafka_layout());
  return sink;
}

} // namespace

std::shared_ptr<spdlog::logger> get_logger(const std::string& name) {
  auto& reg = sinks();
  std::lock_guard lock(reg.mutex);
  if (auto existing = spdlog::get(name)) return existing;
  std::vector<spdlog::sink_ptr> targets{reg.console};
  if (auto file = reg.file_for(name)) targets.push_back(std::move(file));
  auto logger = std::make_shared<spdlog::logger>(name, targets.begin(), targets.end());
  logger->set_level(spdlog::default_logger()->level());
  spdlog::register_logger(logger);
  return logger;
}

void set_log_level(const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  spdlog::set_level(lvl);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(lvl); });
}

void enable_log_files(const std::string& dir, std::size_t max_rolled) {
  std::filesystem::path root(dir);
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) throw std::runtime_error("cannot create the log directory " + dir + ": " + ec.message());

  auto& reg = sinks();
  std::lock_guard lock(reg.mutex);
  if (reg.server_file) throw std::runtime_error("log files are enabled already");
  std::vector<spdlog::sink_ptr> dedicated;
  for (const auto& d : dedicated_files) dedicated.push_back(open_file(root / d.file, max_rolled));
  reg.server_file = open_file(root / "server.log", max_rolled);
  reg.dedicated_sinks = std::move(dedicated);
  // Loggers made before now get their file too. Not safe against concurrent logging: hence the
  // contract that this runs at startup, before other threads log.
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    if (auto file = reg.file_for(l->name())) l->sinks().push_back(std::move(file));
  });
}

} // namespace gregor
