#pragma once
// result<T>: a value or an error, for code paths that must not throw (STYLE: errors are values).
// Kept tiny and dependency-free so that it can sit in every header (Boost.Outcome would pull a
// large header into most translation units).

#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace gregor {

template <typename E>
struct unexpected {
  E error;
};
template <typename E>
unexpected(E) -> unexpected<E>;

template <typename T, typename E = std::error_code>
class [[nodiscard]] result {
public:
  using value_type = T;
  using error_type = E;

  template <typename U = T>
    requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::decay_t<U>, result>)
  result(U&& value) : _v(std::in_place_index<0>, std::forward<U>(value)) {}
  template <typename G>
  result(unexpected<G> e) : _v(std::in_place_index<1>, E(std::move(e.error))) {}

  bool has_value() const { return _v.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { assert(has_value()); return std::get<0>(_v); }
  const T& value() const& { assert(has_value()); return std::get<0>(_v); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(_v)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { assert(!has_value()); return std::get<1>(_v); }

private:
  std::variant<T, E> _v;
};

// result<void>: success or an error.
template <typename E>
class [[nodiscard]] result<void, E> {
public:
  result() = default;
  template <typename G>
  result(unexpected<G> e) : _error(E(std::move(e.error))), _ok(false) {}

  bool has_value() const { return _ok; }
  explicit operator bool() const { return _ok; }
  const E& error() const { assert(!_ok); return _error; }

private:
  E _error{};
  bool _ok = true;
};

} // namespace gregor
