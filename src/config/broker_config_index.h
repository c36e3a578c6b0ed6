#pragma once
// Private: position of a key in broker_config_defs() (and so in broker_config's slots).

#include <cstddef>
#include <string_view>

namespace gregor::config {

// Throws std::logic_error for a key missing from the registry (a programming error).
std::size_t broker_config_index(std::string_view key);

}  // namespace gregor::config
