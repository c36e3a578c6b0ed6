#pragma once
// meta.properties of a log dir (ON-DISK-FORMAT §5): Java properties text with a `#<date>` comment
// header; ZooKeeper mode writes version=0, broker.id, cluster.id.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "gregor/common/result.h"

namespace gregor::log {

struct meta_properties {
  int32_t version = 0;
  std::optional<int32_t> broker_id;
  std::optional<std::string> cluster_id;
  // Every key as read (unknown keys such as directory.id are kept for diagnostics).
  std::map<std::string, std::string> raw;

  // nullopt when the file does not exist; errc::meta_properties_invalid when it cannot be parsed.
  static result<std::optional<meta_properties>> read(const std::filesystem::path& file);
  // Atomic replace (tmp, fsync, rename, fsync dir). `now_ms` dates the comment line.
  result<void> write(const std::filesystem::path& file, int64_t now_ms) const;
};

// Parses Java properties text: '#'/'!' comments, key=value or key:value, surrounding blanks
// trimmed. Enough for the files brokers write (no escapes or continuation lines beyond '\\').
std::map<std::string, std::string> parse_java_properties(std::string_view text);

} // namespace gregor::log
