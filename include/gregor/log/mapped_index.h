#pragma once
// A file of fixed-width entries kept memory-mapped (the storage under offset_index and time_index;
// Kafka's AbstractIndex without the search logic).
//
// Lifecycle (ON-DISK-FORMAT §3): a new file is created zero-filled at max_bytes rounded down to the
// entry size; an existing file is opened as-is and `entries = file length / entry size` (a file
// that was never trimmed therefore looks full of zero entries; owners validate and rebuild).
// resize() grows or shrinks the file and the mapping; trim() shrinks it to exactly the entries.
//
// Not thread-safe: one owner (the segment). Move-only. The destructor unmaps but never trims.

#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "gregor/common/result.h"

namespace gregor::log {

class mapped_index {
public:
  // Opens `path`, creating it at round_down(max_bytes, entry_size) if missing.
  // Fails with errc::corrupt_index if an existing file's length is not a multiple of entry_size.
  static result<mapped_index> open(std::filesystem::path path, size_t entry_size, size_t max_bytes);

  mapped_index() = default;
  mapped_index(mapped_index&& other) noexcept;
  mapped_index& operator=(mapped_index&& other) noexcept;
  mapped_index(const mapped_index&) = delete;
  mapped_index& operator=(const mapped_index&) = delete;
  ~mapped_index();

  size_t entry_size() const { return _entry_size; }
  size_t entries() const { return _entries; }
  size_t max_entries() const { return _length / (_entry_size ? _entry_size : 1); }
  bool full() const { return _entries >= max_entries(); }
  uint64_t file_bytes() const { return _length; }
  const std::filesystem::path& path() const { return _path; }

  // Bytes of entry i (i < entries()).
  const uint8_t* entry(size_t i) const { return _map + i * _entry_size; }
  // Claims the next slot and returns it for the caller to fill. Requires !full().
  uint8_t* append_slot();
  // Forgets entries [n, entries()) and zeroes their slots.
  void truncate_entries(size_t n);

  // Sets the file length to round_down(bytes, entry_size), never below entries()*entry_size.
  result<void> resize(uint64_t bytes);
  result<void> trim() { return resize(static_cast<uint64_t>(_entries) * _entry_size); }
  // msync of the mapping and fsync of the file.
  result<void> flush();
  // Renames the file (the mapping stays valid).
  result<void> rename(const std::filesystem::path& to);
  // Unmaps without trimming.
  void close();

private:
  result<void> map(int fd, uint64_t length);
  void unmap();

  std::filesystem::path _path;
  size_t _entry_size = 0;
  uint8_t* _map = nullptr;
  uint64_t _length = 0;
  size_t _entries = 0;
};

} // namespace gregor::log
