// gregor-configs: kafka-configs.sh for Gregor (and Kafka) clusters. See configs_command.h.

#include <cstdlib>
#include <iostream>

#include "configs_command.h"
#include "gregor/common/logger.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_configs_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  try {
    if (!options->zookeeper.empty()) return gregor::tools::run_configs_zookeeper(*options, std::cout, std::cerr);
    return gregor::tools::run_configs_bootstrap(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "Error while executing config command: " << e.what() << "\n";
    return 1;
  }
}
