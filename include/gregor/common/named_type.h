#pragma once
// Strong types for ids and offsets (redpanda's named_type): an offset is not a broker id.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace gregor {

template <typename T, typename Tag>
class named_type {
public:
  using value_type = T;
  constexpr named_type() = default;
  constexpr explicit named_type(T v) : _value(v) {}
  constexpr T value() const { return _value; }
  constexpr T operator()() const { return _value; }
  friend constexpr auto operator<=>(const named_type&, const named_type&) = default;
  friend std::ostream& operator<<(std::ostream& os, const named_type& v) { return os << v._value; }

private:
  T _value{};
};

using broker_id = named_type<int32_t, struct broker_id_tag>;
using partition_id = named_type<int32_t, struct partition_id_tag>;
using leader_epoch = named_type<int32_t, struct leader_epoch_tag>;
using controller_epoch = named_type<int32_t, struct controller_epoch_tag>;

} // namespace gregor

template <typename T, typename Tag>
struct std::hash<gregor::named_type<T, Tag>> {
  size_t operator()(const gregor::named_type<T, Tag>& v) const noexcept { return std::hash<T>{}(v.value()); }
};
