#include "gregor/log/segment.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "batch_view.h"
#include "file_util.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/logger.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"

namespace gregor::log {
namespace {

constexpr size_t crc_chunk = 64 * 1024;

uint64_t index_bytes_of(int32_t configured) { return static_cast<uint64_t>(std::max(configured, 0)); }
uint64_t index_bytes(const log_config& cfg) { return index_bytes_of(cfg.segment_index_bytes); }

// CRC of bytes [from, to) of the file, read in bounded chunks so a corrupt size field cannot
// make us allocate much.
result<uint32_t> file_crc(int fd, uint64_t from, uint64_t to, bool castagnoli) {
  std::array<uint8_t, crc_chunk> buf;
  uint32_t crc = 0;
  while (from < to) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(crc_chunk, to - from));
    auto n = detail::pread_upto(fd, buf.data(), want, from);
    if (!n) return unexpected(n.error());
    if (*n != want) return unexpected(make_error_code(errc::corrupt_log));
    bytes_view chunk(buf.data(), want);
    crc = castagnoli ? crc32c(chunk, crc) : crc32_ieee(chunk, crc);
    from += want;
  }
  return crc;
}

} // namespace

segment::segment(std::filesystem::path dir, int64_t base_offset, const log_config& cfg, int64_t now_ms,
                 int64_t roll_jitter_ms, uint64_t size)
  : _dir(std::move(dir)), _log(filenames::log_file(_dir, base_offset)), _base_offset(base_offset),
    _index_interval_bytes(cfg.index_interval_bytes), _segment_index_bytes(cfg.segment_index_bytes),
    _segment_bytes(cfg.segment_bytes), _segment_ms(cfg.segment_ms), _preallocate(cfg.preallocate),
    _created_ms(now_ms), _roll_jitter_ms(roll_jitter_ms), _size(size), _txn_index(filenames::txn_index_file(_dir, base_offset)),
    _next_offset(base_offset) {}

segment::~segment() = default;

result<std::unique_ptr<segment>> segment::create(const std::filesystem::path& dir, int64_t base_offset,
                                                 const log_config& cfg, int64_t now_ms, int64_t roll_jitter_ms) {
  auto log_path = filenames::log_file(dir, base_offset);
  int fd = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(detail::errno_code());
  auto file = std::make_shared<const file_descriptor>(fd);
  if (cfg.preallocate && cfg.segment_bytes > 0) {
    if (auto r = detail::truncate_fd(fd, static_cast<uint64_t>(cfg.segment_bytes)); !r) return unexpected(r.error());
  }
  // Stale index files of the same base would be taken as they are; start them afresh.
  std::error_code ignored;
  std::filesystem::remove(filenames::offset_index_file(dir, base_offset), ignored);
  std::filesystem::remove(filenames::time_index_file(dir, base_offset), ignored);
  std::filesystem::remove(filenames::txn_index_file(dir, base_offset), ignored);
  auto oidx = offset_index::open(filenames::offset_index_file(dir, base_offset), base_offset, index_bytes(cfg));
  if (!oidx) return unexpected(oidx.error());
  auto tidx = time_index::open(filenames::time_index_file(dir, base_offset), base_offset, index_bytes(cfg));
  if (!tidx) return unexpected(tidx.error());
  std::unique_ptr<segment> seg(new segment(dir, base_offset, cfg, now_ms, roll_jitter_ms, 0));
  seg->_log.adopt(std::move(file));
  seg->_offset_index.emplace(std::move(*oidx));
  seg->_time_index.emplace(std::move(*tidx));
  return seg;
}

result<std::unique_ptr<segment>> segment::open(const std::filesystem::path& dir, int64_t base_offset,
                                               const log_config& cfg, int64_t now_ms, int64_t roll_jitter_ms) {
  auto log_path = filenames::log_file(dir, base_offset);
  int fd = ::open(log_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    auto e = detail::errno_code();
    get_logger("log")->error("cannot open {}: {}", log_path.string(), e.message());
    return unexpected(e);
  }
  auto file = std::make_shared<const file_descriptor>(fd);
  auto size = detail::file_size(fd);
  if (!size) return unexpected(size.error());

  bool needs_recovery = false;
  // Opens an index, replacing a file whose length is not a multiple of its entry size.
  auto open_index = [&](auto opener, const std::filesystem::path& path) -> decltype(opener(path)) {
    auto found = detail::path_exists(path);
    if (!found) return decltype(opener(path))(unexpected(found.error()));
    if (!*found) needs_recovery = true;
    auto idx = opener(path);
    if (!idx && idx.error() == make_error_code(errc::corrupt_index)) {
      get_logger("log")->warn("{}: malformed index, rebuilding", path.string());
      needs_recovery = true;
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      idx = opener(path);
    }
    if (!idx) get_logger("log")->error("cannot open {}: {}", path.string(), idx.error().message());
    return idx;
  };
  auto oidx = open_index([&](const std::filesystem::path& p) { return offset_index::open(p, base_offset, index_bytes(cfg)); },
                         filenames::offset_index_file(dir, base_offset));
  if (!oidx) return unexpected(oidx.error());
  auto tidx = open_index([&](const std::filesystem::path& p) { return time_index::open(p, base_offset, index_bytes(cfg)); },
                         filenames::time_index_file(dir, base_offset));
  if (!tidx) return unexpected(tidx.error());
  if (!oidx->sanity_check(*size) || !tidx->sanity_check()) needs_recovery = true;

  std::unique_ptr<segment> seg(new segment(dir, base_offset, cfg, now_ms, roll_jitter_ms, *size));
  seg->_log.adopt(std::move(file));
  seg->_offset_index.emplace(std::move(*oidx));
  seg->_time_index.emplace(std::move(*tidx));
  seg->_needs_recovery = needs_recovery;
  seg->_sealed = true;  // opened as found; make_active() reopens it for appends
  if (!needs_recovery) {
    if (auto last = seg->_time_index->last_entry()) {
      seg->_max_timestamp = last->timestamp;
      seg->_offset_of_max_timestamp = last->offset;
    }
    auto entry = seg->_offset_index->last_entry();
    seg->_bytes_since_last_index_entry = *size - (entry ? entry->position : 0);
  }
  return seg;
}

result<std::unique_ptr<segment>> segment::open_lazy(const std::filesystem::path& dir, int64_t base_offset,
                                                    const log_config& cfg, int64_t now_ms, int64_t roll_jitter_ms) {
  auto log_path = filenames::log_file(dir, base_offset);
  struct stat st{};
  if (::stat(log_path.c_str(), &st) != 0) {
    auto e = detail::errno_code();
    get_logger("log")->error("cannot stat {}: {}", log_path.string(), e.message());
    return unexpected(e);
  }
  std::unique_ptr<segment> seg(
    new segment(dir, base_offset, cfg, now_ms, roll_jitter_ms, static_cast<uint64_t>(st.st_size)));
  seg->_sealed = true;
  seg->_max_timestamp_known = false;
  return seg;
}

result<void> segment::load_indexes(bool verify) const {
  if (_offset_index && _time_index) return {};
  auto oidx_path = filenames::offset_index_file(_dir, _base_offset);
  auto tidx_path = filenames::time_index_file(_dir, _base_offset);
  auto o_found = detail::path_exists(oidx_path);
  if (!o_found) return unexpected(o_found.error());
  auto t_found = detail::path_exists(tidx_path);
  if (!t_found) return unexpected(t_found.error());
  // A lazily opened segment is sealed: a missing file is created empty (not preallocated) and
  // rebuilt below.
  const uint64_t room = _sealed ? 0 : index_bytes_of(_segment_index_bytes);
  bool rebuild = !*o_found || !*t_found;
  auto oidx = offset_index::open(oidx_path, _base_offset, room);
  if (!oidx && oidx.error() == make_error_code(errc::corrupt_index)) {
    std::error_code ignored;
    std::filesystem::remove(oidx_path, ignored);
    rebuild = true;
    oidx = offset_index::open(oidx_path, _base_offset, room);
  }
  if (!oidx) return unexpected(oidx.error());
  auto tidx = time_index::open(tidx_path, _base_offset, room);
  if (!tidx && tidx.error() == make_error_code(errc::corrupt_index)) {
    std::error_code ignored;
    std::filesystem::remove(tidx_path, ignored);
    rebuild = true;
    tidx = time_index::open(tidx_path, _base_offset, room);
  }
  if (!tidx) return unexpected(tidx.error());
  _offset_index.emplace(std::move(*oidx));
  _time_index.emplace(std::move(*tidx));
  if (!verify) return {};
  if (rebuild || !_offset_index->sanity_check(_size) || !_time_index->sanity_check()) {
    get_logger("log")->warn("{}: indexes missing or failing their check; rebuilding them", log_path().string());
    if (auto r = rebuild_sealed_indexes(); !r) {
      _offset_index.reset();
      _time_index.reset();
      return r;
    }
  }
  if (!_max_timestamp_known) {
    if (auto last = _time_index->last_entry()) {
      _max_timestamp = last->timestamp;
      _offset_of_max_timestamp = last->offset;
    }
    _max_timestamp_known = true;
  }
  return {};
}

result<void> segment::rebuild_sealed_indexes() const {
  auto file = open_file();
  if (!file) return unexpected(file.error());
  _offset_index->reset();
  _time_index->reset();
  auto room = index_bytes_of(_segment_index_bytes);
  if (auto r = _offset_index->resize(room); !r) return r;
  if (auto r = _time_index->resize(room); !r) return r;
  int64_t max_ts = -1;
  int64_t offset_of_max = -1;
  uint64_t since_last_entry = 0;
  uint64_t pos = 0;
  for (;;) {
    auto b = batch_at(**file, pos);
    if (!b) {
      // Index what precedes the bad bytes; reads will report them.
      get_logger("log")->error("{}: unreadable batch at position {} while rebuilding indexes: {}",
                               log_path().string(), pos, b.error().message());
      break;
    }
    if (!*b) break;
    const auto& batch = **b;
    if (batch.max_timestamp > max_ts) {
      max_ts = batch.max_timestamp;
      offset_of_max = batch.last_offset;
    }
    if (since_last_entry > static_cast<uint64_t>(std::max(_index_interval_bytes, 0))) {
      if (_offset_index->full()) {
        if (auto r = _offset_index->resize(_offset_index->file_bytes() * 2 + offset_index::entry_size); !r) return r;
      }
      if (_time_index->full()) {
        if (auto r = _time_index->resize(_time_index->file_bytes() * 2 + 2 * time_index::entry_size); !r) return r;
      }
      (void)_offset_index->append(batch.last_offset, static_cast<uint32_t>(pos));
      (void)_time_index->maybe_append(max_ts, offset_of_max);
      since_last_entry = 0;
    }
    since_last_entry += batch.size;
    pos += batch.size;
  }
  (void)_time_index->maybe_append(max_ts, offset_of_max, true);
  if (auto r = _offset_index->trim(); !r) return r;
  if (auto r = _time_index->trim(); !r) return r;
  _max_timestamp = max_ts;
  _offset_of_max_timestamp = offset_of_max;
  _max_timestamp_known = true;
  return {};
}

void segment::load_max_timestamp() const {
  if (_max_timestamp_known) return;
  if (!_time_index) {
    // Map the .timeindex just for its last entry; lookups map it again when they need it.
    auto tidx = time_index::open(filenames::time_index_file(_dir, _base_offset), _base_offset, 0);
    if (tidx && tidx->sanity_check()) {
      if (auto last = tidx->last_entry()) {
        _max_timestamp = last->timestamp;
        _offset_of_max_timestamp = last->offset;
      }
      _max_timestamp_known = true;
      return;
    }
  }
  if (auto r = load_indexes(true); !r) {
    get_logger("log")->error("{}: cannot read the time index: {}", log_path().string(), r.error().message());
    _max_timestamp_known = true;  // -1: retention falls back to the file's mtime
  }
}

int64_t segment::max_timestamp() const {
  load_max_timestamp();
  return _max_timestamp;
}

int64_t segment::offset_of_max_timestamp() const {
  load_max_timestamp();
  return _offset_of_max_timestamp;
}

result<std::shared_ptr<const file_descriptor>> segment::open_file() const { return _log.get(); }

std::shared_ptr<const file_descriptor> segment::file() const {
  auto f = _log.get();
  if (f) return std::move(*f);
  return std::make_shared<const file_descriptor>(-1);
}

const offset_index& segment::offsets() const {
  if (auto r = load_indexes(true); !r) {
    get_logger("log")->error("{}: cannot open the offset index: {}", log_path().string(), r.error().message());
    thread_local offset_index none = offset_index::detached(0);
    return none;
  }
  return *_offset_index;
}

const time_index& segment::times() const {
  if (auto r = load_indexes(true); !r) {
    get_logger("log")->error("{}: cannot open the time index: {}", log_path().string(), r.error().message());
    thread_local time_index none = time_index::detached(0);
    return none;
  }
  return *_time_index;
}

result<uint64_t> segment::recover(const batch_epoch_observer& on_batch) {
  if (auto r = load_indexes(false); !r) return unexpected(r.error());
  _offset_index->reset();
  _time_index->reset();
  // The rebuilt indexes need room even if the files were trimmed or shrunk by a config change.
  auto room = static_cast<uint64_t>(std::max(_segment_index_bytes, 0));
  if (auto r = _offset_index->resize(room); !r) return unexpected(r.error());
  if (auto r = _time_index->resize(room); !r) return unexpected(r.error());
  _max_timestamp = -1;
  _offset_of_max_timestamp = -1;
  _max_timestamp_known = true;
  _bytes_since_last_index_entry = 0;
  _next_offset = _base_offset;
  _rolling_timestamp.reset();
  auto truncated = scan_from(0, true, on_batch);
  if (!truncated) return truncated;
  _needs_recovery = false;
  _sealed = false;
  return truncated;
}

result<uint64_t> segment::load_tail() {
  if (auto r = load_indexes(false); !r) return unexpected(r.error());
  if (_needs_recovery || !_offset_index->validate(_size) || !_time_index->validate()) {
    get_logger("log")->info("{}: rebuilding indexes", log_path().string());
    return recover();
  }
  auto entry = _offset_index->last_entry();
  uint64_t start = entry ? entry->position : 0;
  _next_offset = entry ? entry->offset + 1 : _base_offset;
  auto truncated = scan_from(start, false);
  if (!truncated) return truncated;
  if (*truncated > 0) {
    // The indexes may point into what was cut; rebuild them against the remaining bytes.
    auto again = recover();
    if (!again) return again;
  }
  return truncated;
}

result<uint64_t> segment::scan_from(uint64_t position, bool index, const batch_epoch_observer& on_batch) {
  auto file = open_file();
  if (!file) return unexpected(file.error());
  int fd = (*file)->fd();
  auto file_size = detail::file_size(fd);
  if (!file_size) return unexpected(file_size.error());
  uint64_t end = *file_size;
  uint64_t pos = position;
  int64_t prev_last = _base_offset - 1;
  std::array<uint8_t, detail::header_probe_size> hdr;
  auto log = get_logger("log");

  while (pos < end) {
    auto n = detail::pread_upto(fd, hdr.data(), hdr.size(), pos);
    if (!n) return unexpected(n.error());
    auto h = detail::decode_entry_header(bytes_view(hdr.data(), *n));
    if (!h) {
      if (!std::all_of(hdr.begin(), hdr.begin() + static_cast<ptrdiff_t>(*n), [](uint8_t b) { return b == 0; })) {
        log->warn("{}: invalid batch header at position {}", log_path().string(), pos);
      }
      break;
    }
    if (h->total_size() > end - pos) {
      log->warn("{}: batch at position {} extends past the end of the file", log_path().string(), pos);
      break;
    }
    if (h->first_offset() < _base_offset || h->last_offset() - _base_offset > std::numeric_limits<int32_t>::max() ||
        h->last_offset() <= prev_last || (h->magic >= 2 && h->first_offset() <= prev_last)) {
      log->warn("{}: batch at position {} has offsets [{}, {}] out of order", log_path().string(), pos,
                h->first_offset(), h->last_offset());
      break;
    }
    bool castagnoli = h->magic >= 2;
    uint64_t crc_from = pos + (castagnoli ? detail::v2_crc_start : detail::legacy_crc_start);
    auto crc = file_crc(fd, crc_from, pos + h->total_size(), castagnoli);
    if (!crc) return unexpected(crc.error());
    if (*crc != h->crc) {
      log->warn("{}: batch at position {} fails its CRC", log_path().string(), pos);
      break;
    }

    if (h->max_timestamp > _max_timestamp) {
      _max_timestamp = h->max_timestamp;
      _offset_of_max_timestamp = h->last_offset();
    }
    if (index && _bytes_since_last_index_entry > static_cast<uint64_t>(std::max(_index_interval_bytes, 0))) {
      if (_offset_index->full()) {
        if (auto r = _offset_index->resize(_offset_index->file_bytes() * 2 + offset_index::entry_size); !r) {
          return unexpected(r.error());
        }
      }
      if (_time_index->full()) {
        if (auto r = _time_index->resize(_time_index->file_bytes() * 2 + 2 * time_index::entry_size); !r) {
          return unexpected(r.error());
        }
      }
      if (auto r = _offset_index->append(h->last_offset(), static_cast<uint32_t>(pos)); !r) return unexpected(r.error());
      if (auto r = _time_index->maybe_append(_max_timestamp, _offset_of_max_timestamp); !r) return unexpected(r.error());
      _bytes_since_last_index_entry = 0;
    }
    if (index) _bytes_since_last_index_entry += h->total_size();
    if (on_batch && h->magic >= 2) on_batch(h->partition_leader_epoch, h->first_offset());
    prev_last = h->last_offset();
    _next_offset = h->last_offset() + 1;
    pos += h->total_size();
  }

  if (!index) {
    // The counter restarts from the last index entry (see open()); a tail scan adds nothing new.
    auto entry = _offset_index->last_entry();
    _bytes_since_last_index_entry = pos - (entry ? entry->position : 0);
  }
  uint64_t truncated = end - pos;
  if (truncated > 0) {
    if (!_preallocate || !std::all_of(hdr.begin(), hdr.end(), [](uint8_t b) { return b == 0; })) {
      log->warn("{}: truncating {} invalid bytes at position {}", log_path().string(), truncated, pos);
    }
    if (auto r = truncate_log(pos); !r) return unexpected(r.error());
  }
  _size = pos;
  return truncated;
}

result<void> segment::truncate_log(uint64_t size) {
  auto file = open_file();
  if (!file) return unexpected(file.error());
  if (auto r = detail::truncate_fd((*file)->fd(), size); !r) return r;
  _size = size;
  if (_offset_index) _offset_index->truncate_to_position(size);
  return {};
}

result<std::optional<int64_t>> segment::truncate_to(int64_t offset, int64_t now_ms) {
  if (auto r = make_active(); !r) return unexpected(r.error());
  auto found = find_batch(offset);
  if (!found) return unexpected(found.error());
  std::optional<int64_t> cut_base;
  if (*found) {
    const batch_position cut = **found;
    cut_base = cut.base_offset;
    if (auto r = _txn_index.truncate_to(cut.base_offset); !r) {
      // A damaged .txnindex is left for the caller's producer-state rebuild, which resets it and
      // replays the whole segment (resetting it here would lose the entries below its snapshot).
      if (r.error() != errc::corrupt_index) return unexpected(r.error());
    }
    // Entries hold batch last offsets; those of the batches kept are below the cut batch's base.
    _offset_index->truncate_to_offset(cut.base_offset);
    _time_index->truncate_to_offset(cut.base_offset);
    // A fresh descriptor: the log cleaner recognises "its" segment by descriptor and size, and the
    // bytes after the cut will be replaced by other data of possibly the same length.
    int fd = ::open(log_path().c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return unexpected(detail::errno_code());
    auto file = std::make_shared<const file_descriptor>(fd);
    if (auto r = detail::truncate_fd(fd, cut.position); !r) return unexpected(r.error());
    // The cut must reach the disk before the epoch checkpoint forgets the removed epochs.
    if (auto r = detail::fsync_fd(fd); !r) return unexpected(r.error());
    _log.adopt(std::move(file));
    _size = cut.position;
    _offset_index->truncate_to_position(cut.position);
  }

  // What remains: the last time-index entry bounds every timestamp before its batch; the batches
  // from there on are scanned for the rest and for the last offset.
  auto file = open_file();
  if (!file) return unexpected(file.error());
  auto last_time = _time_index->last_entry();
  _max_timestamp = last_time ? last_time->timestamp : -1;
  _offset_of_max_timestamp = last_time ? last_time->offset : -1;
  uint64_t pos = last_time ? _offset_index->lookup(last_time->offset).position : 0;
  _next_offset = _base_offset;
  if (auto last_entry = _offset_index->last_entry()) _next_offset = last_entry->offset + 1;
  for (;;) {
    auto b = batch_at(**file, pos);
    if (!b) return unexpected(b.error());
    if (!*b) break;
    if ((*b)->max_timestamp > _max_timestamp) {
      _max_timestamp = (*b)->max_timestamp;
      _offset_of_max_timestamp = (*b)->last_offset;
    }
    _next_offset = (*b)->last_offset + 1;
    pos += (*b)->size;
  }
  _max_timestamp_known = true;
  auto last_entry = _offset_index->last_entry();
  _bytes_since_last_index_entry = _size - (last_entry ? last_entry->position : 0);
  _rolling_timestamp.reset();
  if (_size == 0) _created_ms = now_ms;
  return cut_base;
}

result<void> segment::make_active() {
  if (auto r = load_indexes(true); !r) return r;
  auto room = static_cast<uint64_t>(std::max(_segment_index_bytes, 0));
  if (auto r = _offset_index->resize(room); !r) return r;
  if (auto r = _time_index->resize(room); !r) return r;
  _sealed = false;
  return {};
}

result<void> segment::append(int64_t last_offset, int64_t max_timestamp, int64_t offset_of_max_timestamp,
                             std::span<const bytes_view> pieces) {
  if (_sealed || !_offset_index || !_time_index) {
    if (auto r = make_active(); !r) return r;  // defensive: appends only go to the active segment
  }
  auto file = open_file();
  if (!file) return unexpected(file.error());
  int fd = (*file)->fd();
  uint64_t position = _size;
  uint64_t total = 0;
  for (auto p : pieces) total += p.size();
  if (auto r = detail::pwrite_all(fd, pieces, position); !r) {
    // Leave no partial batch behind for a later reopen to mistake for data.
    (void)detail::truncate_fd(fd, _preallocate ? static_cast<uint64_t>(_segment_bytes) : position);
    return r;
  }
  _size += total;
  if (max_timestamp > _max_timestamp) {
    _max_timestamp = max_timestamp;
    _offset_of_max_timestamp = offset_of_max_timestamp;
  }
  if (_bytes_since_last_index_entry > static_cast<uint64_t>(std::max(_index_interval_bytes, 0))) {
    // The data is written; a missing sparse entry only slows lookups, so failures are logged.
    auto r1 = _offset_index->append(last_offset, static_cast<uint32_t>(position));
    auto r2 = _time_index->maybe_append(_max_timestamp, _offset_of_max_timestamp);
    if (!r1 || !r2) {
      get_logger("log")->warn("{}: index entry for offset {} not added: {}", log_path().string(), last_offset,
                              (!r1 ? r1.error() : r2.error()).message());
    }
    _bytes_since_last_index_entry = 0;
  }
  _bytes_since_last_index_entry += total;
  _next_offset = last_offset + 1;
  return {};
}

int64_t segment::rolling_timestamp() const {
  if (_rolling_timestamp) return *_rolling_timestamp;
  if (_size == 0) return -1;
  auto first = batch_at(0);
  int64_t ts = (first && *first) ? (*first)->max_timestamp : -1;
  _rolling_timestamp = ts;
  return ts;
}

bool segment::should_roll(int64_t incoming_bytes, int64_t incoming_max_timestamp, int64_t now_ms) const {
  if (static_cast<int64_t>(_size) > _segment_bytes - incoming_bytes) return true;
  if (_size > 0) {
    int64_t first = rolling_timestamp();
    int64_t waited = first >= 0 ? incoming_max_timestamp - first : now_ms - _created_ms;
    if (waited > _segment_ms - _roll_jitter_ms) return true;
  }
  // A sealed segment without mapped indexes never takes appends (the active one has them mapped).
  return !_offset_index || !_time_index || _offset_index->full() || _time_index->full();
}

bool segment::fits_offset(int64_t offset) const {
  return offset >= _base_offset && offset - _base_offset <= std::numeric_limits<int32_t>::max();
}

result<std::optional<batch_position>> segment::batch_at(uint64_t position) const {
  if (position >= _size) return std::optional<batch_position>{};
  auto file = open_file();
  if (!file) return unexpected(file.error());
  return batch_at(**file, position);
}

result<std::optional<batch_position>> segment::batch_at(const file_descriptor& file, uint64_t position) const {
  if (position >= _size) return std::optional<batch_position>{};
  std::array<uint8_t, detail::header_probe_size> hdr;
  size_t want = static_cast<size_t>(std::min<uint64_t>(hdr.size(), _size - position));
  auto n = detail::pread_upto(file.fd(), hdr.data(), want, position);
  if (!n) return unexpected(n.error());
  auto h = detail::decode_entry_header(bytes_view(hdr.data(), *n));
  if (!h || h->total_size() > _size - position) return unexpected(make_error_code(errc::corrupt_log));
  return std::optional<batch_position>(batch_position{.base_offset = h->first_offset(),
                                                      .last_offset = h->last_offset(),
                                                      .position = position,
                                                      .size = static_cast<uint32_t>(h->total_size()),
                                                      .max_timestamp = h->max_timestamp,
                                                      .magic = h->magic,
                                                      .producer_id = h->producer_id,
                                                      .producer_epoch = h->producer_epoch,
                                                      .base_sequence = h->base_sequence,
                                                      .transactional = h->is_transactional(),
                                                      .control = h->is_control()});
}

result<std::optional<batch_position>> segment::find_batch(int64_t offset) const {
  if (_size == 0) return std::optional<batch_position>{};
  auto file = open_file();
  if (!file) return unexpected(file.error());
  // Without a usable index the scan starts at the segment's first batch (slower, still correct).
  uint64_t pos = load_indexes(true) ? _offset_index->lookup(offset).position : 0;
  for (;;) {
    auto b = batch_at(**file, pos);
    if (!b || !*b) return b;
    if ((*b)->last_offset >= offset) return b;
    pos += (*b)->size;
  }
}

result<std::optional<batch_position>> segment::find_batch_by_timestamp(int64_t timestamp,
                                                                      int64_t start_offset) const {
  if (max_timestamp() < timestamp) return std::optional<batch_position>{};
  auto file = open_file();
  if (!file) return unexpected(file.error());
  uint64_t pos = 0;
  if (load_indexes(true)) {
    auto start = _time_index->entry_before(timestamp);
    pos = _offset_index->lookup(std::max(start.offset, start_offset)).position;
  }
  for (;;) {
    auto b = batch_at(**file, pos);
    if (!b || !*b) return b;
    if ((*b)->max_timestamp >= timestamp && (*b)->last_offset >= start_offset) return b;
    pos += (*b)->size;
  }
}

result<void> segment::seal() {
  if (_sealed) return {};
  if (!_offset_index || !_time_index) return {};  // nothing mapped, nothing to trim
  if (auto r = _time_index->maybe_append(_max_timestamp, _offset_of_max_timestamp, true); !r) {
    get_logger("log")->warn("{}: final time index entry not written: {}", log_path().string(), r.error().message());
  }
  if (auto r = _offset_index->trim(); !r) return r;
  if (auto r = _time_index->trim(); !r) return r;
  auto file = open_file();
  if (!file) return unexpected(file.error());
  auto on_disk = detail::file_size((*file)->fd());
  if (!on_disk) return unexpected(on_disk.error());
  if (*on_disk > _size) {
    if (auto r = detail::truncate_fd((*file)->fd(), _size); !r) return r;
  }
  _sealed = true;
  return {};
}

result<void> segment::flush() {
  auto file = open_file();
  if (!file) return unexpected(file.error());
  if (auto r = detail::fsync_fd((*file)->fd()); !r) return r;
  // Unmapped indexes have nothing unwritten: they were flushed before they were last unmapped.
  if (_offset_index) {
    if (auto r = _offset_index->flush(); !r) return r;
  }
  if (_time_index) {
    if (auto r = _time_index->flush(); !r) return r;
  }
  return _txn_index.flush();
}

result<void> segment::close() {
  auto r = seal();
  _offset_index.reset();
  _time_index.reset();
  _log.forget();
  return r;
}

} // namespace gregor::log
