#include "gregor/log/mapped_index.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "file_util.h"
#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

// Closes a descriptor at scope exit; the mapping outlives it.
struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

} // namespace

result<mapped_index> mapped_index::open(std::filesystem::path path, size_t entry_size, size_t max_bytes) {
  bool created = true;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST) {
    created = false;
    fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) return unexpected(detail::errno_code());
  fd_guard guard{fd};

  mapped_index idx;
  idx._path = std::move(path);
  idx._entry_size = entry_size;
  uint64_t length = 0;
  if (created) {
    // New file: preallocated zero-filled at the configured size (sparse until written).
    length = max_bytes / entry_size * entry_size;
    if (auto r = detail::truncate_fd(fd, length); !r) return unexpected(r.error());
  } else {
    // Existing file: taken as it is; every slot counts as an entry (Kafka's rule).
    auto size = detail::file_size(fd);
    if (!size) return unexpected(size.error());
    length = *size;
    if (length % entry_size != 0) return unexpected(make_error_code(errc::corrupt_index));
  }
  if (auto r = idx.map(fd, length); !r) return unexpected(r.error());
  idx._entries = created ? 0 : length / entry_size;
  return idx;
}

mapped_index::mapped_index(mapped_index&& other) noexcept
  : _path(std::move(other._path)), _entry_size(other._entry_size), _map(other._map), _length(other._length),
    _entries(other._entries) {
  other._map = nullptr;
  other._length = 0;
  other._entries = 0;
}

mapped_index& mapped_index::operator=(mapped_index&& other) noexcept {
  if (this != &other) {
    unmap();
    _path = std::move(other._path);
    _entry_size = other._entry_size;
    _map = other._map;
    _length = other._length;
    _entries = other._entries;
    other._map = nullptr;
    other._length = 0;
    other._entries = 0;
  }
  return *this;
}

mapped_index::~mapped_index() { unmap(); }

void mapped_index::unmap() {
  if (_map != nullptr) ::munmap(_map, _length);
  _map = nullptr;
}

result<void> mapped_index::map(int fd, uint64_t length) {
  unmap();
  _length = length;
  if (length == 0) return {};
  void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    _length = 0;
    return unexpected(detail::errno_code());
  }
  _map = static_cast<uint8_t*>(p);
  return {};
}

uint8_t* mapped_index::append_slot() {
  uint8_t* slot = _map + _entries * _entry_size;
  ++_entries;
  return slot;
}

void mapped_index::truncate_entries(size_t n) {
  if (n >= _entries) return;
  // Zeroed slots keep an untrimmed file recognisable (position 0 / timestamp 0 never follow a real entry).
  std::memset(_map + n * _entry_size, 0, (_entries - n) * _entry_size);
  _entries = n;
}

result<void> mapped_index::resize(uint64_t bytes) {
  uint64_t length = bytes / _entry_size * _entry_size;
  uint64_t used = static_cast<uint64_t>(_entries) * _entry_size;
  if (length < used) length = used;
  if (length == _length) return {};
  int fd = ::open(_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return unexpected(detail::errno_code());
  fd_guard guard{fd};
  unmap();
  if (auto r = detail::truncate_fd(fd, length); !r) return r;
  return map(fd, length);
}

result<void> mapped_index::flush() {
  if (_map != nullptr && ::msync(_map, _length, MS_SYNC) != 0) return unexpected(detail::errno_code());
  if (_path.empty()) return {};
  int fd = ::open(_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(detail::errno_code());
  fd_guard guard{fd};
  return detail::fsync_fd(fd);
}

result<void> mapped_index::rename(const std::filesystem::path& to) {
  if (::rename(_path.c_str(), to.c_str()) != 0) return unexpected(detail::errno_code());
  _path = to;
  return {};
}

void mapped_index::close() {
  unmap();
  _length = 0;
  _entries = 0;
}

} // namespace gregor::log
