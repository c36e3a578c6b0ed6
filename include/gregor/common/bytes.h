#pragma once
// Byte containers shared by every module.
//
// `bytes` owns memory; `bytes_view` borrows it; `shared_bytes` is an immutable, reference-counted
// slice that may be handed across threads and kept alive by whoever still needs it (a decoded
// request keeps its frame alive this way, so record batches are never copied on the produce path).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace gregor {

using bytes = std::vector<uint8_t>;
using bytes_view = std::span<const uint8_t>;

inline bytes_view as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_string_view(bytes_view b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// An immutable view into a buffer that it co-owns. Copying is cheap (one refcount).
class shared_bytes {
public:
  shared_bytes() = default;
  explicit shared_bytes(bytes b)
    : _owner(std::make_shared<const bytes>(std::move(b))), _offset(0), _size(_owner->size()) {}
  shared_bytes(std::shared_ptr<const bytes> owner, size_t offset, size_t size)
    : _owner(std::move(owner)), _offset(offset), _size(size) {}

  static shared_bytes copy_of(bytes_view v) { return shared_bytes(bytes(v.begin(), v.end())); }

  const uint8_t* data() const { return _owner ? _owner->data() + _offset : nullptr; }
  size_t size() const { return _size; }
  bool empty() const { return _size == 0; }
  bytes_view view() const { return {data(), _size}; }
  operator bytes_view() const { return view(); }

  // A sub-slice sharing the same owner. Caller guarantees offset + size <= this->size().
  shared_bytes slice(size_t offset, size_t size) const { return {_owner, _offset + offset, size}; }

  friend bool operator==(const shared_bytes& a, const shared_bytes& b) {
    auto av = a.view();
    auto bv = b.view();
    return av.size() == bv.size() && std::equal(av.begin(), av.end(), bv.begin());
  }

private:
  std::shared_ptr<const bytes> _owner;
  size_t _offset = 0;
  size_t _size = 0;
};

} // namespace gregor
