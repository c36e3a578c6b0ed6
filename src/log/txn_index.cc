#include "gregor/log/txn_index.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "file_util.h"
#include "gregor/common/endian.h"
#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

// A .txnindex larger than this (about 2 million aborted transactions in one segment) is corrupt.
constexpr size_t max_txn_index_bytes = 64u << 20;

void encode_entry(uint8_t* p, const aborted_txn& t) {
  store_be<int16_t>(p, txn_index_version);
  store_be<int64_t>(p + 2, t.producer_id);
  store_be<int64_t>(p + 10, t.first_offset);
  store_be<int64_t>(p + 18, t.last_offset);
  store_be<int64_t>(p + 26, t.last_stable_offset);
}

// Runs `fn(fd)` on the index file opened with `flags`.
template <typename Fn>
result<void> with_file(const std::filesystem::path& file, int flags, Fn&& fn) {
  const int fd = ::open(file.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return unexpected(detail::errno_code());
  auto r = fn(fd);
  ::close(fd);
  return r;
}

} // namespace

bytes encode_txn_index(std::span<const aborted_txn> entries) {
  bytes out(entries.size() * txn_index_entry_size);
  for (size_t i = 0; i < entries.size(); ++i) encode_entry(out.data() + i * txn_index_entry_size, entries[i]);
  return out;
}

result<std::vector<aborted_txn>> decode_txn_index(bytes_view data) {
  if (data.size() % txn_index_entry_size != 0) return unexpected(make_error_code(errc::corrupt_index));
  std::vector<aborted_txn> out;
  out.reserve(data.size() / txn_index_entry_size);
  for (size_t at = 0; at < data.size(); at += txn_index_entry_size) {
    const uint8_t* p = data.data() + at;
    if (load_be<int16_t>(p) != txn_index_version) return unexpected(make_error_code(errc::corrupt_index));
    out.push_back({.producer_id = load_be<int64_t>(p + 2),
                   .first_offset = load_be<int64_t>(p + 10),
                   .last_offset = load_be<int64_t>(p + 18),
                   .last_stable_offset = load_be<int64_t>(p + 26)});
  }
  return out;
}

result<void> txn_index::load() const {
  if (_entries) return {};
  auto exists = detail::path_exists(_file);
  if (!exists) return unexpected(exists.error());
  if (!*exists) {
    _entries.emplace();
    return {};
  }
  auto content = detail::read_small_file(_file, max_txn_index_bytes);
  if (!content) {
    if (content.error() == std::errc::file_too_large) return unexpected(make_error_code(errc::corrupt_index));
    return unexpected(content.error());
  }
  auto decoded = decode_txn_index(as_bytes(*content));
  if (!decoded) return unexpected(decoded.error());
  _entries = std::move(*decoded);
  return {};
}

result<std::span<const aborted_txn>> txn_index::entries() const {
  if (auto ok = load(); !ok) return unexpected(ok.error());
  return std::span<const aborted_txn>(*_entries);
}

result<void> txn_index::append(const aborted_txn& txn) {
  if (auto ok = load(); !ok) return ok;
  if (!_entries->empty() && _entries->back().last_offset >= txn.last_offset) {
    return unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  uint8_t entry[txn_index_entry_size];
  encode_entry(entry, txn);
  const uint64_t at = _entries->size() * txn_index_entry_size;
  auto written = with_file(_file, O_WRONLY | O_CREAT, [&](int fd) {
    const bytes_view piece(entry, sizeof entry);
    return detail::pwrite_all(fd, std::span<const bytes_view>(&piece, 1), at);
  });
  if (!written) return written;
  _entries->push_back(txn);
  _dirty = true;
  return {};
}

result<void> txn_index::flush() {
  if (!_dirty) return {};
  auto synced = with_file(_file, O_RDONLY, [](int fd) { return detail::fsync_fd(fd); });
  if (!synced) return synced;
  _dirty = false;
  return {};
}

result<void> txn_index::truncate_to(int64_t offset) {
  if (auto ok = load(); !ok) return ok;
  size_t keep = 0;
  while (keep < _entries->size() && (*_entries)[keep].last_offset < offset) ++keep;
  if (keep == _entries->size()) return {};
  auto cut = with_file(_file, O_WRONLY, [&](int fd) {
    auto t = detail::truncate_fd(fd, keep * txn_index_entry_size);
    if (t) t = detail::fsync_fd(fd);
    return t;
  });
  if (!cut) return cut;
  _entries->resize(keep);
  return {};
}

result<void> txn_index::reset() {
  _entries.emplace();
  _dirty = false;
  if (::unlink(_file.c_str()) != 0 && errno != ENOENT) return unexpected(detail::errno_code());
  return {};
}

result<void> txn_index::collect(int64_t fetch_offset, int64_t upper_bound, aborted_txn_search& search) const {
  if (auto ok = load(); !ok) return ok;
  for (const auto& t : *_entries) {
    if (t.last_offset >= fetch_offset && t.first_offset < upper_bound) search.found.push_back(t);
    if (t.last_stable_offset >= upper_bound) {
      search.complete = true;
      return {};
    }
  }
  return {};
}

} // namespace gregor::log
