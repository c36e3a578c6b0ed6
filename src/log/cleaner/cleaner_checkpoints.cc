#include "gregor/log/cleaner/cleaner_checkpoints.h"

#include "gregor/common/logger.h"
#include "gregor/log/filenames.h"

namespace gregor::log {

offset_map& cleaner_checkpoints::load(const std::filesystem::path& log_dir) {
  auto it = _dirs.find(log_dir);
  if (it != _dirs.end()) return it->second;
  auto path = log_dir / filenames::cleaner_offset_checkpoint_file;
  auto read = read_offset_checkpoint(path);
  offset_map offsets;
  if (read) {
    offsets = std::move(*read);
  } else {
    get_logger("log.cleaner")->warn("{}: unreadable, cleaning from each log's start: {}", path.string(),
                                    read.error().message());
  }
  return _dirs.emplace(log_dir, std::move(offsets)).first->second;
}

int64_t cleaner_checkpoints::get(const std::filesystem::path& log_dir, const topic_partition& tp) {
  std::lock_guard lock(_mutex);
  auto& offsets = load(log_dir);
  auto it = offsets.find(tp);
  return it == offsets.end() ? -1 : it->second;
}

result<void> cleaner_checkpoints::set(const std::filesystem::path& log_dir, const topic_partition& tp, int64_t offset) {
  std::lock_guard lock(_mutex);
  auto& offsets = load(log_dir);
  offsets[tp] = offset;
  return write_offset_checkpoint(log_dir / filenames::cleaner_offset_checkpoint_file, offsets);
}

result<void> cleaner_checkpoints::remove(const std::filesystem::path& log_dir, const topic_partition& tp) {
  std::lock_guard lock(_mutex);
  auto& offsets = load(log_dir);
  if (offsets.erase(tp) == 0) return {};
  return write_offset_checkpoint(log_dir / filenames::cleaner_offset_checkpoint_file, offsets);
}

} // namespace gregor::log
