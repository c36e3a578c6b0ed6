// gregor-leader-election: kafka-leader-election.sh for Gregor (and Kafka) clusters. See
// leader_election.h.

#include <cstdlib>
#include <iostream>

#include "gregor/common/logger.h"
#include "leader_election.h"

int main(int argc, char** argv) {
  gregor::set_log_level(std::getenv("GREGOR_LOG_LEVEL") != nullptr ? std::getenv("GREGOR_LOG_LEVEL") : "error");
  int exit_code = 0;
  auto options = gregor::tools::parse_leader_election_options(argc, argv, std::cout, std::cerr, exit_code);
  if (!options) return exit_code;
  try {
    return gregor::tools::run_leader_election(*options, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
