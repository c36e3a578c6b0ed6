// The parts of the cleaner that run on the log's owner and need partition_log's private state
// (its segment map), through the `friend class cleaner_access` declared in partition_log.h.

#include <algorithm>
#include <limits>

#include "file_util.h"
#include "gregor/common/logger.h"
#include "gregor/log/cleaner/log_cleaner.h"
#include "gregor/log/file_deletion_queue.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "gregor/log/segment.h"

namespace gregor::log {

class cleaner_access {
public:
  static std::optional<clean_snapshot> snapshot(const partition_log& log, int64_t checkpointed_first_dirty,
                                                int64_t high_watermark, int64_t now_ms);
  static result<swap_result> swap(partition_log& log, const clean_output& output, file_deletion_queue* deletions,
                                  int64_t now_ms);
};

namespace {

cleaner_segment describe(const segment& seg, int64_t end_offset) {
  cleaner_segment out;
  out.base_offset = seg.base_offset();
  out.end_offset = end_offset;
  out.size = seg.size();
  out.index_bytes = seg.offsets().entries() * offset_index::entry_size + seg.times().entries() * time_index::entry_size;
  out.max_timestamp = seg.max_timestamp();
  out.file = seg.file();
  return out;
}

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir, int64_t base) {
  return {filenames::log_file(dir, base), filenames::offset_index_file(dir, base),
          filenames::time_index_file(dir, base), filenames::txn_index_file(dir, base)};
}

result<void> rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) return unexpected(ec);
  return {};
}

} // namespace

std::optional<clean_snapshot> cleaner_access::snapshot(const partition_log& log, int64_t checkpointed_first_dirty,
                                                       int64_t high_watermark, int64_t now_ms) {
  if (log._closed || log._segments.empty()) return std::nullopt;
  clean_snapshot snap;
  snap.dir = log._dir;
  snap.tp = log._tp;
  snap.cfg = log._cfg;
  snap.log_start_offset = log._log_start_offset;
  int64_t first_dirty = checkpointed_first_dirty;
  if (first_dirty < log._log_start_offset || first_dirty > log._log_end_offset) first_dirty = log._log_start_offset;

  const int64_t active_base = log._segments.rbegin()->first;
  int64_t uncleanable = std::min(active_base, high_watermark);
  // Transactions: nothing at or past the last stable offset is cleaned (an open transaction's
  // data may still be aborted). The cleaner needs every aborted transaction: one aborted in a later
  // segment may have begun in an earlier one. An unreadable .txnindex stops cleaning altogether
  // until the next open rebuilds it: without it aborted data would look committed.
  if (auto first_unstable = log.first_unstable_offset()) uncleanable = std::min(uncleanable, *first_unstable);
  for (const auto& [base, seg] : log._segments) {
    auto aborted = seg->aborted_txns().entries();
    if (!aborted) {
      get_logger("log.cleaner")->warn("{}: not cleaning: {} is unreadable: {}", log._dir.string(),
                                      seg->aborted_txns().file().filename().string(), aborted.error().message());
      uncleanable = log._segments.begin()->first;
      snap.aborted_txns.clear();
      break;
    }
    snap.aborted_txns.insert(snap.aborted_txns.end(), aborted->begin(), aborted->end());
  }
  for (const auto& entry : log._producers.entries()) {
    snap.producers.emplace(entry.producer_id, cleaner_producer{entry.last_data_offset(), entry.epoch});
  }
  if (snap.cfg.min_compaction_lag_ms > 0) {
    // The first segment holding data newer than now - min.compaction.lag.ms, and all after it, wait.
    for (auto it = log._segments.begin(); it != log._segments.end(); ++it) {
      auto next = std::next(it);
      if (next == log._segments.end()) break;
      if (next->first <= first_dirty) continue;
      if (it->second->max_timestamp() > now_ms - snap.cfg.min_compaction_lag_ms) {
        uncleanable = std::min(uncleanable, it->first);
        break;
      }
    }
  }
  first_dirty = std::min(first_dirty, std::max(uncleanable, log._log_start_offset));
  snap.first_dirty_offset = first_dirty;
  snap.first_uncleanable_offset = uncleanable;

  bool first_dirty_seen = false;
  for (auto it = log._segments.begin(); it != log._segments.end(); ++it) {
    auto next = std::next(it);
    if (next == log._segments.end() || it->first >= uncleanable) break;  // never the active segment
    auto seg = describe(*it->second, next->first);
    if (seg.end_offset <= first_dirty) {
      snap.clean_bytes += seg.size;
    } else {
      snap.dirty_bytes += seg.size;
      if (!first_dirty_seen && snap.cfg.max_compaction_lag_ms < std::numeric_limits<int64_t>::max()) {
        // Kafka looks at the first dirty segment's first batch.
        auto first = it->second->batch_at(0);
        if (first && *first && (*first)->max_timestamp >= 0 &&
            now_ms - (*first)->max_timestamp > snap.cfg.max_compaction_lag_ms) {
          snap.max_lag_exceeded = true;
        }
      }
      first_dirty_seen = true;
    }
    snap.segments.push_back(std::move(seg));
  }
  return snap;
}

result<swap_result> cleaner_access::swap(partition_log& log, const clean_output& output,
                                         file_deletion_queue* deletions, int64_t now_ms) {
  swap_result res;
  auto logger = get_logger("log.cleaner");
  // Every replaced segment must still be the log's, untouched (same descriptor, same size), and
  // not the active one.
  bool current = !log._closed && output.dir == log._dir && !log._segments.empty();
  for (const auto& g : output.groups) {
    for (const auto& r : g.replaced) {
      auto it = current ? log._segments.find(r.base_offset) : log._segments.end();
      if (it == log._segments.end() || it->second->file() != r.file || it->second->size() != r.size ||
          std::next(it) == log._segments.end()) {
        current = false;
        break;
      }
    }
  }
  if (!current) {
    logger->info("{}: log changed during cleaning; discarding the cleaned segments", output.dir.string());
    discard_cleaned(output);
    return res;
  }

  const auto& dir = log._dir;
  std::vector<std::filesystem::path> deleted;
  for (const auto& g : output.groups) {
    const int64_t base = g.base_offset;
    // 1. .cleaned -> .swap, indexes first: a .log.swap means its indexes are complete too. The
    // .txnindex exists only when aborted transactions stay in the group.
    std::vector<std::filesystem::path> regular = {filenames::offset_index_file(dir, base),
                                                  filenames::time_index_file(dir, base)};
    auto txn_file = filenames::txn_index_file(dir, base);
    std::error_code probe;
    bool has_txn_index = std::filesystem::exists(filenames::with_suffix(txn_file, filenames::cleaned_suffix), probe);
    if (has_txn_index) regular.push_back(txn_file);
    regular.push_back(filenames::log_file(dir, base));
    for (const auto& p : regular) {
      auto r = rename_file(filenames::with_suffix(p, filenames::cleaned_suffix),
                           filenames::with_suffix(p, filenames::swap_suffix));
      if (!r) return unexpected(r.error());
    }
    if (auto r = detail::fsync_dir(dir); !r) return unexpected(r.error());
    // 2. The replaced segments leave the map; their files become .deleted. Readers holding a slice
    // keep the old descriptor.
    for (const auto& r : g.replaced) {
      res.bytes_before += r.size;
      auto node = log._segments.extract(r.base_offset);
      node.mapped().reset();
      for (const auto& p : segment_files(dir, r.base_offset)) {
        auto target = filenames::with_suffix(p, filenames::deleted_suffix);
        std::error_code ec;
        std::filesystem::rename(p, target, ec);
        if (!ec) {
          deleted.push_back(target);
        } else if (ec != std::errc::no_such_file_or_directory) {
          return unexpected(ec);
        }
      }
      ++res.segments_replaced;
    }
    // 3. Strip .swap: the offset and time indexes, the .log, then the .txnindex. Recovery deletes
    // regular files beside a .log.swap (they may be the old segment's) and rebuilds the offset and
    // time indexes, but a .txnindex cannot be rebuilt from its segment alone, so it stays .swap
    // until the .log is regular (detail::complete_interrupted_swaps strips it then).
    if (has_txn_index) std::rotate(regular.end() - 2, regular.end() - 1, regular.end());
    for (const auto& p : regular) {
      if (auto r = rename_file(filenames::with_suffix(p, filenames::swap_suffix), p); !r) return unexpected(r.error());
    }
    if (auto r = detail::fsync_dir(dir); !r) return unexpected(r.error());
    // 4. The new segment takes the old ones' place.
    auto seg = segment::open(dir, base, log._cfg, now_ms, 0);
    if (!seg) {
      logger->error("{}: cannot open cleaned segment {}: {}", dir.string(), base, seg.error().message());
      return unexpected(seg.error());
    }
    if ((*seg)->needs_recovery()) {
      if (auto r = (*seg)->recover(); !r) return unexpected(r.error());
      if (auto r = (*seg)->seal(); !r) return unexpected(r.error());
    }
    res.bytes_after += (*seg)->size();
    log._segments.emplace(base, std::move(*seg));
  }
  res.swapped = true;
  // Producer snapshots inside the cleaned range describe batches the cleaner may have removed: a
  // rebuild starting from one could find a transaction open whose marker is gone, and keep it open
  // for ever. Without them a rebuild that needs an older state replays the cleaned log from its
  // start, which holds every marker of every transaction batch it kept.
  if (!output.groups.empty() && !output.groups.back().replaced.empty()) {
    log.delete_snapshots_below(output.groups.back().replaced.back().end_offset);
  }
  if (deletions != nullptr) {
    deletions->schedule(std::move(deleted), now_ms + std::max<int64_t>(log._cfg.file_delete_delay_ms, 0));
  } else {
    for (const auto& p : deleted) {
      std::error_code ignored;
      std::filesystem::remove(p, ignored);
    }
  }
  return res;
}

std::optional<clean_snapshot> snapshot_for_cleaning(const partition_log& log, int64_t checkpointed_first_dirty,
                                                    int64_t high_watermark, int64_t now_ms) {
  return cleaner_access::snapshot(log, checkpointed_first_dirty, high_watermark, now_ms);
}

result<swap_result> swap_cleaned(partition_log& log, const clean_output& output, file_deletion_queue* deletions,
                                 int64_t now_ms) {
  return cleaner_access::swap(log, output, deletions, now_ms);
}

} // namespace gregor::log
