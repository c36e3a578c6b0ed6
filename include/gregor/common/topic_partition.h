#pragma once
// A partition's name: topic plus partition index. Used as a map key in most modules.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace gregor {

struct topic_partition {
  std::string topic;
  int32_t partition = 0;

  std::string to_string() const { return topic + "-" + std::to_string(partition); }
  friend auto operator<=>(const topic_partition&, const topic_partition&) = default;
};

} // namespace gregor

template <>
struct std::hash<gregor::topic_partition> {
  size_t operator()(const gregor::topic_partition& tp) const noexcept {
    return std::hash<std::string>{}(tp.topic) * 31 + static_cast<size_t>(tp.partition);
  }
};
