#pragma once
// Private: typed parsing of configuration values, shared by the broker and topic registries.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gregor/config/config_def.h"

namespace gregor::config {

// Same type as broker_config::value.
using config_value = std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<std::string>>;

// Parses `raw` (trimmed first, as Kafka does) by `def`'s type and runs its validator. On success
// stores the value in `out` and returns nullopt; otherwise returns Kafka's error message.
std::optional<std::string> parse_value(const config_def& def, std::string_view raw, config_value& out);

// Kafka's canonical text of a parsed value (nullopt for monostate).
std::optional<std::string> format_value(config_type type, const config_value& v);

// Java's Double.toString for finite values ("0.5", "1.0", "1.0E7", "1.7976931348623157E308").
std::string java_double_text(double d);

std::string_view trim_java(std::string_view s);

}  // namespace gregor::config
