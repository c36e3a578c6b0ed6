#pragma once
// Reading the JSON files operators hand to the tools (reassignment plans, topic lists, election
// lists) with the rules and error texts of Kafka's kafka.utils.json decoders: a field that is
// missing is "No such field exists: `name`", a value of the wrong type is "Expected `Int` value,
// received <json>", and so on, so that a bad file gets the message Kafka's tool prints.
//
// Every function reports failure by returning nullopt/nullptr with the text in `error`; nothing
// throws. Private to src/tools (nlohmann stays out of the tools' public headers).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace gregor::tools::json_input {

using json = nlohmann::json;

// Kafka's Json.parseFull: nullopt when the text is not one complete JSON value (empty text too).
std::optional<json> parse_full(std::string_view text);

// The value as Kafka prints it inside messages (compact JSON text).
std::string render(const json& v);

// nullptr + error "Expected JSON object, received <v>" unless `v` is an object.
const json* as_object(const json& v, std::string& error);
// nullptr + error "Expected JSON array, received <v>" unless `v` is an array.
const json* as_array(const json& v, std::string& error);
// The field of an object; nullptr + "No such field exists: `name`" when absent.
const json* field(const json& object, std::string_view name, std::string& error);
// The field if present (no error when absent).
const json* optional_field(const json& object, std::string_view name);

// Kafka's DecodeInteger: a JSON integer within int32 (not 1.0, not a string).
std::optional<int32_t> to_int(const json& v, std::string& error);
std::optional<std::string> to_string(const json& v, std::string& error);
std::optional<std::vector<int32_t>> to_int_list(const json& v, std::string& error);
std::optional<std::vector<std::string>> to_string_list(const json& v, std::string& error);

// Reads a whole input file, refusing files over `max_bytes` (operators' JSON files are small; a
// huge or unreadable file gets a message instead of an allocation).
std::optional<std::string> read_file(const std::string& path, std::string& error, size_t max_bytes = 64u << 20);

} // namespace gregor::tools::json_input
