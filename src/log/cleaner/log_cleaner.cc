#include "gregor/log/cleaner/log_cleaner.h"

#include <fcntl.h>
#include <unistd.h>

#include <limits>
#include <map>
#include <sstream>
#include <unordered_map>

#include "batch_view.h"
#include "cleaned_txns.h"
#include "file_util.h"
#include "producer_batches.h"
#include "gregor/common/logger.h"
#include "gregor/log/cleaner/dedupe_map.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/offset_index.h"
#include "gregor/log/time_index.h"
#include "gregor/log/txn_index.h"
#include "gregor/record/batch_filter.h"
#include "gregor/record/batch_header.h"
#include "segment_scan.h"

namespace gregor::log {
namespace {

using cleaner_detail::cleaned_txns;
using cleaner_detail::scanned_entry;
using cleaner_detail::segment_scan;

constexpr size_t write_chunk = 1 << 20;

std::filesystem::path cleaned_path(const std::filesystem::path& regular) {
  return filenames::with_suffix(regular, filenames::cleaned_suffix);
}

void remove_cleaned_files(const std::filesystem::path& dir, int64_t base) {
  std::error_code ignored;
  std::filesystem::remove(cleaned_path(filenames::log_file(dir, base)), ignored);
  std::filesystem::remove(cleaned_path(filenames::offset_index_file(dir, base)), ignored);
  std::filesystem::remove(cleaned_path(filenames::time_index_file(dir, base)), ignored);
  std::filesystem::remove(cleaned_path(filenames::txn_index_file(dir, base)), ignored);
}

// Groups neighbouring segments so each group's log fits segment.bytes, its indexes
// segment.index.bytes and its offsets 32-bit relative offsets (§9).
std::vector<std::vector<cleaner_segment>> group_segments(const std::vector<cleaner_segment>& segs,
                                                         const log_config& cfg) {
  std::vector<std::vector<cleaner_segment>> groups;
  uint64_t log_bytes = 0;
  uint64_t index_bytes = 0;
  for (const auto& s : segs) {
    if (!groups.empty()) {
      int64_t base = groups.back().front().base_offset;
      bool fits = log_bytes + s.size <= static_cast<uint64_t>(std::max<int64_t>(cfg.segment_bytes, 0)) &&
                  index_bytes + s.index_bytes <= static_cast<uint64_t>(std::max(cfg.segment_index_bytes, 0)) &&
                  s.end_offset - 1 - base <= std::numeric_limits<int32_t>::max();
      if (fits) {
        groups.back().push_back(s);
        log_bytes += s.size;
        index_bytes += s.index_bytes;
        continue;
      }
    }
    groups.push_back({s});
    log_bytes = s.size;
    index_bytes = s.index_bytes;
  }
  return groups;
}

// Writes one cleaned segment: `<base>.log.cleaned` plus its indexes, built with the append path's
// rules (§3): an index entry when more than index.interval.bytes were written since the last one,
// a final time-index entry at the end.
class cleaned_writer {
public:
  static result<std::unique_ptr<cleaned_writer>> create(const std::filesystem::path& dir, int64_t base,
                                                        const log_config& cfg, io_throttle* throttle) {
    remove_cleaned_files(dir, base);  // leftovers of an earlier attempt would be opened as they are
    auto log_path = cleaned_path(filenames::log_file(dir, base));
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return unexpected(detail::errno_code());
    auto file = std::make_unique<file_descriptor>(fd);
    auto index_bytes = static_cast<size_t>(std::max(cfg.segment_index_bytes, 0));
    auto oidx = offset_index::open(cleaned_path(filenames::offset_index_file(dir, base)), base, index_bytes);
    if (!oidx) return unexpected(oidx.error());
    auto tidx = time_index::open(cleaned_path(filenames::time_index_file(dir, base)), base, index_bytes);
    if (!tidx) return unexpected(tidx.error());
    return std::unique_ptr<cleaned_writer>(new cleaned_writer(std::move(file), std::move(*oidx), std::move(*tidx),
                                                              cleaned_path(filenames::txn_index_file(dir, base)),
                                                              cfg.index_interval_bytes, throttle));
  }

  // Adds an aborted transaction whose ABORT marker this segment keeps (in marker order).
  result<void> append_aborted(const aborted_txn& txn) { return _txns.append(txn); }

  // Appends one whole batch whose last offset is `last_offset` and max timestamp `max_timestamp`.
  result<void> append(bytes_view batch, int64_t last_offset, int64_t max_timestamp) {
    if (max_timestamp > _max_timestamp) {
      _max_timestamp = max_timestamp;
      _offset_of_max_timestamp = last_offset;
    }
    if (_since_index > static_cast<uint64_t>(std::max(_interval, 0))) {
      // A full index only makes lookups scan further; the data is what matters.
      (void)_oidx.append(last_offset, static_cast<uint32_t>(_size));
      if (_max_timestamp >= 0) (void)_tidx.maybe_append(_max_timestamp, _offset_of_max_timestamp);
      _since_index = 0;
    }
    _since_index += batch.size();
    _pending.insert(_pending.end(), batch.begin(), batch.end());
    _size += batch.size();
    _next_offset = last_offset + 1;
    ++_batches;
    if (_pending.size() >= write_chunk) return flush_pending();
    return {};
  }

  // Writes the rest, the final time-index entry, trims and fsyncs everything.
  result<void> finish() {
    if (auto r = flush_pending(); !r) return r;
    if (_max_timestamp >= 0) (void)_tidx.maybe_append(_max_timestamp, _offset_of_max_timestamp, true);
    if (auto r = _oidx.trim(); !r) return r;
    if (auto r = _tidx.trim(); !r) return r;
    if (auto r = _oidx.flush(); !r) return r;
    if (auto r = _tidx.flush(); !r) return r;
    if (auto r = _txns.flush(); !r) return r;
    if (auto r = detail::fsync_fd(_file->fd()); !r) return r;
    _oidx.close();
    _tidx.close();
    _file.reset();
    return {};
  }

  uint64_t size() const { return _size; }
  int64_t next_offset() const { return _next_offset; }
  size_t batches() const { return _batches; }

private:
  cleaned_writer(std::unique_ptr<file_descriptor> file, offset_index oidx, time_index tidx,
                 std::filesystem::path txn_file, int32_t interval, io_throttle* throttle)
    : _file(std::move(file)), _oidx(std::move(oidx)), _tidx(std::move(tidx)), _txns(std::move(txn_file)),
      _interval(interval), _throttle(throttle) {}

  result<void> flush_pending() {
    if (_pending.empty()) return {};
    bytes_view piece(_pending);
    if (auto r = detail::pwrite_all(_file->fd(), std::span<const bytes_view>(&piece, 1), _written); !r) return r;
    if (_throttle != nullptr) _throttle->acquire(_pending.size());
    _written += _pending.size();
    _pending.clear();
    return {};
  }

  std::unique_ptr<file_descriptor> _file;
  offset_index _oidx;
  time_index _tidx;
  txn_index _txns;  // created only at its first entry
  int32_t _interval;
  io_throttle* _throttle;
  bytes _pending;
  uint64_t _written = 0;
  uint64_t _size = 0;
  uint64_t _since_index = 0;
  int64_t _max_timestamp = -1;
  int64_t _offset_of_max_timestamp = -1;
  int64_t _next_offset = 0;
  size_t _batches = 0;
};

// Pass 1: the key -> latest offset map over [first dirty, first uncleanable). Returns the end of
// the mapped range: first uncleanable when everything fit, else the base of the first batch that
// did not.
result<int64_t> build_map(const clean_snapshot& snap, dedupe_map& map, clean_stats& stats, io_throttle* throttle) {
  bool mapped_any = false;
  cleaned_txns txns(snap.aborted_txns, snap.first_dirty_offset);
  for (const auto& seg : snap.segments) {
    if (seg.end_offset <= snap.first_dirty_offset) continue;
    if (seg.base_offset >= snap.first_uncleanable_offset) break;
    segment_scan scan(seg.file, seg.size, throttle);
    while (true) {
      auto e = scan.next();
      if (!e) return unexpected(e.error());
      if (!*e) break;
      const auto& h = (*e)->header;
      if (h.last_offset() < snap.first_dirty_offset) continue;
      if (h.last_offset() >= snap.first_uncleanable_offset) return h.first_offset();
      if (h.magic < 2) continue;  // legacy entries are copied unchanged and never mapped
      auto bh = record::parse_batch_header((*e)->data);
      if (!bh) continue;  // the cleaning pass refuses it
      if (bh->is_control()) {
        txns.on_control_batch(bh->producer_id, h.last_offset(), bh->record_count, detail::parse_marker((*e)->data));
        continue;
      }
      if (txns.on_data_batch(bh->producer_id, bh->is_transactional(), h.last_offset())) continue;  // aborted
      if (!map.has_room_for(static_cast<size_t>(std::max(bh->record_count, 0)))) {
        if (!mapped_any) {
          return unexpected(std::make_error_code(std::errc::not_enough_memory));  // dedupe buffer too small
        }
        return h.first_offset();
      }
      int64_t first_dirty = snap.first_dirty_offset;
      auto f = record::filter_batch(
          (*e)->data,
          [&](const record::filter_record& r) {
            ++stats.records_read;
            if (r.key && r.offset >= first_dirty) map.put(*r.key, r.offset);
            return true;
          },
          record::filter_options{});
      if (!f) return unexpected(f.error());
      mapped_any = true;
    }
  }
  return snap.first_uncleanable_offset;
}

// Whether `h` must stay, at least empty, to keep what producer state rebuilt from the log needs of a
// producer the log still knows: the batch holding its last data offset, or, when it has none, a
// marker at its current epoch (Kafka's isBatchLastRecordOfProducer).
bool holds_producer_state(const clean_snapshot& snap, const record::batch_header& h, int64_t last_offset) {
  if (h.producer_id < 0) return false;
  auto it = snap.producers.find(h.producer_id);
  if (it == snap.producers.end()) return false;
  if (it->second.last_data_offset >= 0) return last_offset == it->second.last_data_offset;
  return h.is_control() && h.producer_epoch == it->second.epoch;
}

} // namespace

bool is_compacted(const log_config& cfg) {
  std::stringstream in(cfg.cleanup_policy);
  std::string item;
  while (std::getline(in, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b != std::string::npos && item.substr(b, e - b + 1) == "compact") return true;
  }
  return false;
}

void discard_cleaned(const clean_output& output) {
  for (const auto& g : output.groups) remove_cleaned_files(output.dir, g.base_offset);
}

result<clean_output> clean_log(const clean_snapshot& snap, dedupe_map& map, int64_t now_ms, io_throttle* throttle) {
  clean_output out;
  out.dir = snap.dir;
  out.first_dirty_offset = snap.first_dirty_offset;
  map.clear();
  if (snap.first_dirty_offset >= snap.first_uncleanable_offset) return out;

  auto mapped_end = build_map(snap, map, out.stats, throttle);
  if (!mapped_end) return unexpected(mapped_end.error());
  out.stats.keys_mapped = map.size();
  if (*mapped_end <= snap.first_dirty_offset) return out;

  std::vector<cleaner_segment> to_clean;
  for (const auto& s : snap.segments) {
    if (s.base_offset < *mapped_end) to_clean.push_back(s);
  }
  const int64_t end = *mapped_end;
  const int64_t horizon = now_ms > std::numeric_limits<int64_t>::max() - snap.cfg.delete_retention_ms
                              ? std::numeric_limits<int64_t>::max()
                              : now_ms + snap.cfg.delete_retention_ms;
  auto fail = [&](std::error_code ec) -> result<clean_output> {
    discard_cleaned(out);
    return unexpected(ec);
  };

  // One scan over every segment to clean, from the log's first: a marker's transaction may have
  // begun in any earlier segment.
  cleaned_txns txns(snap.aborted_txns, to_clean.front().base_offset);
  for (const auto& group : group_segments(to_clean, snap.cfg)) {
    int64_t base = group.front().base_offset;
    auto writer = cleaned_writer::create(snap.dir, base, snap.cfg, throttle);
    if (!writer) return fail(writer.error());
    cleaned_group cg;
    cg.base_offset = base;
    cg.replaced = group;
    out.groups.push_back(cg);  // registered first so a failure below removes its files

    for (size_t si = 0; si < group.size(); ++si) {
      const auto& seg = group[si];
      bool last_segment = si + 1 == group.size();
      segment_scan scan(seg.file, seg.size, throttle);
      while (true) {
        auto e = scan.next();
        if (!e) return fail(e.error());
        if (!*e) break;
        const scanned_entry& entry = **e;
        out.stats.bytes_read += entry.data.size();
        bool last_batch = last_segment && scan.at_end();
        const auto& h = entry.header;
        auto verbatim = [&]() { return (*writer)->append(entry.data, h.last_offset(), h.max_timestamp); };

        if (h.magic < 2) {
          if (auto r = verbatim(); !r) return fail(r.error());
          continue;
        }
        auto bh = record::parse_batch_header(entry.data);
        if (!bh) return fail(make_error_code(errc::corrupt_log));
        record::filter_options opts;
        const bool producer_state_batch = holds_producer_state(snap, *bh, h.last_offset());
        opts.keep_if_empty = last_batch || producer_state_batch;
        // A segment's last batch kept only for its offsets stands for no producer any more.
        opts.clear_producer_if_empty = !producer_state_batch;
        std::function<bool(const record::filter_record&)> keep;
        if (bh->is_control()) {
          // A marker that may go is first marked with a delete horizon, then dropped by a cleaning
          // after it (Kafka: so that a read_committed consumer behind the cleaner still sees it).
          bool may_go = txns.on_control_batch(bh->producer_id, h.last_offset(), bh->record_count,
                                              detail::parse_marker(entry.data));
          bool drop = may_go && bh->has_delete_horizon() && now_ms >= bh->base_timestamp;
          if (may_go && !bh->has_delete_horizon()) opts.delete_horizon_ms = horizon;
          opts.horizon_without_tombstone = true;
          keep = [drop](const record::filter_record&) { return !drop; };
        } else if (txns.on_data_batch(bh->producer_id, bh->is_transactional(), h.last_offset())) {
          keep = [&](const record::filter_record&) {
            ++out.stats.aborted_records_dropped;
            return false;
          };
        } else if (h.first_offset() >= end) {
          // Beyond the map: still dirty, copied as it is.
          if (auto r = verbatim(); !r) return fail(r.error());
          continue;
        } else {
          bool has_horizon = bh->has_delete_horizon();
          int64_t batch_horizon = bh->base_timestamp;
          opts.delete_horizon_ms = horizon;
          keep = [&, has_horizon, batch_horizon](const record::filter_record& r) {
            if (!r.key) return false;           // keyless records cannot be compacted
            if (r.offset >= end) return true;   // beyond the map: still dirty
            auto latest = map.get(*r.key);
            if (latest && r.offset < *latest) return false;  // superseded
            if (r.value) return true;
            bool expired = has_horizon && now_ms >= batch_horizon;
            if (expired) ++out.stats.tombstones_dropped;
            return !expired;
          };
        }
        auto f = record::filter_batch(entry.data, keep, opts);
        if (!f) return fail(f.error());
        out.stats.records_kept += static_cast<uint64_t>(f->kept);
        switch (f->outcome) {
        case record::filter_result::kind::unchanged:
          if (auto r = verbatim(); !r) return fail(r.error());
          break;
        case record::filter_result::kind::rewritten:
          if (auto r = (*writer)->append(f->batch, h.last_offset(), h.max_timestamp); !r) return fail(r.error());
          break;
        case record::filter_result::kind::dropped: break;
        }
      }
    }
    for (const auto& txn : txns.take_retained()) {
      if (auto r = (*writer)->append_aborted(txn); !r) return fail(r.error());
    }
    out.stats.bytes_written += (*writer)->size();
    out.groups.back().size = (*writer)->size();
    out.groups.back().next_offset = (*writer)->next_offset();
    bool empty = (*writer)->batches() == 0;
    if (auto r = (*writer)->finish(); !r) return fail(r.error());
    if (empty) {
      // Only possible for segments without any batch: nothing to replace them with.
      remove_cleaned_files(snap.dir, base);
      out.groups.pop_back();
    }
  }
  if (txns.unindexed_aborts() > 0) {
    get_logger("log.cleaner")->warn("{}: {} ABORT marker(s) without a .txnindex entry after data of their "
                                    "transaction: that data was kept as committed, and the markers stay with it",
                                    snap.dir.string(), txns.unindexed_aborts());
  }
  out.first_dirty_offset = end;
  return out;
}

} // namespace gregor::log
