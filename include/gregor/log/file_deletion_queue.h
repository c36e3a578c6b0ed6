#pragma once
// Files renamed to `*.deleted` by retention or the log cleaner wait here until
// `file.delete.delay.ms` has passed (ON-DISK-FORMAT §7): readers that still hold a slice of the old
// segment keep its descriptor, and the delay gives fetches in flight time to finish.
//
// Thread-safe: partitions schedule from their strands, the maintenance timer drains.
// Files still queued at shutdown stay on disk; startup removes stray `*.deleted` files (§8 step 1).

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

namespace gregor::log {

class file_deletion_queue {
public:
  // Queues `paths` for removal once the clock reaches `due_ms` (wall-clock milliseconds).
  void schedule(std::vector<std::filesystem::path> paths, int64_t due_ms);
  // Removes every file due at `now_ms`; returns how many were removed. A file already gone counts
  // as removed; other failures are logged and dropped (the next startup retries).
  size_t delete_due(int64_t now_ms);
  size_t pending() const;

private:
  struct entry {
    std::filesystem::path path;
    int64_t due_ms;
  };
  mutable std::mutex _mutex;
  std::vector<entry> _entries;
};

} // namespace gregor::log
