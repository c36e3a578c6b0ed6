#include "output_buffer.h"

#include <algorithm>

namespace gregor::compression::detail {

namespace {
constexpr size_t min_growth = 64 * 1024;
}

output_buffer::output_buffer(size_t limit, size_t size_hint) : _limit(limit) {
  size_t first = std::min(limit, std::max(size_hint, size_t{1024}));
  _buf.reserve(first);
  _buf.resize(first);
}

bool output_buffer::ensure_room() {
  if (_written < _buf.size()) return true;
  if (_buf.size() >= _limit) return false;
  size_t next = std::min(_limit, std::max(_buf.size() * 2, min_growth));
  // reserve() with the exact size keeps the allocation at `next`, never a doubled capacity.
  bytes grown;
  grown.reserve(next);
  grown.assign(_buf.begin(), _buf.begin() + static_cast<std::ptrdiff_t>(_written));
  grown.resize(next);
  _buf = std::move(grown);
  return true;
}

bytes output_buffer::take() {
  _buf.resize(_written);
  return std::move(_buf);
}

} // namespace gregor::compression::detail
