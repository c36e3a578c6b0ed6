#pragma once
// Kafka's rules for topic names, and the internal topics.

#include <string>
#include <string_view>

namespace gregor::metadata {

inline constexpr size_t max_topic_name_length = 249;
inline constexpr std::string_view consumer_offsets_topic = "__consumer_offsets";
inline constexpr std::string_view transaction_state_topic = "__transaction_state";

// Empty when `name` is a legal topic name, else the reason (Kafka's wording).
std::string topic_name_error(std::string_view name);

bool is_internal_topic(std::string_view name);

// True when the name contains '.' or '_' (such names may collide in metric names).
bool has_collision_chars(std::string_view name);

} // namespace gregor::metadata
