#pragma once
// The leader-epoch cache of one partition log (Kafka's LeaderEpochFileCache): for every leader
// epoch that wrote data, the first offset written in it. Persisted as `leader-epoch-checkpoint`
// in the partition dir (ON-DISK-FORMAT §4: version 0, count, "<epoch> <startOffset>" lines),
// rewritten atomically (tmp, fsync, rename, fsync dir) whenever it changes.
//
// Invariant: entries strictly increase in epoch and in start offset.
// Threading: not thread-safe; owned by its partition_log and used by that log's single owner.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "gregor/common/result.h"

namespace gregor::log {

struct epoch_entry {
  int32_t epoch = 0;
  int64_t start_offset = 0;
  friend bool operator==(const epoch_entry&, const epoch_entry&) = default;
};

class leader_epoch_cache {
public:
  // Reads `path` (a missing file is an empty cache). A malformed file is reported as
  // errc::invalid_checkpoint; callers may start empty and rebuild from the batches instead.
  static result<leader_epoch_cache> load(std::filesystem::path path);
  // An empty cache that writes to `path` (nothing is written until it changes).
  explicit leader_epoch_cache(std::filesystem::path path) : _path(std::move(path)) {}

  // Records that `epoch` started at `start_offset`. No-op (returns false) when the latest entry
  // already has this epoch at an offset <= start_offset, or for negative values. Otherwise removes
  // entries that would break the invariant (epoch >= `epoch` or start >= `start_offset`) and adds
  // the entry; returns true. Does not write the file (see flush()).
  bool assign(int32_t epoch, int64_t start_offset);
  // Removes entries starting at or after `end_offset` (log truncated to end there). True if changed.
  bool truncate_from_end(int64_t end_offset);
  // Removes entries wholly below `start_offset`; the last of them, if any, is kept with its start
  // moved up to `start_offset` (the epoch still owns the first remaining offset). True if changed.
  bool truncate_from_start(int64_t start_offset);
  void clear() { _entries.clear(); }

  std::optional<int32_t> latest_epoch() const;
  std::optional<int64_t> start_offset_of(int32_t epoch) const;
  // Kafka's OffsetsForLeaderEpoch answer given the log end offset: (epoch, end offset) where end
  // offset is the start of the next higher epoch (or `log_end_offset` for the latest epoch). For an
  // epoch below every known one: (requested epoch, start of the first entry). nullopt (Kafka's
  // UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET) when the cache is empty, the epoch is -1, or it is
  // above every known epoch.
  std::optional<std::pair<int32_t, int64_t>> end_offset_for(int32_t epoch, int64_t log_end_offset) const;

  const std::vector<epoch_entry>& entries() const { return _entries; }
  const std::filesystem::path& path() const { return _path; }

  // Writes the file atomically.
  result<void> flush() const;

private:
  std::filesystem::path _path;
  std::vector<epoch_entry> _entries;
};

} // namespace gregor::log
