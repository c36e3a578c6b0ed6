#include "gregor/log/time_index.h"

#include <limits>

#include "gregor/common/endian.h"
#include "gregor/log/errc.h"

namespace gregor::log {

result<time_index> time_index::open(std::filesystem::path path, int64_t base_offset, size_t max_bytes) {
  auto file = mapped_index::open(std::move(path), entry_size, max_bytes);
  if (!file) return unexpected(file.error());
  return time_index(std::move(*file), base_offset);
}

timestamp_offset time_index::entry(size_t i) const {
  const uint8_t* p = _file.entry(i);
  return {load_be<int64_t>(p), _base_offset + load_be<int32_t>(p + 8)};
}

std::optional<timestamp_offset> time_index::last_entry() const {
  if (entries() == 0) return std::nullopt;
  return entry(entries() - 1);
}

result<void> time_index::maybe_append(int64_t timestamp, int64_t offset, bool final_entry) {
  auto last = last_entry();
  if (timestamp < 0 || (last && timestamp <= last->timestamp)) return {};
  if (final_entry ? _file.full() : full()) return unexpected(make_error_code(errc::index_full));
  int64_t relative = offset - _base_offset;
  if (relative < 0 || relative > std::numeric_limits<int32_t>::max() || (last && offset < last->offset)) {
    return unexpected(make_error_code(errc::corrupt_index));
  }
  uint8_t* slot = _file.append_slot();
  store_be(slot, timestamp);
  store_be(slot + 8, static_cast<int32_t>(relative));
  return {};
}

timestamp_offset time_index::entry_before(int64_t timestamp) const {
  size_t lo = 0;
  size_t hi = entries();
  while (lo < hi) {  // first entry with timestamp >= `timestamp`
    size_t mid = lo + (hi - lo) / 2;
    if (entry(mid).timestamp < timestamp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return {-1, _base_offset};
  return entry(lo - 1);
}

void time_index::truncate_to_offset(int64_t offset) {
  size_t lo = 0;
  size_t hi = entries();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (entry(mid).offset < offset) lo = mid + 1;
    else hi = mid;
  }
  _file.truncate_entries(lo);
}

bool time_index::validate() const {
  std::optional<timestamp_offset> prev;
  for (size_t i = 0; i < entries(); ++i) {
    auto e = entry(i);
    if (e.timestamp < 0 || e.offset < _base_offset) return false;
    if (prev && (e.timestamp <= prev->timestamp || e.offset < prev->offset)) return false;
    prev = e;
  }
  return true;
}

bool time_index::sanity_check() const {
  if (entries() == 0) return true;
  auto first = entry(0);
  auto last = entry(entries() - 1);
  if (first.timestamp < 0 || last.offset < _base_offset) return false;
  return entries() == 1 || (last.timestamp > first.timestamp && last.offset >= first.offset);
}

} // namespace gregor::log
