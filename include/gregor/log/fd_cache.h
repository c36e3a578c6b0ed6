#pragma once
// A process-wide bound on the segment `.log` descriptors kept open (Kafka keeps every one open and
// asks for a large ulimit; we keep the most recently used ones and reopen the others on demand).
//
// fd_cache is an LRU map from a segment's id to its open descriptor. Eviction only drops the
// cache's reference: a read slice or scan holding the shared_ptr keeps its descriptor open and
// valid, and cached_log_file reuses such a still-alive descriptor rather than opening a second one.
// The cache therefore bounds the descriptors kept open *for reuse*; descriptors pinned by in-flight
// slices come on top, for as long as the slices live.
//
// Threading: fd_cache is thread-safe (one mutex; files are opened and closed outside it).
// cached_log_file is NOT: it belongs to one segment, whose owner calls it.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"

namespace gregor::log {

class fd_cache {
public:
  using file_ptr = std::shared_ptr<const file_descriptor>;

  explicit fd_cache(size_t capacity);
  fd_cache(const fd_cache&) = delete;
  fd_cache& operator=(const fd_cache&) = delete;

  // The cache every segment uses, sized by default_capacity() on first use.
  static fd_cache& global();
  // Half of RLIMIT_NOFILE's soft limit (the rest stays for sockets, ZooKeeper, index files being
  // mapped, checkpoints), at least min_capacity.
  static size_t default_capacity();
  static constexpr size_t min_capacity = 64;

  // A fresh key; keys are never reused, so a key cannot reach another file's descriptor.
  uint64_t new_key();

  // The cached descriptor of `key` (now the most recently used), or nullptr.
  file_ptr lookup(uint64_t key);
  // Caches `file` under `key` (replacing any previous one), evicting least recently used entries
  // beyond capacity().
  void insert(uint64_t key, file_ptr file);
  // Drops the entry of `key`, if any (segment renamed, deleted or closed).
  void erase(uint64_t key);
  // Drops the least recently used quarter of the entries (at least one); used when open() fails
  // with EMFILE/ENFILE. Returns how many were dropped.
  size_t shed();

  size_t capacity() const;
  // Shrinking evicts at once. A capacity below 1 is taken as 1.
  void set_capacity(size_t capacity);
  size_t size() const;
  uint64_t evictions() const;

private:
  struct entry {
    uint64_t key;
    file_ptr file;
  };
  // Pops entries beyond `keep` into `out` (closed by the caller outside the lock).
  void trim_locked(size_t keep, std::vector<file_ptr>& out);

  mutable std::mutex _mutex;
  size_t _capacity;
  uint64_t _next_key = 1;
  uint64_t _evictions = 0;
  std::list<entry> _lru;  // front: most recently used
  std::unordered_map<uint64_t, std::list<entry>::iterator> _index;
};

// A segment's `.log` as seen through an fd_cache: the path, the segment's key, and a weak
// reference to the last descriptor handed out (so a descriptor that is evicted but still pinned by
// a reader is reused, keeping one descriptor, and one identity, per segment while it is alive).
class cached_log_file {
public:
  cached_log_file(std::filesystem::path path, fd_cache& cache = fd_cache::global());
  ~cached_log_file();  // forget()
  cached_log_file(const cached_log_file&) = delete;
  cached_log_file& operator=(const cached_log_file&) = delete;

  // Adopts a descriptor just opened (e.g. by O_CREAT|O_TRUNC) as this file's.
  void adopt(fd_cache::file_ptr file);
  // The open descriptor (O_RDWR), reopening `path` if it was evicted. Errors: errno of open(2)
  // (EMFILE/ENFILE after one retry that sheds cached descriptors), errc::log_closed after forget().
  result<fd_cache::file_ptr> get() const;
  // Drops the cached descriptor and refuses later get()s: call before renaming or deleting the file.
  void forget();

  const std::filesystem::path& path() const { return _path; }
  bool forgotten() const { return _forgotten; }

private:
  std::filesystem::path _path;
  fd_cache& _cache;
  uint64_t _key;
  mutable std::weak_ptr<const file_descriptor> _last;
  bool _forgotten = false;
};

} // namespace gregor::log
