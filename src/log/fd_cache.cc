#include "gregor/log/fd_cache.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "file_util.h"
#include "gregor/common/logger.h"
#include "gregor/log/errc.h"

namespace gregor::log {

fd_cache::fd_cache(size_t capacity) : _capacity(std::max<size_t>(capacity, 1)) {}

fd_cache& fd_cache::global() {
  // Never destroyed: segments held by other statics may forget their entries during exit.
  static fd_cache* cache = new fd_cache(default_capacity());
  return *cache;
}

size_t fd_cache::default_capacity() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 4096;
  return std::max<size_t>(static_cast<size_t>(lim.rlim_cur) / 2, min_capacity);
}

uint64_t fd_cache::new_key() {
  std::lock_guard lock(_mutex);
  return _next_key++;
}

fd_cache::file_ptr fd_cache::lookup(uint64_t key) {
  std::lock_guard lock(_mutex);
  auto it = _index.find(key);
  if (it == _index.end()) return nullptr;
  _lru.splice(_lru.begin(), _lru, it->second);
  return it->second->file;
}

void fd_cache::insert(uint64_t key, file_ptr file) {
  std::vector<file_ptr> closing;  // released after the lock: close(2) may block
  {
    std::lock_guard lock(_mutex);
    auto it = _index.find(key);
    if (it != _index.end()) {
      closing.push_back(std::move(it->second->file));
      it->second->file = std::move(file);
      _lru.splice(_lru.begin(), _lru, it->second);
    } else {
      _lru.push_front(entry{key, std::move(file)});
      _index.emplace(key, _lru.begin());
    }
    trim_locked(_capacity, closing);
  }
}

void fd_cache::erase(uint64_t key) {
  file_ptr closing;
  std::lock_guard lock(_mutex);
  auto it = _index.find(key);
  if (it == _index.end()) return;
  closing = std::move(it->second->file);
  _lru.erase(it->second);
  _index.erase(it);
  // `closing` is declared before the lock guard, so it is released after the unlock.
}

size_t fd_cache::shed() {
  std::vector<file_ptr> closing;
  std::lock_guard lock(_mutex);
  size_t n = _lru.size();
  if (n == 0) return 0;
  trim_locked(n - std::max<size_t>(n / 4, 1), closing);
  return closing.size();
}

void fd_cache::trim_locked(size_t keep, std::vector<file_ptr>& out) {
  while (_lru.size() > keep) {
    auto& victim = _lru.back();
    out.push_back(std::move(victim.file));
    _index.erase(victim.key);
    _lru.pop_back();
    ++_evictions;
  }
}

size_t fd_cache::capacity() const {
  std::lock_guard lock(_mutex);
  return _capacity;
}

void fd_cache::set_capacity(size_t capacity) {
  std::vector<file_ptr> closing;
  std::lock_guard lock(_mutex);
  _capacity = std::max<size_t>(capacity, 1);
  trim_locked(_capacity, closing);
}

size_t fd_cache::size() const {
  std::lock_guard lock(_mutex);
  return _lru.size();
}

uint64_t fd_cache::evictions() const {
  std::lock_guard lock(_mutex);
  return _evictions;
}

cached_log_file::cached_log_file(std::filesystem::path path, fd_cache& cache)
  : _path(std::move(path)), _cache(cache), _key(cache.new_key()) {}

cached_log_file::~cached_log_file() { forget(); }

void cached_log_file::adopt(fd_cache::file_ptr file) {
  _last = file;
  _cache.insert(_key, std::move(file));
}

result<fd_cache::file_ptr> cached_log_file::get() const {
  if (_forgotten) return unexpected(make_error_code(errc::log_closed));
  if (auto f = _cache.lookup(_key)) return f;
  // Evicted but still pinned by a reader: the same descriptor goes back into the cache.
  if (auto f = _last.lock()) {
    _cache.insert(_key, f);
    return f;
  }
  int fd = ::open(_path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && (errno == EMFILE || errno == ENFILE) && _cache.shed() > 0) {
    fd = ::open(_path.c_str(), O_RDWR | O_CLOEXEC);
  }
  if (fd < 0) {
    auto e = detail::errno_code();
    get_logger("log")->error("cannot open {}: {}", _path.string(), e.message());
    return unexpected(e);
  }
  auto f = std::make_shared<const file_descriptor>(fd);
  _last = f;
  _cache.insert(_key, f);
  return f;
}

void cached_log_file::forget() {
  if (_forgotten) return;
  _forgotten = true;
  _last.reset();
  _cache.erase(_key);
}

} // namespace gregor::log
