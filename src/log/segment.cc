#include "gregor/log/segment.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
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

uint64_t index_bytes(const log_config& cfg) { return static_cast<uint64_t>(std::max(cfg.segment_index_bytes, 0)); }

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
                 int64_t roll_jitter_ms, std::shared_ptr<const file_descriptor> file, uint64_t size,
                 offset_index oidx, time_index tidx)
  : _dir(std::move(dir)), _log_path(filenames::log_file(_dir, base_offset)), _base_offset(base_offset),
    _index_interval_bytes(cfg.index_interval_bytes), _segment_index_bytes(cfg.segment_index_bytes),
    _segment_bytes(cfg.segment_bytes), _segment_ms(cfg.segment_ms), _preallocate(cfg.preallocate),
    _created_ms(now_ms), _roll_jitter_ms(roll_jitter_ms), _file(std::move(file)), _size(size),
    _offset_index(std::move(oidx)), _time_index(std::move(tidx)), _next_offset(base_offset) {}

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
  auto oidx = offset_index::open(filenames::offset_index_file(dir, base_offset), base_offset, index_bytes(cfg));
  if (!oidx) return unexpected(oidx.error());
  auto tidx = time_index::open(filenames::time_index_file(dir, base_offset), base_offset, index_bytes(cfg));
  if (!tidx) return unexpected(tidx.error());
  return std::unique_ptr<segment>(new segment(dir, base_offset, cfg, now_ms, roll_jitter_ms, std::move(file), 0,
                                              std::move(*oidx), std::move(*tidx)));
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

  std::unique_ptr<segment> seg(new segment(dir, base_offset, cfg, now_ms, roll_jitter_ms, std::move(file), *size,
                                           std::move(*oidx), std::move(*tidx)));
  seg->_needs_recovery = needs_recovery;
  seg->_sealed = true;  // opened as found; make_active() reopens it for appends
  if (!needs_recovery) {
    if (auto last = seg->_time_index.last_entry()) {
      seg->_max_timestamp = last->timestamp;
      seg->_offset_of_max_timestamp = last->offset;
    }
    auto entry = seg->_offset_index.last_entry();
    seg->_bytes_since_last_index_entry = *size - (entry ? entry->position : 0);
  }
  return seg;
}

result<uint64_t> segment::recover(const batch_epoch_observer& on_batch) {
  _offset_index.reset();
  _time_index.reset();
  // The rebuilt indexes need room even if the files were trimmed or shrunk by a config change.
  auto room = static_cast<uint64_t>(std::max(_segment_index_bytes, 0));
  if (auto r = _offset_index.resize(room); !r) return unexpected(r.error());
  if (auto r = _time_index.resize(room); !r) return unexpected(r.error());
  _max_timestamp = -1;
  _offset_of_max_timestamp = -1;
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
  if (_needs_recovery || !_offset_index.validate(_size) || !_time_index.validate()) {
    get_logger("log")->info("{}: rebuilding indexes", _log_path.string());
    return recover();
  }
  auto entry = _offset_index.last_entry();
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
  int fd = _file->fd();
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
        log->warn("{}: invalid batch header at position {}", _log_path.string(), pos);
      }
      break;
    }
    if (h->total_size() > end - pos) {
      log->warn("{}: batch at position {} extends past the end of the file", _log_path.string(), pos);
      break;
    }
    if (h->first_offset() < _base_offset || h->last_offset() - _base_offset > std::numeric_limits<int32_t>::max() ||
        h->last_offset() <= prev_last || (h->magic >= 2 && h->first_offset() <= prev_last)) {
      log->warn("{}: batch at position {} has offsets [{}, {}] out of order", _log_path.string(), pos,
                h->first_offset(), h->last_offset());
      break;
    }
    bool castagnoli = h->magic >= 2;
    uint64_t crc_from = pos + (castagnoli ? detail::v2_crc_start : detail::legacy_crc_start);
    auto crc = file_crc(fd, crc_from, pos + h->total_size(), castagnoli);
    if (!crc) return unexpected(crc.error());
    if (*crc != h->crc) {
      log->warn("{}: batch at position {} fails its CRC", _log_path.string(), pos);
      break;
    }

    if (h->max_timestamp > _max_timestamp) {
      _max_timestamp = h->max_timestamp;
      _offset_of_max_timestamp = h->last_offset();
    }
    if (index && _bytes_since_last_index_entry > static_cast<uint64_t>(std::max(_index_interval_bytes, 0))) {
      if (_offset_index.full()) {
        if (auto r = _offset_index.resize(_offset_index.file_bytes() * 2 + offset_index::entry_size); !r) {
          return unexpected(r.error());
        }
      }
      if (_time_index.full()) {
        if (auto r = _time_index.resize(_time_index.file_bytes() * 2 + 2 * time_index::entry_size); !r) {
          return unexpected(r.error());
        }
      }
      if (auto r = _offset_index.append(h->last_offset(), static_cast<uint32_t>(pos)); !r) return unexpected(r.error());
      if (auto r = _time_index.maybe_append(_max_timestamp, _offset_of_max_timestamp); !r) return unexpected(r.error());
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
    auto entry = _offset_index.last_entry();
    _bytes_since_last_index_entry = pos - (entry ? entry->position : 0);
  }
  uint64_t truncated = end - pos;
  if (truncated > 0) {
    if (!_preallocate || !std::all_of(hdr.begin(), hdr.end(), [](uint8_t b) { return b == 0; })) {
      log->warn("{}: truncating {} invalid bytes at position {}", _log_path.string(), truncated, pos);
    }
    if (auto r = truncate_log(pos); !r) return unexpected(r.error());
  }
  _size = pos;
  return truncated;
}

result<void> segment::truncate_log(uint64_t size) {
  if (auto r = detail::truncate_fd(_file->fd(), size); !r) return r;
  _size = size;
  _offset_index.truncate_to_position(size);
  return {};
}

result<void> segment::make_active() {
  auto room = static_cast<uint64_t>(std::max(_segment_index_bytes, 0));
  if (auto r = _offset_index.resize(room); !r) return r;
  if (auto r = _time_index.resize(room); !r) return r;
  _sealed = false;
  return {};
}

result<void> segment::append(int64_t last_offset, int64_t max_timestamp, int64_t offset_of_max_timestamp,
                             std::span<const bytes_view> pieces) {
  uint64_t position = _size;
  uint64_t total = 0;
  for (auto p : pieces) total += p.size();
  if (auto r = detail::pwrite_all(_file->fd(), pieces, position); !r) {
    // Leave no partial batch behind for a later reopen to mistake for data.
    (void)detail::truncate_fd(_file->fd(), _preallocate ? static_cast<uint64_t>(_segment_bytes) : position);
    return r;
  }
  _size += total;
  if (max_timestamp > _max_timestamp) {
    _max_timestamp = max_timestamp;
    _offset_of_max_timestamp = offset_of_max_timestamp;
  }
  if (_bytes_since_last_index_entry > static_cast<uint64_t>(std::max(_index_interval_bytes, 0))) {
    // The data is written; a missing sparse entry only slows lookups, so failures are logged.
    auto r1 = _offset_index.append(last_offset, static_cast<uint32_t>(position));
    auto r2 = _time_index.maybe_append(_max_timestamp, _offset_of_max_timestamp);
    if (!r1 || !r2) {
      get_logger("log")->warn("{}: index entry for offset {} not added: {}", _log_path.string(), last_offset,
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
  return _offset_index.full() || _time_index.full();
}

bool segment::fits_offset(int64_t offset) const {
  return offset >= _base_offset && offset - _base_offset <= std::numeric_limits<int32_t>::max();
}

result<std::optional<batch_position>> segment::batch_at(uint64_t position) const {
  if (position >= _size) return std::optional<batch_position>{};
  std::array<uint8_t, detail::header_probe_size> hdr;
  size_t want = static_cast<size_t>(std::min<uint64_t>(hdr.size(), _size - position));
  auto n = detail::pread_upto(_file->fd(), hdr.data(), want, position);
  if (!n) return unexpected(n.error());
  auto h = detail::decode_entry_header(bytes_view(hdr.data(), *n));
  if (!h || h->total_size() > _size - position) return unexpected(make_error_code(errc::corrupt_log));
  return std::optional<batch_position>(batch_position{h->first_offset(), h->last_offset(), position,
                                                      static_cast<uint32_t>(h->total_size()), h->max_timestamp,
                                                      h->magic});
}

result<std::optional<batch_position>> segment::find_batch(int64_t offset) const {
  uint64_t pos = _offset_index.lookup(offset).position;
  for (;;) {
    auto b = batch_at(pos);
    if (!b || !*b) return b;
    if ((*b)->last_offset >= offset) return b;
    pos += (*b)->size;
  }
}

result<std::optional<batch_position>> segment::find_batch_by_timestamp(int64_t timestamp,
                                                                      int64_t start_offset) const {
  if (_max_timestamp < timestamp) return std::optional<batch_position>{};
  auto start = _time_index.entry_before(timestamp);
  uint64_t pos = _offset_index.lookup(std::max(start.offset, start_offset)).position;
  for (;;) {
    auto b = batch_at(pos);
    if (!b || !*b) return b;
    if ((*b)->max_timestamp >= timestamp && (*b)->last_offset >= start_offset) return b;
    pos += (*b)->size;
  }
}

result<void> segment::seal() {
  if (_sealed) return {};
  if (auto r = _time_index.maybe_append(_max_timestamp, _offset_of_max_timestamp, true); !r) {
    get_logger("log")->warn("{}: final time index entry not written: {}", _log_path.string(), r.error().message());
  }
  if (auto r = _offset_index.trim(); !r) return r;
  if (auto r = _time_index.trim(); !r) return r;
  auto on_disk = detail::file_size(_file->fd());
  if (!on_disk) return unexpected(on_disk.error());
  if (*on_disk > _size) {
    if (auto r = detail::truncate_fd(_file->fd(), _size); !r) return r;
  }
  _sealed = true;
  return {};
}

result<void> segment::flush() {
  if (auto r = detail::fsync_fd(_file->fd()); !r) return r;
  if (auto r = _offset_index.flush(); !r) return r;
  return _time_index.flush();
}

result<void> segment::close() {
  auto r = seal();
  _offset_index.close();
  _time_index.close();
  return r;
}

} // namespace gregor::log
