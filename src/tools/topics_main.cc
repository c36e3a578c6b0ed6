// gregor-topics: kafka-topics.sh for Gregor (and Kafka) clusters. See topics_command.h.

#include <iostream>

#include "gregor/common/logger.h"
#include "topics_command.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_topics_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  try {
    if (!options->zookeeper.empty()) return gregor::tools::run_topics_zookeeper(*options, std::cout, std::cerr);
    return gregor::tools::run_topics_bootstrap(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    return gregor::tools::topic_command_error(std::cerr, e.what());
  }
}
