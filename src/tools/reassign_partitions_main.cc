// gregor-reassign-partitions: kafka-reassign-partitions.sh for Gregor (and Kafka) clusters. See
// reassign_command.h.

#include <cstdlib>
#include <iostream>

#include "gregor/common/logger.h"
#include "reassign_command.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_reassign_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  try {
    if (!options->bootstrap_server.empty()) return gregor::tools::run_reassign_bootstrap(*options, std::cout, std::cerr);
    return gregor::tools::run_reassign_zookeeper(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    return gregor::tools::reassign_error(std::cout, e.what());
  }
}
