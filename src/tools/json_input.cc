#include "json_input.h"

#include <fstream>
#include <limits>
#include <sstream>

namespace gregor::tools::json_input {

std::optional<json> parse_full(std::string_view text) {
  json v = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) return std::nullopt;
  return v;
}

std::string render(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

const json* as_object(const json& v, std::string& error) {
  if (v.is_object()) return &v;
  error = "Expected JSON object, received " + render(v);
  return nullptr;
}

const json* as_array(const json& v, std::string& error) {
  if (v.is_array()) return &v;
  error = "Expected JSON array, received " + render(v);
  return nullptr;
}

const json* optional_field(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(name));
  return it == object.end() ? nullptr : &*it;
}

const json* field(const json& object, std::string_view name, std::string& error) {
  const json* f = optional_field(object, name);
  if (f == nullptr) error = "No such field exists: `" + std::string(name) + "`";
  return f;
}

std::optional<int32_t> to_int(const json& v, std::string& error) {
  if (v.is_number_integer()) {
    // Unsigned and signed both compare safely against the int32 range as int64/uint64.
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) return static_cast<int32_t>(u);
    } else {
      auto s = v.get<int64_t>();
      if (s >= std::numeric_limits<int32_t>::min() && s <= std::numeric_limits<int32_t>::max()) {
        return static_cast<int32_t>(s);
      }
    }
  }
  error = "Expected `Int` value, received " + render(v);
  return std::nullopt;
}

std::optional<std::string> to_string(const json& v, std::string& error) {
  if (v.is_string()) return v.get<std::string>();
  error = "Expected `String` value, received " + render(v);
  return std::nullopt;
}

std::optional<std::vector<int32_t>> to_int_list(const json& v, std::string& error) {
  if (!as_array(v, error)) return std::nullopt;
  std::vector<int32_t> out;
  for (const auto& e : v) {
    auto i = to_int(e, error);
    if (!i) return std::nullopt;
    out.push_back(*i);
  }
  return out;
}

std::optional<std::vector<std::string>> to_string_list(const json& v, std::string& error) {
  if (!as_array(v, error)) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v) {
    auto s = to_string(e, error);
    if (!s) return std::nullopt;
    out.push_back(std::move(*s));
  }
  return out;
}

std::optional<std::string> read_file(const std::string& path, std::string& error, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + " (No such file or directory)";
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size < 0) {
    error = path + " (cannot be read)";
    return std::nullopt;
  }
  if (static_cast<uint64_t>(size) > max_bytes) {
    error = path + " is larger than " + std::to_string(max_bytes) + " bytes";
    return std::nullopt;
  }
  in.seekg(0, std::ios::beg);
  std::string text(static_cast<size_t>(size), '\0');
  if (!in.read(text.data(), size)) {
    error = path + " (cannot be read)";
    return std::nullopt;
  }
  return text;
}

} // namespace gregor::tools::json_input
