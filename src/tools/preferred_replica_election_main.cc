// gregor-preferred-replica-election: kafka-preferred-replica-election.sh (the Kafka 2.x script,
// removed in 3.0) for Gregor clusters. See leader_election.h.

#include <cstdlib>
#include <iostream>

#include "gregor/common/logger.h"
#include "leader_election.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_preferred_election_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  try {
    return gregor::tools::run_preferred_election(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
