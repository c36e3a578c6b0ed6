#include "gregor/log/partition_log.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <set>
#include <sys/stat.h>
#include <vector>

#include "batch_view.h"
#include "file_util.h"
#include "gregor/common/endian.h"
#include "gregor/common/logger.h"
#include "gregor/common/uuid.h"
#include "gregor/log/errc.h"
#include "gregor/log/file_deletion_queue.h"
#include "gregor/log/filenames.h"
#include "gregor/log/producer_snapshot.h"
#include "gregor/log/segment.h"
#include "producer_batches.h"
#include "swap_recovery.h"

namespace gregor::log {
namespace {

// One batch of an append, as found in the caller's buffer.
struct incoming_batch {
  size_t position;
  size_t size;
  detail::entry_header header;
};

} // namespace

void partition_log::remove_segment_files(const std::filesystem::path& dir, int64_t base) {
  std::error_code ignored;
  std::filesystem::remove(filenames::log_file(dir, base), ignored);
  std::filesystem::remove(filenames::offset_index_file(dir, base), ignored);
  std::filesystem::remove(filenames::time_index_file(dir, base), ignored);
  std::filesystem::remove(filenames::txn_index_file(dir, base), ignored);
}

void partition_log::remove_segment_now(std::unique_ptr<segment> seg) {
  const int64_t base = seg->base_offset();
  if (auto r = seg->close(); !r) {
    get_logger("log")->warn("{}: closing segment {}: {}", _dir.string(), base, r.error().message());
  }
  seg.reset();
  remove_segment_files(_dir, base);
}

partition_log::partition_log(std::filesystem::path dir, topic_partition tp, log_config cfg, clock& clk)
  : _dir(std::move(dir)), _tp(std::move(tp)), _cfg(std::move(cfg)), _clk(clk),
    _epochs(_dir / std::string(filenames::leader_epoch_checkpoint_file)) {}

partition_log::~partition_log() = default;

result<std::unique_ptr<partition_log>> partition_log::open(std::filesystem::path dir, topic_partition tp,
                                                           log_config cfg, clock& clk, recovery_hint hint,
                                                           std::string* why) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    if (why) *why = "cannot create " + dir.string() + ": " + ec.message();
    return unexpected(ec);
  }
  std::unique_ptr<partition_log> log(new partition_log(std::move(dir), std::move(tp), std::move(cfg), clk));
  if (auto r = log->load(hint); !r) {
    if (why) *why = log->_load_error.empty() ? log->_dir.string() + ": " + r.error().message() : log->_load_error;
    return unexpected(r.error());
  }
  return log;
}

void partition_log::load_failed(const std::filesystem::path& file, const std::string& what, std::error_code ec) {
  _load_error = what + " " + file.string() + ": " + ec.message();
  get_logger("log")->error("{}", _load_error);
}

int64_t partition_log::next_roll_jitter() {
  int64_t bound = std::min(_cfg.segment_jitter_ms, _cfg.segment_ms);
  if (bound <= 0) return 0;
  return static_cast<int64_t>(_rng() % static_cast<uint64_t>(bound));
}

result<void> partition_log::load(const recovery_hint& hint) {
  auto logger = get_logger("log");
  // §8 step 1: an interrupted cleaner swap is completed or undone before anything is listed.
  if (auto swaps = detail::complete_interrupted_swaps(_dir); !swaps) {
    load_failed(_dir, "cannot complete interrupted segment swaps in", swaps.error());
    return unexpected(swaps.error());
  }
  std::set<int64_t> bases;
  std::vector<std::pair<int64_t, std::filesystem::path>> index_files;
  std::set<int64_t> with_offset_index;  // bases whose .index / .timeindex are listed
  std::set<int64_t> with_time_index;
  std::set<int64_t> damaged_txn_indexes;
  bool any_snapshot = false;
  auto listing = detail::list_dir(_dir);
  if (!listing) {
    load_failed(_dir, "cannot list", listing.error());
    return unexpected(listing.error());
  }
  for (const auto& de : *listing) {
    if (!de.is_regular_file) continue;
    auto name = de.path.filename().string();
    auto parsed = filenames::parse_segment_file_name(name);
    if (!parsed) {
      // A producer snapshot whose write was interrupted.
      if (name.ends_with(std::string(filenames::snapshot_ext) + std::string(filenames::tmp_suffix))) {
        std::error_code ignored;
        std::filesystem::remove(de.path, ignored);
      }
      continue;  // checkpoints, partition.metadata, foreign files
    }
    if (parsed->suffix == filenames::deleted_suffix || parsed->suffix == filenames::cleaned_suffix) {
      // Left by an interrupted async delete or cleaning (§8 step 1).
      std::error_code ignored;
      std::filesystem::remove(de.path, ignored);
      continue;
    }
    if (parsed->suffix == filenames::swap_suffix) {
      logger->warn("{}: leaving {} (not part of a swap that can be completed)", _dir.string(), name);
      continue;
    }
    switch (parsed->kind) {
    case filenames::segment_file_kind::log: bases.insert(parsed->offset); break;
    case filenames::segment_file_kind::offset_index:
      with_offset_index.insert(parsed->offset);
      index_files.emplace_back(parsed->offset, de.path);
      break;
    case filenames::segment_file_kind::time_index:
      with_time_index.insert(parsed->offset);
      index_files.emplace_back(parsed->offset, de.path);
      break;
    case filenames::segment_file_kind::txn_index: {
      index_files.emplace_back(parsed->offset, de.path);
      // Kafka's sanity check: whole entries only. A damaged index is rebuilt by replaying its segment.
      std::error_code size_ec;
      const auto size = std::filesystem::file_size(de.path, size_ec);
      if (size_ec || size % txn_index_entry_size != 0) {
        logger->warn("{}: {} is damaged; rebuilding it", _dir.string(), name);
        std::error_code ignored;
        std::filesystem::remove(de.path, ignored);
        damaged_txn_indexes.insert(parsed->offset);
      }
      break;
    }
    case filenames::segment_file_kind::snapshot: any_snapshot = true; break;
    }
  }
  for (const auto& [base, path] : index_files) {
    if (!bases.contains(base)) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }

  // The leader-epoch cache as last written; a malformed file is rebuilt from the batches, which
  // needs the full scan an unclean shutdown gets.
  bool rebuild_epochs = false;
  if (auto cache = leader_epoch_cache::load(_epochs.path()); cache) {
    _epochs = std::move(*cache);
  } else {
    logger->warn("{}: {} is unreadable ({}); rebuilding it from the log", _dir.string(),
                 _epochs.path().filename().string(), cache.error().message());
    rebuild_epochs = true;
  }
  bool epochs_changed = rebuild_epochs;

  // §8 step 3: after an unclean shutdown, everything from the segment holding the recovery point on
  // is verified batch by batch.
  const bool unclean = !hint.clean_shutdown || rebuild_epochs;
  int64_t first_to_recover = std::numeric_limits<int64_t>::max();
  if (unclean && !bases.empty()) {
    int64_t from = rebuild_epochs ? std::numeric_limits<int64_t>::min() : hint.recovery_point;
    auto it = bases.upper_bound(from);
    first_to_recover = it == bases.begin() ? *bases.begin() : *std::prev(it);
  }
  segment::batch_epoch_observer observe_epoch = [this, &epochs_changed](int32_t epoch, int64_t base) {
    auto latest = _epochs.latest_epoch();
    if (epoch >= 0 && (!latest || epoch > *latest) && _epochs.assign(epoch, base)) epochs_changed = true;
  };

  int64_t now = _clk.now_ms();
  bool last_recovered = false;
  for (auto it = bases.begin(); it != bases.end(); ++it) {
    int64_t base = *it;
    // Sealed segments below the recovery work of a clean start are trusted as written (Kafka skips
    // their index checks too): only the .log is stat'ed; indexes are mapped on first lookup.
    const bool lazy = base < first_to_recover && std::next(it) != bases.end() && with_offset_index.contains(base) &&
                      with_time_index.contains(base);
    auto seg = lazy ? segment::open_lazy(_dir, base, _cfg, now, next_roll_jitter())
                    : segment::open(_dir, base, _cfg, now, next_roll_jitter());
    if (!seg) {
      // segment::open logged which of the three files failed.
      auto files = filenames::log_file(_dir, base).replace_extension(".{log,index,timeindex}");
      load_failed(files, "cannot open segment", seg.error());
      return unexpected(seg.error());
    }
    bool full = base >= first_to_recover;
    bool recovered = false;
    if (full || (*seg)->needs_recovery()) {
      if (full) {
        if (_epochs.truncate_from_end(base)) epochs_changed = true;
        logger->info("{}: recovering segment {}", _dir.string(), base);
      } else {
        logger->info("{}: rebuilding indexes of segment {}", _dir.string(), base);
      }
      static const segment::batch_epoch_observer no_observer;
      auto truncated = (*seg)->recover(full ? observe_epoch : no_observer);
      if (!truncated) {
        load_failed(filenames::log_file(_dir, base), "cannot recover segment", truncated.error());
        return unexpected(truncated.error());
      }
      recovered = true;
      if (*truncated > 0) {
        // Data after a corrupt batch cannot be trusted to continue the offset order (§8 step 3).
        for (auto later = std::next(it); later != bases.end(); ++later) {
          logger->warn("{}: deleting segment {} after corruption in segment {}", _dir.string(), *later, base);
          remove_segment_files(_dir, *later);
        }
        _segments.emplace(base, std::move(*seg));
        last_recovered = true;
        break;
      }
    }
    last_recovered = recovered;
    _segments.emplace(base, std::move(*seg));
  }

  if (_segments.empty()) {
    int64_t start = std::max<int64_t>(hint.log_start_offset, 0);
    auto seg = segment::create(_dir, start, _cfg, now, next_roll_jitter());
    if (!seg) return unexpected(seg.error());
    _segments.emplace(start, std::move(*seg));
    if (auto r = detail::fsync_dir(_dir); !r) return r;
  } else {
    // Segments recovered above are no longer the active one: trim their indexes.
    for (auto it = _segments.begin(); std::next(it) != _segments.end(); ++it) {
      if (auto r = it->second->seal(); !r) return r;
    }
    if (!last_recovered) {
      auto truncated = active().load_tail();
      if (!truncated) {
        load_failed(active().log_path(), "cannot load segment", truncated.error());
        return unexpected(truncated.error());
      }
      if (*truncated > 0) {
        logger->warn("{}: truncated a torn tail of {} bytes from segment {}", _dir.string(), *truncated,
                     active().base_offset());
      }
    }
    if (auto r = active().make_active(); !r) return r;
  }

  _log_end_offset = active().next_offset();
  // §8 step 4: a log ending below its checkpointed start restarts empty there.
  if (hint.log_start_offset > _log_end_offset) {
    logger->warn("{}: log end offset {} is below the log start offset {}; starting empty", _dir.string(),
                 _log_end_offset, hint.log_start_offset);
    if (auto r = reset_to_empty(hint.log_start_offset); !r) return r;
    epochs_changed = true;
  }
  // §8 step 5.
  _log_start_offset = std::max(_segments.begin()->first, hint.log_start_offset);
  if (_epochs.truncate_from_end(_log_end_offset)) epochs_changed = true;
  if (_epochs.truncate_from_start(_log_start_offset)) epochs_changed = true;
  if (epochs_changed) persist_epochs();
  // §8 step 7: recovered data is not known to be on disk until the next flush.
  _recovery_point = unclean ? std::min(hint.recovery_point, _log_end_offset) : _log_end_offset;
  _last_flush_ms = _clk.monotonic_ms();

  // §8 step 6: producer state. A clean shutdown left a snapshot at the log end; recovered
  // segments (their .txnindex may have missed entries) and damaged indexes are replayed.
  int64_t replay_from = _log_end_offset;
  if (unclean && first_to_recover != std::numeric_limits<int64_t>::max()) {
    replay_from = std::min(replay_from, first_to_recover);
  }
  if (!damaged_txn_indexes.empty()) replay_from = std::min(replay_from, *damaged_txn_indexes.begin());
  if (!unclean && !any_snapshot && damaged_txn_indexes.empty()) {
    // A log closed cleanly before producer state was kept (Kafka's rule for logs from older
    // versions): no producer is known; each is accepted at any sequence until it writes again.
    _producers.clear(_log_end_offset);
    // Later truncations and crashes replay from here instead of from the log start.
    if (_log_end_offset > _log_start_offset) take_producer_snapshot(false);
  } else if (auto r = rebuild_producer_state(replay_from); !r) {
    load_failed(_dir, "cannot rebuild the producer state of", r.error());
    return r;
  }
  return {};
}

result<void> partition_log::reset_to_empty(int64_t offset) {
  delete_snapshots_above(-1);
  _producers.clear(offset);
  while (!_segments.empty()) {
    auto node = _segments.extract(std::prev(_segments.end()));
    (void)node.mapped()->close();
    remove_segment_files(_dir, node.key());
  }
  _epochs.clear();
  auto seg = segment::create(_dir, offset, _cfg, _clk.now_ms(), next_roll_jitter());
  if (!seg) return unexpected(seg.error());
  _segments.emplace(offset, std::move(*seg));
  _log_end_offset = offset;
  return detail::fsync_dir(_dir);
}

void partition_log::persist_epochs() {
  // A failed write leaves the previous file; the next change or an unclean recovery rewrites it.
  if (auto r = _epochs.flush(); !r) {
    get_logger("log")->error("{}: cannot write {}: {}", _dir.string(), _epochs.path().filename().string(),
                             r.error().message());
  }
}

result<append_result> partition_log::append(shared_bytes batches, int32_t leader_epoch, append_origin origin) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  bytes_view data = batches.view();

  std::vector<incoming_batch> incoming;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t rest = data.size() - pos;
    if (rest < detail::v2_header_size) return unexpected(make_error_code(errc::invalid_batch));
    auto h = detail::decode_entry_header(data.subspan(pos, detail::v2_header_size));
    if (!h || h->magic != 2 || h->total_size() > rest) return unexpected(make_error_code(errc::invalid_batch));
    if (h->total_size() > static_cast<uint64_t>(std::max(_cfg.max_message_bytes, 0))) {
      return unexpected(make_error_code(errc::message_too_large));
    }
    incoming.push_back({pos, static_cast<size_t>(h->total_size()), *h});
    pos += h->total_size();
  }
  if (incoming.empty()) return unexpected(make_error_code(errc::invalid_batch));
  auto total = static_cast<int64_t>(data.size());
  if (total > _cfg.segment_bytes) return unexpected(make_error_code(errc::batch_too_large));

  append_result out;
  out.first_offset = _log_end_offset;
  int64_t next = _log_end_offset;
  std::vector<producer_batch_fields> producer_batches;
  for (const auto& b : incoming) {
    int64_t last = next + b.header.last_offset_delta;
    if (b.header.max_timestamp > out.max_timestamp) {
      out.max_timestamp = b.header.max_timestamp;
      out.offset_of_max_timestamp = last;
    }
    if (b.header.producer_id >= 0) {
      producer_batches.push_back(detail::producer_fields(b.header, next, last, data.subspan(b.position, b.size)));
    }
    next = last + 1;
  }
  out.last_offset = next - 1;
  if (out.offset_of_max_timestamp < 0) out.offset_of_max_timestamp = out.first_offset;

  // Producer checks before anything is written; the state changes only once the write succeeded.
  std::optional<producer_append_plan> plan;
  if (!producer_batches.empty()) {
    auto analyzed = _producers.analyze(producer_batches, origin);
    if (!analyzed) return unexpected(analyzed.error());
    if (analyzed->duplicate) {
      const producer_batch& original = *analyzed->duplicate;
      append_result dup;
      dup.first_offset = original.first_offset();
      dup.last_offset = original.last_offset;
      dup.max_timestamp = original.timestamp;
      dup.offset_of_max_timestamp = original.last_offset;
      dup.log_start_offset = _log_start_offset;
      dup.duplicate = true;
      return dup;
    }
    plan = std::move(*analyzed);
    plan->end_offset = out.last_offset + 1;
  }

  // The log rewrites bytes 0-15 of each batch (base offset, length, leader epoch); they go out from
  // here, and the rest of the batch straight from the caller's buffer.
  constexpr size_t head_size = detail::magic_offset;
  std::vector<std::array<uint8_t, head_size>> heads(incoming.size());
  std::vector<bytes_view> pieces;
  pieces.reserve(incoming.size() * 2);
  int64_t base = out.first_offset;
  for (size_t i = 0; i < incoming.size(); ++i) {
    const auto& b = incoming[i];
    std::memcpy(heads[i].data(), data.data() + b.position, head_size);
    store_be(heads[i].data(), base);
    store_be(heads[i].data() + detail::partition_leader_epoch_offset, leader_epoch);
    pieces.emplace_back(heads[i].data(), head_size);
    pieces.push_back(data.subspan(b.position + head_size, b.size - head_size));
    base += static_cast<int64_t>(b.header.last_offset_delta) + 1;
  }
  const epoch_entry epoch_start{leader_epoch, out.first_offset};
  if (auto r = write_batches(out, total, pieces, std::span(&epoch_start, 1)); !r) return unexpected(r.error());
  // The producer state and .txnindex follow the write before any flush, so that a flush covers
  // them and a failed fsync (reported below, the batches being in the log) cannot leave the state
  // behind the log: a retry of the batch is then still recognised as a duplicate.
  if (plan) {
    if (auto r = apply_producer_plan(std::move(*plan)); !r) return unexpected(r.error());
  } else {
    _producers.set_map_end_offset(_log_end_offset);
  }
  if (auto r = apply_flush_policy(); !r) return unexpected(r.error());
  out.log_start_offset = _log_start_offset;
  return out;
}

result<void> partition_log::write_batches(const append_result& out, int64_t total, std::span<const bytes_view> pieces,
                                          std::span<const epoch_entry> epoch_starts) {
  const int64_t now = _clk.now_ms();
  const bool fits = active().fits_offset(out.first_offset) && active().fits_offset(out.last_offset);
  const int64_t roll_base = std::max(out.first_offset, _log_end_offset);
  // An empty active segment is rolled only when the offsets cannot be stored relative to its base
  // (a follower's gap after compaction, or a log truncated inside a gap).
  if ((!active().empty() && active().should_roll(total, out.max_timestamp, now)) ||
      (!fits && roll_base > active().base_offset())) {
    if (auto r = roll(roll_base); !r) return r;
  }
  if (!active().fits_offset(out.first_offset) || !active().fits_offset(out.last_offset)) {
    return unexpected(make_error_code(errc::offset_overflow));
  }
  if (auto r = active().append(out.last_offset, out.max_timestamp, out.offset_of_max_timestamp, pieces); !r) {
    return r;
  }
  _log_end_offset = out.last_offset + 1;
  // Before any flush: a recovery point never covers data whose epoch start is not on disk.
  bool epochs_changed = false;
  for (const auto& e : epoch_starts) {
    auto latest = _epochs.latest_epoch();
    if (e.epoch >= 0 && (!latest || e.epoch > *latest) && _epochs.assign(e.epoch, e.start_offset)) {
      epochs_changed = true;
    }
  }
  if (epochs_changed) persist_epochs();
  return {};
}

result<void> partition_log::apply_flush_policy() {
  if (_log_end_offset - _recovery_point >= _cfg.flush_messages) return flush();
  return flush_if_due();
}

result<void> partition_log::roll(int64_t new_base_offset) {
  auto& old = active();
  if (new_base_offset <= old.base_offset()) return unexpected(make_error_code(errc::offset_overflow));
  if (auto r = old.seal(); !r) return r;
  auto seg = segment::create(_dir, new_base_offset, _cfg, _clk.now_ms(), next_roll_jitter());
  if (!seg) return unexpected(seg.error());
  _segments.emplace(new_base_offset, std::move(*seg));
  // The state of every batch below the new segment, named after it (and deleted with it). Not
  // fsync'd on its own: the directory sync below and the flush cover it, and a snapshot lost or
  // torn by a crash fails its CRC and an older one is replayed from.
  _producers.set_map_end_offset(std::max(_producers.map_end_offset(), new_base_offset));
  take_producer_snapshot(false);
  if (auto r = detail::fsync_dir(_dir); !r) return r;
  // fsync on roll: everything below the new segment becomes durable (Kafka does this
  // asynchronously; we have no flusher thread yet).
  return flush_up_to(new_base_offset);
}

result<void> partition_log::flush_up_to(int64_t offset) {
  if (offset <= _recovery_point) return {};
  auto it = _segments.upper_bound(_recovery_point);
  if (it != _segments.begin()) --it;
  for (; it != _segments.end() && it->first < offset; ++it) {
    if (auto r = it->second->flush(); !r) return r;
  }
  _recovery_point = offset;
  _last_flush_ms = _clk.monotonic_ms();
  return {};
}

result<void> partition_log::flush() {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  return flush_up_to(_log_end_offset);
}

result<void> partition_log::flush_if_due() {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  if (_recovery_point >= _log_end_offset) return {};
  if (_clk.monotonic_ms() - _last_flush_ms < _cfg.flush_ms) return {};
  return flush();
}

const segment* partition_log::segment_for(int64_t offset) const {
  auto it = _segments.upper_bound(offset);
  if (it == _segments.begin()) return nullptr;
  return std::prev(it)->second.get();
}

result<read_result> partition_log::read(int64_t offset, size_t max_bytes, int64_t max_offset, bool min_one_batch) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  if (offset < _log_start_offset || offset > _log_end_offset) {
    return unexpected(make_error_code(errc::offset_out_of_range));
  }
  read_result out;
  out.first_offset = offset;
  if (offset == _log_end_offset) return out;

  auto it = _segments.upper_bound(offset);
  if (it != _segments.begin()) --it;
  size_t taken = 0;
  bool done = false;
  bool first_segment = true;
  for (; it != _segments.end() && !done; ++it) {
    const segment& seg = *it->second;
    if (seg.empty()) continue;
    auto file = seg.open_file();
    if (!file) {
      if (taken > 0) break;  // serve what was read; the next read reports the error
      return unexpected(file.error());
    }
    auto b = first_segment ? seg.find_batch(offset) : seg.batch_at(**file, 0);
    first_segment = false;
    uint64_t start = 0;
    uint64_t length = 0;
    while (true) {
      if (!b) {
        if (taken + length > 0) {
          // Serve what was read before the bad bytes; the next read reports them.
          get_logger("log")->error("{}: corrupt batch in segment {}: {}", _dir.string(), seg.base_offset(),
                                   b.error().message());
          done = true;
          break;
        }
        return unexpected(b.error());
      }
      if (!*b) break;  // end of this segment
      const batch_position& batch = **b;
      if (batch.last_offset >= max_offset) {
        done = true;
        break;
      }
      bool first = taken + length == 0;
      if (taken + length + batch.size > max_bytes && !(first && min_one_batch)) {
        done = true;
        break;
      }
      if (first) out.first_offset = batch.base_offset;
      if (length == 0) start = batch.position;
      length += batch.size;
      if (taken + length > max_bytes) {  // min_one_batch took an oversized first batch
        done = true;
        break;
      }
      b = seg.batch_at(**file, batch.position + batch.size);
    }
    if (length > 0) {
      out.records.append(file_slice{*file, start, length});
      taken += length;
    }
  }
  out.size = out.records.size();
  return out;
}

std::optional<std::pair<int64_t, int64_t>> partition_log::offset_for_timestamp(int64_t ts) const {
  if (_closed) return std::nullopt;
  for (auto it = _segments.begin(); it != _segments.end(); ++it) {
    auto next = std::next(it);
    if (next != _segments.end() && next->first <= _log_start_offset) continue;
    const segment& seg = *it->second;
    if (seg.max_timestamp() < ts) continue;
    auto b = seg.find_batch_by_timestamp(ts, _log_start_offset);
    if (!b) {
      get_logger("log")->error("{}: time lookup in segment {}: {}", _dir.string(), seg.base_offset(),
                               b.error().message());
      return std::nullopt;
    }
    if (*b) return std::pair{(*b)->max_timestamp, std::max((*b)->base_offset, _log_start_offset)};
  }
  return std::nullopt;
}

uint64_t partition_log::size_bytes() const {
  uint64_t total = 0;
  for (const auto& [base, seg] : _segments) total += seg->size();
  return total;
}

int64_t partition_log::first_segment_base_offset() const {
  return _segments.empty() ? _log_start_offset : _segments.begin()->first;
}

int64_t partition_log::maybe_increment_log_start_offset(int64_t offset) {
  offset = std::min(offset, _log_end_offset);
  if (offset > _log_start_offset) {
    _log_start_offset = offset;
    if (_epochs.truncate_from_start(offset)) persist_epochs();
    // Transactions whose markers are gone with the data no longer bound the stable offset.
    _producers.on_high_watermark(offset);
  }
  return _log_start_offset;
}

void partition_log::set_config(log_config cfg) {
  _cfg = std::move(cfg);
  // As in Kafka, the roll limits apply to the active segment at once (its preallocated index
  // size and file preallocation stay as they were created).
  if (!_closed && !_segments.empty()) active().update_limits(_cfg);
}

std::optional<std::pair<int32_t, int64_t>> partition_log::end_offset_for_epoch(int32_t epoch) const {
  return _epochs.end_offset_for(epoch, _log_end_offset);
}

std::optional<int32_t> partition_log::latest_epoch() const { return _epochs.latest_epoch(); }

result<void> partition_log::assign_epoch_at_end(int32_t epoch) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  if (_epochs.assign(epoch, _log_end_offset)) return _epochs.flush();
  return {};
}

namespace {

// Largest record timestamp of a segment for time retention (§7), else its .log's mtime.
int64_t largest_timestamp(const segment& s) {
  if (s.max_timestamp() > 0) return s.max_timestamp();
  struct stat st{};
  if (::stat(s.log_path().c_str(), &st) != 0) return std::numeric_limits<int64_t>::max();  // keep it
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

} // namespace

result<retention_outcome> partition_log::apply_retention(int64_t high_watermark, file_deletion_queue& deletions) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  retention_outcome out;
  const bool delete_policy = _cfg.cleanup_policy.find("delete") != std::string::npos;
  if (delete_policy && _cfg.retention_ms >= 0) {
    const int64_t now = _clk.now_ms();
    const int64_t limit = _cfg.retention_ms;
    deletion_rule by_time = [now, limit](const segment& s, const segment*) { return now - largest_timestamp(s) > limit; };
    if (auto r = delete_old_segments(high_watermark, deletions, by_time, out); !r) return unexpected(r.error());
  }
  if (delete_policy && _cfg.retention_bytes >= 0) {
    auto excess = static_cast<int64_t>(size_bytes()) - _cfg.retention_bytes;
    deletion_rule by_size = [&excess](const segment& s, const segment*) {
      if (excess - static_cast<int64_t>(s.size()) < 0) return false;
      excess -= static_cast<int64_t>(s.size());
      return true;
    };
    if (excess > 0) {
      if (auto r = delete_old_segments(high_watermark, deletions, by_size, out); !r) return unexpected(r.error());
    }
  }
  const int64_t start = _log_start_offset;
  deletion_rule below_start = [start](const segment&, const segment* next) {
    return next != nullptr && next->base_offset() <= start;
  };
  if (auto r = delete_old_segments(high_watermark, deletions, below_start, out); !r) return unexpected(r.error());
  out.log_start_offset = _log_start_offset;
  return out;
}

result<void> partition_log::delete_old_segments(int64_t high_watermark, file_deletion_queue& deletions,
                                                const deletion_rule& should_delete, retention_outcome& out) {
  std::vector<int64_t> doomed;
  for (auto it = _segments.begin(); it != _segments.end(); ++it) {
    auto next = std::next(it);
    const segment& seg = *it->second;
    const segment* next_seg = next == _segments.end() ? nullptr : next->second.get();
    int64_t upper = next_seg ? next_seg->base_offset() : _log_end_offset;
    // Never past the high watermark (the log start offset must not pass it), never the empty
    // active segment.
    if ((next_seg == nullptr && seg.empty()) || high_watermark < upper || !should_delete(seg, next_seg)) break;
    doomed.push_back(it->first);
  }
  if (doomed.empty()) return {};
  if (doomed.size() == _segments.size()) {
    // A log always keeps one segment: roll an empty one at the log end first.
    if (auto r = roll(_log_end_offset); !r) return r;
  }
  for (int64_t base : doomed) {
    auto node = _segments.extract(base);
    out.bytes_deleted += node.mapped()->size();
    ++out.segments_deleted;
    get_logger("log")->info("{}: deleting segment {} (retention)", _dir.string(), base);
    delete_segment_files(std::move(node.mapped()), deletions);
  }
  (void)detail::fsync_dir(_dir);
  maybe_increment_log_start_offset(_segments.begin()->first);
  return {};
}

void partition_log::delete_segment_files(std::unique_ptr<segment> seg, file_deletion_queue& deletions) {
  const int64_t base = seg->base_offset();
  // Unmaps the indexes; the .log descriptor stays open for read slices already handed out.
  if (auto r = seg->close(); !r) {
    get_logger("log")->warn("{}: closing segment {}: {}", _dir.string(), base, r.error().message());
  }
  std::vector<std::filesystem::path> renamed;
  for (const auto& path : {filenames::log_file(_dir, base), filenames::offset_index_file(_dir, base),
                           filenames::time_index_file(_dir, base), filenames::txn_index_file(_dir, base),
                           filenames::snapshot_file(_dir, base)}) {
    auto target = filenames::with_suffix(path, filenames::deleted_suffix);
    std::error_code ec;
    std::filesystem::rename(path, target, ec);
    if (!ec) {
      renamed.push_back(std::move(target));
    } else if (ec != std::errc::no_such_file_or_directory) {
      get_logger("log")->warn("{}: cannot rename {}: {}", _dir.string(), path.filename().string(), ec.message());
    }
  }
  deletions.schedule(std::move(renamed), _clk.now_ms() + std::max<int64_t>(_cfg.file_delete_delay_ms, 0));
}

void partition_log::close(bool sync) {
  if (_closed) return;
  auto logger = get_logger("log");
  if (sync) {
    if (auto r = flush(); !r) logger->error("{}: flush at close failed: {}", _dir.string(), r.error().message());
  }
  // Seal (and with `sync`, fsync) the active segment so the trimmed indexes and the final
  // time-index entry are durable before a clean-shutdown marker may claim so.
  if (auto r = active().seal(); !r) logger->error("{}: sealing failed: {}", _dir.string(), r.error().message());
  // At the log end, so that the next clean start needs no replay.
  take_producer_snapshot(sync);
  if (sync) {
    if (auto r = active().flush(); !r) logger->error("{}: fsync failed: {}", _dir.string(), r.error().message());
  }
  for (auto& [base, seg] : _segments) {
    if (auto r = seg->close(); !r) {
      logger->error("{}: closing segment {} failed: {}", _dir.string(), base, r.error().message());
    }
  }
  if (sync) (void)detail::fsync_dir(_dir);
  _closed = true;
}

result<void> partition_log::delete_log() {
  if (!_closed) {
    for (auto& [base, seg] : _segments) (void)seg->close();
    _closed = true;
  }
  _segments.clear();
  auto target = _dir.parent_path() / filenames::delete_dir_name(_tp, uuid::random());
  std::error_code ec;
  std::filesystem::rename(_dir, target, ec);
  if (ec) return unexpected(ec);
  (void)detail::fsync_dir(_dir.parent_path());
  std::filesystem::remove_all(target, ec);
  if (ec) return unexpected(ec);
  return {};
}

} // namespace gregor::log
