#pragma once
// Kafka's text checkpoint format (ON-DISK-FORMAT §5): line 1 = version, line 2 = entry count,
// then one entry per line, '\n' line ends. Writes go to `<name>.tmp`, are fsync'd, renamed over the
// file and the directory is fsync'd, so a reader sees the old or the new file, never a mix.
//
// Thread-safety: none needed beyond the filesystem's; callers serialise writes to one file.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"

namespace gregor::log {

class checkpoint_file {
public:
  checkpoint_file(std::filesystem::path path, int32_t version) : _path(std::move(path)), _version(version) {}

  // The entry lines. A missing file reads as no entries. errc::invalid_checkpoint on a wrong
  // version, a count that does not match the lines, or an unreadable header.
  result<std::vector<std::string>> read_lines() const;
  // Replaces the file atomically. Lines must not contain '\n'.
  result<void> write_lines(const std::vector<std::string>& lines) const;

  const std::filesystem::path& path() const { return _path; }

private:
  std::filesystem::path _path;
  int32_t _version;
};

// The `<topic> <partition> <offset>` checkpoints (recovery point, replication offset, log start
// offset, cleaner offset), all version 0.
using offset_map = std::map<topic_partition, int64_t>;

result<offset_map> read_offset_checkpoint(const std::filesystem::path& path);
result<void> write_offset_checkpoint(const std::filesystem::path& path, const offset_map& offsets);

} // namespace gregor::log
