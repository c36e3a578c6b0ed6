#pragma once
// Private to the dump-log tool: read-only access to one segment file with pread, and the walk
// over its log entries with the rules of Kafka's FileLogInputStream (an entry whose size field
// is below 14 is corrupt; an entry that does not fit in the file ends the walk).
// Not thread-safe; owns its descriptor.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "gregor/common/bytes.h"

namespace gregor::tools {

class dump_file_reader {
public:
  // nullopt (and `error` set to the cause) if the file cannot be opened.
  static std::optional<dump_file_reader> open(const std::filesystem::path& path, std::string& error);
  ~dump_file_reader();
  dump_file_reader(dump_file_reader&& other) noexcept;
  dump_file_reader& operator=(dump_file_reader&&) = delete;
  dump_file_reader(const dump_file_reader&) = delete;

  uint64_t size() const { return _size; }
  // Reads exactly `n` bytes at `pos` into `out` (resized); false if they are not all there.
  bool read(uint64_t pos, uint64_t n, bytes& out) const;

private:
  dump_file_reader(int fd, uint64_t size) : _fd(fd), _size(size) {}
  int _fd = -1;
  uint64_t _size = 0;
};

// One entry of a .log: a v2 batch or a legacy message (both start with offset and size).
struct log_entry {
  uint64_t position = 0;
  int64_t offset = 0;    // v2: base offset; legacy: the entry's (last) offset
  int32_t size = 0;      // the size field (bytes after the 12-byte log overhead)
  int8_t magic = 2;
  bytes data;            // the whole entry, log overhead included
  uint64_t total_size() const { return static_cast<uint64_t>(size) + 12; }
};

enum class entry_status { ok, end, corrupt };

// Reads the entry at `pos`, not looking past `end`. end: fewer than 17 bytes left or the entry
// does not fit. corrupt: the size field is below 14 (`error` holds Kafka's message).
entry_status read_log_entry(const dump_file_reader& file, const std::filesystem::path& path, uint64_t pos,
                            uint64_t end, log_entry& out, std::string& error);

// The base offset in a segment file name ("00000000000000000042.index" -> 42); nullopt when the
// part before the first '.' is not a number.
std::optional<int64_t> base_offset_of(const std::filesystem::path& path);

} // namespace gregor::tools
