#pragma once
// A 128-bit id as Kafka uses for topic ids and the cluster id: 16 bytes on the wire,
// 22-character unpadded base64url text in ZooKeeper and in partition.metadata.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gregor {

struct uuid {
  std::array<uint8_t, 16> bytes{};

  static uuid random();  // version-4 style, never all-zero
  static std::optional<uuid> from_base64url(std::string_view text);
  std::string to_base64url() const;
  bool is_zero() const;

  uint64_t high() const;
  uint64_t low() const;
  static uuid from_parts(uint64_t high, uint64_t low);

  friend auto operator<=>(const uuid&, const uuid&) = default;
};

} // namespace gregor
