#include "segment_scan.h"

#include <algorithm>

#include "file_util.h"
#include "gregor/log/errc.h"

namespace gregor::log::cleaner_detail {
namespace {
constexpr uint64_t chunk_size = 1 << 20;
}

result<void> segment_scan::fill(uint64_t from, uint64_t want) {
  uint64_t n = std::min(std::max(want, chunk_size), _size - from);
  _buf.resize(static_cast<size_t>(n));
  auto got = detail::pread_upto(_file->fd(), _buf.data(), _buf.size(), from);
  if (!got) return unexpected(got.error());
  if (_throttle != nullptr) _throttle->acquire(*got);
  _buf.resize(*got);
  _buf_start = from;
  return {};
}

result<std::optional<scanned_entry>> segment_scan::next() {
  if (_pos >= _size) return std::optional<scanned_entry>{};
  auto corrupt = make_error_code(errc::corrupt_log);
  auto buffered = [&](uint64_t n) {
    return _pos >= _buf_start && _pos + n <= _buf_start + _buf.size();
  };
  uint64_t probe = std::min<uint64_t>(detail::header_probe_size, _size - _pos);
  if (!buffered(probe)) {
    if (auto r = fill(_pos, probe); !r) return unexpected(r.error());
    if (!buffered(probe)) return unexpected(corrupt);
  }
  bytes_view at(_buf.data() + (_pos - _buf_start), probe);
  auto h = detail::decode_entry_header(at);
  if (!h || h->total_size() > _size - _pos) return unexpected(corrupt);
  uint64_t total = h->total_size();
  if (!buffered(total)) {
    // Bounded by the segment's size, checked above.
    if (auto r = fill(_pos, total); !r) return unexpected(r.error());
    if (!buffered(total)) return unexpected(corrupt);
  }
  scanned_entry e;
  e.header = *h;
  e.position = _pos;
  e.data = bytes_view(_buf.data() + (_pos - _buf_start), static_cast<size_t>(total));
  _pos += total;
  return std::optional<scanned_entry>(e);
}

} // namespace gregor::log::cleaner_detail
