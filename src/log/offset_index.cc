#include "gregor/log/offset_index.h"

#include <limits>

#include "gregor/common/endian.h"
#include "gregor/log/errc.h"

namespace gregor::log {

result<offset_index> offset_index::open(std::filesystem::path path, int64_t base_offset, size_t max_bytes) {
  auto file = mapped_index::open(std::move(path), entry_size, max_bytes);
  if (!file) return unexpected(file.error());
  return offset_index(std::move(*file), base_offset);
}

offset_position offset_index::entry(size_t i) const {
  const uint8_t* p = _file.entry(i);
  return {_base_offset + load_be<int32_t>(p), load_be<uint32_t>(p + 4)};
}

std::optional<offset_position> offset_index::last_entry() const {
  if (entries() == 0) return std::nullopt;
  return entry(entries() - 1);
}

offset_position offset_index::lookup(int64_t target) const {
  // Greatest i with entry(i).offset <= target.
  size_t lo = 0;
  size_t hi = entries();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (entry(mid).offset <= target) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return {_base_offset, 0};
  return entry(lo - 1);
}

result<void> offset_index::append(int64_t offset, uint32_t position) {
  if (full()) return unexpected(make_error_code(errc::index_full));
  int64_t relative = offset - _base_offset;
  if (relative < 0 || relative > std::numeric_limits<int32_t>::max() ||
      position > static_cast<uint32_t>(std::numeric_limits<int32_t>::max()) || position == 0) {
    return unexpected(make_error_code(errc::corrupt_index));
  }
  if (auto last = last_entry(); last && (offset <= last->offset || position <= last->position)) {
    return unexpected(make_error_code(errc::corrupt_index));
  }
  uint8_t* slot = _file.append_slot();
  store_be(slot, static_cast<int32_t>(relative));
  store_be(slot + 4, static_cast<int32_t>(position));
  return {};
}

void offset_index::truncate_to_offset(int64_t offset) {
  size_t lo = 0;
  size_t hi = entries();
  while (lo < hi) {  // first entry with offset >= `offset`
    size_t mid = lo + (hi - lo) / 2;
    if (entry(mid).offset < offset) lo = mid + 1;
    else hi = mid;
  }
  _file.truncate_entries(lo);
}

void offset_index::truncate_to_position(uint64_t position) {
  size_t lo = 0;
  size_t hi = entries();
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (entry(mid).position < position) lo = mid + 1;
    else hi = mid;
  }
  _file.truncate_entries(lo);
}

bool offset_index::validate(uint64_t log_size) const {
  std::optional<offset_position> prev;
  for (size_t i = 0; i < entries(); ++i) {
    auto e = entry(i);
    if (e.position == 0 || e.position >= log_size || e.offset < _base_offset) return false;
    if (prev && (e.offset <= prev->offset || e.position <= prev->position)) return false;
    prev = e;
  }
  return true;
}

bool offset_index::sanity_check(uint64_t log_size) const {
  if (entries() == 0) return true;
  auto first = entry(0);
  auto last = entry(entries() - 1);
  return first.position != 0 && last.position != 0 && last.position < log_size && last.offset >= _base_offset &&
         last.offset >= first.offset && last.position >= first.position;
}

} // namespace gregor::log
