#pragma once
// metadata_cache: the broker's current cluster_snapshot, replaced copy-on-write.
//
// Thread-safety: every method may be called from any thread. Readers get an immutable snapshot that
// stays valid for as long as they hold it; writers build a new snapshot under a mutex and publish it.

#include <functional>
#include <memory>
#include <mutex>

#include "gregor/metadata/cluster_snapshot.h"

namespace gregor::metadata {

class metadata_cache {
public:
  metadata_cache() : _current(std::make_shared<const cluster_snapshot>()) {}

  std::shared_ptr<const cluster_snapshot> snapshot() const {
    std::lock_guard lock(_mutex);
    return _current;
  }

  // Applies `change` to a copy of the current snapshot and publishes the copy.
  void update(const std::function<void(cluster_snapshot&)>& change) {
    std::lock_guard writer(_write_mutex);
    auto next = std::make_shared<cluster_snapshot>(*snapshot());
    change(*next);
    std::lock_guard lock(_mutex);
    _current = std::move(next);
  }

private:
  mutable std::mutex _mutex;  // guards _current (the pointer only)
  std::mutex _write_mutex;    // serialises writers
  std::shared_ptr<const cluster_snapshot> _current;
};

} // namespace gregor::metadata
