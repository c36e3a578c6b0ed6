#pragma once
// The .index file: sparse map from offset to byte position in the segment's .log
// (ON-DISK-FORMAT §3). Entry = relative_offset:int32, position:int32, big-endian.
// Invariants: offsets strictly increase; positions strictly increase and are > 0 (the first
// append to a segment never makes an entry, so position 0 marks an unused, zero-filled slot).
//
// Not thread-safe: owned by its segment.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "gregor/common/result.h"
#include "gregor/log/mapped_index.h"

namespace gregor::log {

struct offset_position {
  int64_t offset = 0;     // absolute offset
  uint32_t position = 0;  // byte position of a batch in the .log
  friend bool operator==(const offset_position&, const offset_position&) = default;
};

class offset_index {
public:
  static constexpr size_t entry_size = 8;

  static result<offset_index> open(std::filesystem::path path, int64_t base_offset, size_t max_bytes);
  // An index with no file and no entries (lookups answer as for an empty index).
  static offset_index detached(int64_t base_offset) { return offset_index(mapped_index(), base_offset); }

  int64_t base_offset() const { return _base_offset; }
  size_t entries() const { return _file.entries(); }
  bool full() const { return _file.full(); }
  uint64_t file_bytes() const { return _file.file_bytes(); }
  const std::filesystem::path& path() const { return _file.path(); }

  offset_position entry(size_t i) const;
  std::optional<offset_position> last_entry() const;

  // Greatest entry with offset <= target; (base_offset, 0) when there is none.
  offset_position lookup(int64_t target) const;

  // Appends (offset, position). Fails with errc::index_full when no slot is free and with
  // errc::corrupt_index when it would break the ordering invariants or the 32-bit range.
  result<void> append(int64_t offset, uint32_t position);

  // Removes every entry with offset >= `offset`.
  void truncate_to_offset(int64_t offset);
  // Removes every entry with position >= `position` (after the .log was truncated there).
  void truncate_to_position(uint64_t position);
  void reset() { _file.truncate_entries(0); }

  // Checks every entry against the invariants and `log_size`. False means: rebuild it.
  bool validate(uint64_t log_size) const;
  // The cheap variant used for segments that are not the last one: last entry only.
  bool sanity_check(uint64_t log_size) const;

  result<void> resize(uint64_t bytes) { return _file.resize(bytes); }
  result<void> trim() { return _file.trim(); }
  result<void> flush() { return _file.flush(); }
  result<void> rename(const std::filesystem::path& to) { return _file.rename(to); }
  void close() { _file.close(); }

private:
  offset_index(mapped_index file, int64_t base_offset) : _file(std::move(file)), _base_offset(base_offset) {}

  mapped_index _file;
  int64_t _base_offset = 0;
};

} // namespace gregor::log
