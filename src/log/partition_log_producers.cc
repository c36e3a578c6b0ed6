// Producer-state upkeep of partition_log (issue 7): snapshots, rebuilding the state and the
// .txnindex files after recovery and truncation, and the queries of read_committed reads. Same
// threading contract as the rest of the log: one owner.
#include <algorithm>
#include <array>
#include <vector>

#include "file_util.h"
#include "gregor/common/logger.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/partition_log.h"
#include "gregor/log/producer_snapshot.h"
#include "gregor/log/segment.h"
#include "producer_batches.h"

namespace gregor::log {

std::optional<int64_t> partition_log::first_unstable_offset() const {
  auto first = _producers.first_unstable_offset();
  if (!first) return std::nullopt;
  return std::max(*first, _log_start_offset);
}

void partition_log::on_high_watermark(int64_t high_watermark) { _producers.on_high_watermark(high_watermark); }

size_t partition_log::remove_expired_producers() {
  return _producers.remove_expired(_clk.now_ms(), _cfg.producer_id_expiration_ms);
}

result<std::vector<aborted_txn>> partition_log::collect_aborted_txns(int64_t fetch_offset, int64_t upper_bound) const {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  aborted_txn_search search;
  auto it = _segments.upper_bound(fetch_offset);
  if (it != _segments.begin()) --it;
  // A transaction that began inside the fetched range may have been aborted in any later segment.
  for (; it != _segments.end() && !search.complete; ++it) {
    if (auto r = it->second->aborted_txns().collect(fetch_offset, upper_bound, search); !r) {
      return unexpected(r.error());
    }
  }
  return std::move(search.found);
}

result<void> partition_log::apply_producer_plan(producer_append_plan plan) {
  const auto aborted = _producers.apply(std::move(plan));
  for (const auto& txn : aborted) {
    if (auto r = active().aborted_txns().append(txn); !r) {
      get_logger("log")->error("{}: cannot add an aborted transaction to {}: {}", _dir.string(),
                               active().aborted_txns().file().filename().string(), r.error().message());
      return r;
    }
  }
  return {};
}

void partition_log::take_producer_snapshot(bool sync) {
  const int64_t at = _producers.map_end_offset();
  if (at <= _last_snapshot_offset || nothing_to_snapshot()) return;
  const auto entries = _producers.entries();
  if (auto r = write_producer_snapshot(_dir, at, entries, sync); !r) {
    // The next snapshot or a replay from an older one makes up for it.
    get_logger("log")->warn("{}: cannot write the producer snapshot at {}: {}", _dir.string(), at, r.error().message());
    return;
  }
  _last_snapshot_offset = at;
}

void partition_log::delete_snapshots_if(const std::function<bool(int64_t)>& doomed) {
  auto listed = list_producer_snapshots(_dir);
  if (!listed) {
    get_logger("log")->warn("{}: cannot list producer snapshots: {}", _dir.string(), listed.error().message());
    return;
  }
  for (int64_t at : *listed) {
    if (!doomed(at)) continue;
    std::error_code ec;
    std::filesystem::remove(filenames::snapshot_file(_dir, at), ec);
    if (ec) get_logger("log")->warn("{}: cannot delete snapshot {}: {}", _dir.string(), at, ec.message());
  }
}

void partition_log::delete_snapshots_above(int64_t offset) {
  delete_snapshots_if([offset](int64_t at) { return at > offset; });
  _last_snapshot_offset = std::min(_last_snapshot_offset, offset);
}

void partition_log::delete_snapshots_below(int64_t offset) {
  delete_snapshots_if([offset](int64_t at) { return at < offset; });
}

result<void> partition_log::rebuild_producer_state(int64_t replay_from) {
  auto logger = get_logger("log");
  delete_snapshots_above(_log_end_offset);
  auto listed = list_producer_snapshots(_dir);
  if (!listed) return unexpected(listed.error());
  const int64_t limit = std::min(replay_from, _log_end_offset);
  bool loaded = false;
  for (auto it = listed->rbegin(); it != listed->rend() && !loaded; ++it) {
    if (*it > limit) continue;
    const auto file = filenames::snapshot_file(_dir, *it);
    auto entries = read_producer_snapshot(file);
    if (!entries) {
      logger->warn("{}: deleting unreadable producer snapshot {}: {}", _dir.string(), file.filename().string(),
                   entries.error().message());
      std::error_code ignored;
      std::filesystem::remove(file, ignored);
      continue;
    }
    _producers.load(*entries, *it, _clk.now_ms(), _cfg.producer_id_expiration_ms);
    _last_snapshot_offset = *it;
    loaded = true;
  }
  if (!loaded) _producers.clear(first_segment_base_offset());
  const int64_t from = _producers.map_end_offset();

  // The replay re-adds the aborted transactions whose markers are at or above `from`.
  auto holder = _segments.upper_bound(from);
  if (holder != _segments.begin()) --holder;
  for (auto it = holder; it != _segments.end(); ++it) {
    txn_index& index = it->second->aborted_txns();
    auto cut = index.truncate_to(from);
    if (cut) continue;
    if (cut.error() != errc::corrupt_index) return cut;
    logger->warn("{}: rebuilding the corrupt {}", _dir.string(), index.file().filename().string());
    if (auto reset = index.reset(); !reset) return reset;
    // Entries below `from` were lost with the file: replay from the segment's start instead.
    if (it->first < from) return rebuild_producer_state(it->first);
  }
  if (from < _log_end_offset) {
    logger->info("{}: rebuilding producer state from offset {} to {}", _dir.string(), from, _log_end_offset);
  }
  return replay_producer_batches(from);
}

result<void> partition_log::replay_producer_batches(int64_t from) {
  auto it = _segments.upper_bound(from);
  if (it != _segments.begin()) --it;
  std::array<uint8_t, detail::control_probe_size> probe{};
  for (; it != _segments.end(); ++it) {
    segment& seg = *it->second;
    if (seg.empty()) continue;
    auto file = seg.open_file();
    if (!file) return unexpected(file.error());
    auto b = it->first <= from ? seg.find_batch(from) : seg.batch_at(**file, 0);
    while (b && *b) {
      const batch_position& pos = **b;
      if (pos.magic >= 2 && pos.producer_id >= 0 && pos.last_offset >= from) {
        size_t probed = 0;
        if (pos.control) {
          auto n = detail::pread_upto((*file)->fd(), probe.data(), std::min<size_t>(probe.size(), pos.size), pos.position);
          if (!n) return unexpected(n.error());
          probed = *n;
        }
        const auto fields = detail::producer_fields(pos, bytes_view(probe.data(), probed));
        auto plan = _producers.analyze(std::span(&fields, 1), append_origin::replication);
        if (!plan) {
          get_logger("log")->warn("{}: producer state ignores the batch at offset {}: {}", _dir.string(),
                                  pos.base_offset, plan.error().message());
        } else {
          for (const auto& txn : _producers.apply(std::move(*plan))) {
            if (auto r = seg.aborted_txns().append(txn); !r) return r;
          }
        }
      }
      b = seg.batch_at(**file, pos.position + pos.size);
    }
    if (!b) return unexpected(b.error());
    // Entries re-added below the recovery point are not covered by any later flush.
    if (auto r = seg.aborted_txns().flush(); !r) return r;
  }
  _producers.set_map_end_offset(_log_end_offset);
  return {};
}

} // namespace gregor::log
