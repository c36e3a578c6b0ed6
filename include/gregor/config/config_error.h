#pragma once
// config_error: the one exception type of the config module. Configuration is read once, at
// startup, so errors are thrown (STYLE: exceptions only at startup/config). The message names the
// offending key and value in Kafka's wording, e.g.
//   "Invalid value abc for configuration num.io.threads: Not a number of type INT"
//   "Unknown configuration 'foo.bar'"

#include <stdexcept>
#include <string>

namespace gregor::config {

class config_error : public std::runtime_error {
public:
  explicit config_error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace gregor::config
