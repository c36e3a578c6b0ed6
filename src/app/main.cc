// gregor-server: the broker daemon. Usage, as Kafka's kafka.Kafka:
//   gregor-server server.properties [--override key=value]...
// A .yaml/.yml file is read as YAML instead of Java properties.
// Logs go to stderr; when the environment names LOG_DIR (kafka-server-start.sh sets it, as Kafka's
// kafka-run-class.sh does), also to server.log, controller.log, state-change.log and log-cleaner.log
// there (gregor/common/logger.h).

#include <cstdlib>
#include <iostream>

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "broker.h"
#include "gregor/common/logger.h"
#include "gregor/config/broker_config.h"
#include "gregor/config/config_error.h"

namespace {

// Request buffers (up to a produce request's size, typically 100 KiB - 1 MiB) are allocated and freed
// per request. glibc's defaults return such freed blocks to the kernel, so every request faulted its
// pages in again (~10x more minor faults under produce load; docs/PERFORMANCE.md). Keep up to 64 MiB
// of free heap per arena and serve blocks below 32 MiB from the heap instead of fresh mmaps.
void tune_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

} // namespace

int main(int argc, char** argv) {
  tune_allocator();
  CLI::App app{"Gregor: a Kafka-compatible broker coordinated through ZooKeeper", "gregor-server"};
  std::string config_file;
  std::vector<std::string> overrides;
  app.add_option("config", config_file, "server.properties (or .yaml)")->required();
  app.add_option("--override", overrides, "key=value that replaces the file's setting")->allow_extra_args(false);
  app.set_version_flag("--version", "gregor 0.1.0");
  CLI11_PARSE(app, argc, argv);

  // Before the configuration is read, so that its warnings reach server.log too.
  if (const char* log_dir = std::getenv("LOG_DIR"); log_dir != nullptr && *log_dir != '\0') {
    try {
      gregor::enable_log_files(log_dir);
    } catch (const std::exception& e) {
      std::cerr << "ERROR: " << e.what() << "\n";
      return 1;
    }
  }
  gregor::config::broker_config config = [&] {
    try {
      return gregor::config::broker_config::load(config_file, overrides);
    } catch (const std::exception& e) {
      std::cerr << "ERROR: " << e.what() << "\n";
      std::exit(1);
    }
  }();
  if (const char* level = std::getenv("GREGOR_LOG_LEVEL")) gregor::set_log_level(level);
  gregor::app::broker broker(std::move(config));
  return broker.run();
}
