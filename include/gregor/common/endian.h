#pragma once
// Big-endian loads and stores: everything Kafka puts on the wire or on disk is big-endian.

#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace gregor {

namespace detail {
template <typename U>
inline U byte_swap(U v) {
  if constexpr (sizeof(U) == 2) return static_cast<U>(__builtin_bswap16(v));
  else if constexpr (sizeof(U) == 4) return static_cast<U>(__builtin_bswap32(v));
  else if constexpr (sizeof(U) == 8) return static_cast<U>(__builtin_bswap64(v));
  else return v;
}
} // namespace detail

template <typename T>
  requires std::is_integral_v<T>
inline T load_be(const uint8_t* p) {
  std::make_unsigned_t<T> v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = detail::byte_swap(v);
  }
  return static_cast<T>(v);
}

template <typename T>
  requires std::is_integral_v<T>
inline void store_be(uint8_t* p, T value) {
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = detail::byte_swap(v);
  }
  std::memcpy(p, &v, sizeof v);
}

} // namespace gregor
