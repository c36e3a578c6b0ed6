#pragma once
// The `cleaner-offset-checkpoint` file of each log dir (ON-DISK-FORMAT §5): the first dirty offset
// of every compacted partition in that dir, rewritten atomically after each cleaning.
//
// Thread-safe (one mutex): cleaner threads read and update it concurrently.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>

#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/log/checkpoint_file.h"

namespace gregor::log {

class cleaner_checkpoints {
public:
  // The checkpointed first dirty offset of `tp` in `log_dir`, -1 if none. The dir's file is read on
  // first use; an unreadable file counts as empty (the log is then cleaned from its start).
  int64_t get(const std::filesystem::path& log_dir, const topic_partition& tp);
  // Records `offset` for `tp` and rewrites the dir's file (tmp, fsync, rename, fsync dir).
  result<void> set(const std::filesystem::path& log_dir, const topic_partition& tp, int64_t offset);
  // Forgets `tp` (its partition was deleted) and rewrites the file if it had an entry.
  result<void> remove(const std::filesystem::path& log_dir, const topic_partition& tp);

private:
  offset_map& load(const std::filesystem::path& log_dir);  // _mutex held

  std::mutex _mutex;
  std::map<std::filesystem::path, offset_map> _dirs;
};

} // namespace gregor::log
