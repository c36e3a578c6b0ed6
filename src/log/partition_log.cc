#include "gregor/log/partition_log.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <set>
#include <vector>

#include "batch_view.h"
#include "file_util.h"
#include "gregor/common/endian.h"
#include "gregor/common/logger.h"
#include "gregor/common/uuid.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/segment.h"

namespace gregor::log {
namespace {

// One batch of an append, as found in the caller's buffer.
struct incoming_batch {
  size_t position;
  size_t size;
  int32_t last_offset_delta;
  int64_t max_timestamp;
};

void remove_segment_files(const std::filesystem::path& dir, int64_t base) {
  std::error_code ignored;
  std::filesystem::remove(filenames::log_file(dir, base), ignored);
  std::filesystem::remove(filenames::offset_index_file(dir, base), ignored);
  std::filesystem::remove(filenames::time_index_file(dir, base), ignored);
  std::filesystem::remove(filenames::txn_index_file(dir, base), ignored);
}

} // namespace

partition_log::partition_log(std::filesystem::path dir, topic_partition tp, log_config cfg, clock& clk)
  : _dir(std::move(dir)), _tp(std::move(tp)), _cfg(std::move(cfg)), _clk(clk) {}

partition_log::~partition_log() = default;

result<std::unique_ptr<partition_log>> partition_log::open(std::filesystem::path dir, topic_partition tp,
                                                           log_config cfg, clock& clk) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return unexpected(ec);
  std::unique_ptr<partition_log> log(new partition_log(std::move(dir), std::move(tp), std::move(cfg), clk));
  if (auto r = log->load(); !r) return unexpected(r.error());
  return log;
}

int64_t partition_log::next_roll_jitter() {
  int64_t bound = std::min(_cfg.segment_jitter_ms, _cfg.segment_ms);
  if (bound <= 0) return 0;
  return static_cast<int64_t>(_rng() % static_cast<uint64_t>(bound));
}

result<void> partition_log::load() {
  auto logger = get_logger("log");
  std::set<int64_t> bases;
  std::vector<std::pair<int64_t, std::filesystem::path>> index_files;
  auto listing = detail::list_dir(_dir);
  if (!listing) return unexpected(listing.error());
  for (const auto& de : *listing) {
    if (!de.is_regular_file) continue;
    auto name = de.path.filename().string();
    auto parsed = filenames::parse_segment_file_name(name);
    if (!parsed) continue;  // checkpoints, partition.metadata, foreign files
    if (parsed->suffix == filenames::deleted_suffix || parsed->suffix == filenames::cleaned_suffix) {
      // Left by an interrupted async delete or cleaning (§8 step 1).
      std::error_code ignored;
      std::filesystem::remove(de.path, ignored);
      continue;
    }
    if (parsed->suffix == filenames::swap_suffix) {
      logger->warn("{}: leaving {} (swap completion comes with the log cleaner)", _dir.string(), name);
      continue;
    }
    switch (parsed->kind) {
    case filenames::segment_file_kind::log: bases.insert(parsed->offset); break;
    case filenames::segment_file_kind::offset_index:
    case filenames::segment_file_kind::time_index:
    case filenames::segment_file_kind::txn_index: index_files.emplace_back(parsed->offset, de.path); break;
    case filenames::segment_file_kind::snapshot: break;
    }
  }
  for (const auto& [base, path] : index_files) {
    if (!bases.contains(base)) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }

  int64_t now = _clk.now_ms();
  for (auto it = bases.begin(); it != bases.end(); ++it) {
    int64_t base = *it;
    auto seg = segment::open(_dir, base, _cfg, now, next_roll_jitter());
    if (!seg) {
      logger->error("{}: cannot open segment {}: {}", _dir.string(), base, seg.error().message());
      return unexpected(seg.error());
    }
    bool last = std::next(it) == bases.end();
    if (!last && (*seg)->needs_recovery()) {
      logger->info("{}: rebuilding indexes of segment {}", _dir.string(), base);
      auto truncated = (*seg)->recover();
      if (!truncated) return unexpected(truncated.error());
      if (auto r = (*seg)->seal(); !r) return r;
      if (*truncated > 0) {
        // Data after a corrupt batch cannot be trusted to continue the offset order (§8 step 3).
        for (auto later = std::next(it); later != bases.end(); ++later) {
          logger->warn("{}: deleting segment {} after corruption in segment {}", _dir.string(), *later, base);
          remove_segment_files(_dir, *later);
        }
        _segments.emplace(base, std::move(*seg));
        break;
      }
    }
    _segments.emplace(base, std::move(*seg));
  }

  if (_segments.empty()) {
    auto seg = segment::create(_dir, 0, _cfg, now, next_roll_jitter());
    if (!seg) return unexpected(seg.error());
    _segments.emplace(0, std::move(*seg));
    if (auto r = detail::fsync_dir(_dir); !r) return r;
  } else {
    auto truncated = active().load_tail();
    if (!truncated) return unexpected(truncated.error());
    if (*truncated > 0) {
      logger->warn("{}: truncated a torn tail of {} bytes from segment {}", _dir.string(), *truncated,
                   active().base_offset());
    }
    if (auto r = active().make_active(); !r) return r;
  }

  _log_start_offset = _segments.begin()->first;
  _log_end_offset = active().next_offset();
  _recovery_point = _log_end_offset;
  _last_flush_ms = _clk.monotonic_ms();
  return {};
}

result<append_result> partition_log::append(shared_bytes batches, int32_t leader_epoch) {
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
    incoming.push_back({pos, static_cast<size_t>(h->total_size()), h->last_offset_delta, h->max_timestamp});
    pos += h->total_size();
  }
  if (incoming.empty()) return unexpected(make_error_code(errc::invalid_batch));
  auto total = static_cast<int64_t>(data.size());
  if (total > _cfg.segment_bytes) return unexpected(make_error_code(errc::batch_too_large));

  append_result out;
  out.first_offset = _log_end_offset;
  int64_t next = _log_end_offset;
  for (const auto& b : incoming) {
    int64_t last = next + b.last_offset_delta;
    if (b.max_timestamp > out.max_timestamp) {
      out.max_timestamp = b.max_timestamp;
      out.offset_of_max_timestamp = last;
    }
    next = last + 1;
  }
  out.last_offset = next - 1;
  if (out.offset_of_max_timestamp < 0) out.offset_of_max_timestamp = out.first_offset;

  int64_t now = _clk.now_ms();
  if (!active().empty() && (active().should_roll(total, out.max_timestamp, now) ||
                            !active().fits_offset(out.last_offset))) {
    if (auto r = roll(std::max(out.first_offset, _log_end_offset)); !r) return unexpected(r.error());
  }
  if (!active().fits_offset(out.first_offset) || !active().fits_offset(out.last_offset)) {
    return unexpected(make_error_code(errc::offset_overflow));
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
    base += static_cast<int64_t>(b.last_offset_delta) + 1;
  }
  if (auto r = active().append(out.last_offset, out.max_timestamp, out.offset_of_max_timestamp, pieces); !r) {
    return unexpected(r.error());
  }
  _log_end_offset = out.last_offset + 1;
  out.log_start_offset = _log_start_offset;

  if (_log_end_offset - _recovery_point >= _cfg.flush_messages) {
    if (auto r = flush(); !r) return unexpected(r.error());
  } else if (auto r = flush_if_due(); !r) {
    return unexpected(r.error());
  }
  return out;
}

result<void> partition_log::roll(int64_t new_base_offset) {
  auto& old = active();
  if (new_base_offset <= old.base_offset()) return unexpected(make_error_code(errc::offset_overflow));
  if (auto r = old.seal(); !r) return r;
  auto seg = segment::create(_dir, new_base_offset, _cfg, _clk.now_ms(), next_roll_jitter());
  if (!seg) return unexpected(seg.error());
  _segments.emplace(new_base_offset, std::move(*seg));
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
    auto b = first_segment ? seg.find_batch(offset) : seg.batch_at(0);
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
      b = seg.batch_at(batch.position + batch.size);
    }
    if (length > 0) {
      out.records.append(file_slice{seg.file(), start, length});
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

void partition_log::maybe_increment_log_start_offset(int64_t offset) {
  offset = std::min(offset, _log_end_offset);
  if (offset > _log_start_offset) _log_start_offset = offset;
}

void partition_log::close() {
  if (_closed) return;
  auto logger = get_logger("log");
  if (auto r = flush(); !r) logger->error("{}: flush at close failed: {}", _dir.string(), r.error().message());
  // Seal and fsync the active segment so the trimmed indexes and the final time-index entry are
  // durable before a clean-shutdown marker may claim so.
  if (auto r = active().seal(); !r) logger->error("{}: sealing failed: {}", _dir.string(), r.error().message());
  if (auto r = active().flush(); !r) logger->error("{}: fsync failed: {}", _dir.string(), r.error().message());
  for (auto& [base, seg] : _segments) {
    if (auto r = seg->close(); !r) {
      logger->error("{}: closing segment {} failed: {}", _dir.string(), base, r.error().message());
    }
  }
  (void)detail::fsync_dir(_dir);
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
