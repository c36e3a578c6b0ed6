// gregor-consumer-groups: kafka-consumer-groups.sh for Gregor (and Kafka) clusters. See
// consumer_groups_command.h.

#include <iostream>

#include "consumer_groups_command.h"
#include "gregor/common/logger.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_consumer_groups_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  return gregor::tools::run_consumer_groups(*options, std::cout, std::cerr);
}
