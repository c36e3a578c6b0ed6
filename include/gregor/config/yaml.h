#pragma once
// YAML form of the broker configuration. A document is a map; nested maps flatten with dots
// (`log: {dirs: /x}` is `log.dirs=/x`), flat dotted keys work too, and a sequence becomes a
// comma-separated list. Scalars are kept as written (validation happens in broker_config).
// A null scalar (`key:` with nothing) becomes the empty string.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gregor::config {

// `origin` names the source in error messages (normally the file path). Throws config_error for
// a YAML syntax error (with origin, line and column), a non-map document, a key that appears
// twice after flattening, or a nested sequence/map inside a sequence.
std::vector<std::pair<std::string, std::string>> flatten_yaml(std::string_view text,
                                                              const std::string& origin);

}  // namespace gregor::config
