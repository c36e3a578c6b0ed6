#pragma once
// A segment's `.txnindex` (ON-DISK-FORMAT §3): one 34-byte entry per aborted transaction whose
// ABORT marker is in the segment, in marker order:
//   version:int16 (0), producerId:int64, firstOffset:int64, lastOffset:int64, lastStableOffset:int64
// The file exists only once a segment received an aborted marker. Aborts are rare and the file is
// small, so it is read whole at first use and kept in memory; appends go to the file at once and
// are fsync'd by flush().
//
// Not thread-safe: owned by its segment (the partition's owner calls it).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/log/producer_state.h"

namespace gregor::log {

inline constexpr size_t txn_index_entry_size = 34;
inline constexpr int16_t txn_index_version = 0;

// The aborted transactions a read_committed fetch must be told about (Kafka's
// collectAbortedTxns), gathered segment by segment.
struct aborted_txn_search {
  std::vector<aborted_txn> found;
  // Set once an entry's LSO reached the upper bound: no later segment can add one.
  bool complete = false;
};

class txn_index {
public:
  explicit txn_index(std::filesystem::path file) : _file(std::move(file)) {}

  const std::filesystem::path& file() const { return _file; }
  // After the segment's files were renamed (cleaner swap, deletion).
  void set_file(std::filesystem::path file) { _file = std::move(file); }

  // The entries (read from the file at first use; a missing file is an empty index).
  // errc::corrupt_index when the file's length is not a multiple of 34 or an entry's version is
  // not 0: the segment's index must then be rebuilt from its markers.
  result<std::span<const aborted_txn>> entries() const;

  // Appends one entry, creating the file if needed. Its marker offset must be above every entry's
  // (std::errc::invalid_argument otherwise).
  result<void> append(const aborted_txn& txn);
  // fsyncs the file if it was appended to since the last flush.
  result<void> flush();
  // Drops the entries whose marker is at or above `offset` (the file is cut to the rest).
  result<void> truncate_to(int64_t offset);
  // Removes every entry and the file.
  result<void> reset();

  // Adds to `search` the entries of this index an upper-bounded fetch from `fetch_offset` must
  // report: marker at or after fetch_offset and first offset below upper_bound. Marks the search
  // complete at the first entry whose LSO is at or above upper_bound.
  result<void> collect(int64_t fetch_offset, int64_t upper_bound, aborted_txn_search& search) const;

private:
  result<void> load() const;

  std::filesystem::path _file;
  mutable std::optional<std::vector<aborted_txn>> _entries;  // nullopt until read
  bool _dirty = false;
};

// Encodes/decodes whole index contents (also used by kafka-dump-log).
bytes encode_txn_index(std::span<const aborted_txn> entries);
result<std::vector<aborted_txn>> decode_txn_index(bytes_view data);

} // namespace gregor::log
