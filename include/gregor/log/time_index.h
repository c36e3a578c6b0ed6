#pragma once
// The .timeindex file (ON-DISK-FORMAT §3). Entry = timestamp:int64, relative_offset:int32.
// Meaning of an entry (T, O): every record with timestamp > T is at or after offset O.
// Entries increase strictly in timestamp and do not decrease in offset.
//
// Not thread-safe: owned by its segment.

#include <cstdint>
#include <filesystem>
#include <optional>

#include "gregor/common/result.h"
#include "gregor/log/mapped_index.h"

namespace gregor::log {

struct timestamp_offset {
  int64_t timestamp = -1;
  int64_t offset = 0;
  friend bool operator==(const timestamp_offset&, const timestamp_offset&) = default;
};

class time_index {
public:
  static constexpr size_t entry_size = 12;

  static result<time_index> open(std::filesystem::path path, int64_t base_offset, size_t max_bytes);
  // An index with no file and no entries (lookups answer as for an empty index).
  static time_index detached(int64_t base_offset) { return time_index(mapped_index(), base_offset); }

  int64_t base_offset() const { return _base_offset; }
  size_t entries() const { return _file.entries(); }
  // One slot stays reserved for the final entry written when the segment rolls (as Kafka does),
  // so "full" means at most one free slot is left.
  bool full() const { return _file.entries() + 1 >= _file.max_entries(); }
  uint64_t file_bytes() const { return _file.file_bytes(); }
  const std::filesystem::path& path() const { return _file.path(); }

  timestamp_offset entry(size_t i) const;
  std::optional<timestamp_offset> last_entry() const;

  // Appends (timestamp, offset) only if timestamp is greater than the last entry's (and >= 0);
  // otherwise does nothing. `final_entry` may use the reserved last slot (roll and close).
  // Fails with errc::index_full when no usable slot is free, errc::corrupt_index if the offset
  // would go backwards or leave the 32-bit range.
  result<void> maybe_append(int64_t timestamp, int64_t offset, bool final_entry = false);

  // Greatest entry with timestamp strictly below `timestamp`; (-1, base_offset) when none.
  // Starting a scan at its offset finds every record with a timestamp >= `timestamp`.
  timestamp_offset entry_before(int64_t timestamp) const;

  void truncate_to_offset(int64_t offset);  // removes entries with offset >= `offset`
  void reset() { _file.truncate_entries(0); }

  bool validate() const;      // every entry
  bool sanity_check() const;  // first and last entry only

  result<void> resize(uint64_t bytes) { return _file.resize(bytes); }
  result<void> trim() { return _file.trim(); }
  result<void> flush() { return _file.flush(); }
  result<void> rename(const std::filesystem::path& to) { return _file.rename(to); }
  void close() { _file.close(); }

private:
  time_index(mapped_index file, int64_t base_offset) : _file(std::move(file)), _base_offset(base_offset) {}

  mapped_index _file;
  int64_t _base_offset = 0;
};

} // namespace gregor::log
