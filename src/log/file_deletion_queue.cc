#include "gregor/log/file_deletion_queue.h"

#include <algorithm>
#include <system_error>

#include "gregor/common/logger.h"

namespace gregor::log {

void file_deletion_queue::schedule(std::vector<std::filesystem::path> paths, int64_t due_ms) {
  std::lock_guard lock(_mutex);
  for (auto& p : paths) _entries.push_back(entry{std::move(p), due_ms});
}

size_t file_deletion_queue::delete_due(int64_t now_ms) {
  std::vector<entry> due;
  {
    std::lock_guard lock(_mutex);
    auto split = std::stable_partition(_entries.begin(), _entries.end(),
                                       [now_ms](const entry& e) { return e.due_ms > now_ms; });
    due.assign(std::make_move_iterator(split), std::make_move_iterator(_entries.end()));
    _entries.erase(split, _entries.end());
  }
  size_t removed = 0;
  for (const auto& e : due) {
    std::error_code ec;
    std::filesystem::remove(e.path, ec);
    if (ec) {
      get_logger("log")->warn("cannot delete {}: {}", e.path.string(), ec.message());
      continue;
    }
    ++removed;
  }
  return removed;
}

size_t file_deletion_queue::pending() const {
  std::lock_guard lock(_mutex);
  return _entries.size();
}

} // namespace gregor::log
