#include "gregor/log/log_manager.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "file_util.h"
#include "gregor/common/logger.h"
#include "gregor/log/checkpoint_file.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"
#include "gregor/log/meta_properties.h"

namespace gregor::log {
namespace {

std::filesystem::path top_file(const std::filesystem::path& dir, std::string_view name) { return dir / std::string(name); }

// One checkpoint of a log dir. A malformed file is logged and read as empty, as Kafka does: for the
// recovery point that means recovering every segment, never trusting a bad value.
offset_map read_checkpoint_or_empty(const std::filesystem::path& dir, std::string_view name) {
  auto path = top_file(dir, name);
  auto offsets = read_offset_checkpoint(path);
  if (offsets) return std::move(*offsets);
  get_logger("log")->warn("log dir {}: cannot read {} ({}); ignoring it", dir.string(), path.string(),
                          offsets.error().message());
  return {};
}

} // namespace

log_manager::log_manager(std::vector<std::filesystem::path> dirs, log_config defaults, clock& clk)
  : _defaults(std::move(defaults)), _clk(clk) {
  for (auto& d : dirs) _dirs.push_back(dir_state{std::move(d)});
}

log_manager::~log_manager() { shutdown(); }

result<void> log_manager::fail(std::error_code ec, std::string message) {
  get_logger("log")->error("{}", message);
  std::lock_guard lock(_mutex);
  _last_error = std::move(message);
  return unexpected(ec);
}

std::string log_manager::last_error() const {
  std::lock_guard lock(_mutex);
  return _last_error;
}

result<void> log_manager::startup(int32_t broker_id, const std::string& cluster_id) {
  {
    std::lock_guard lock(_mutex);
    if (_started) return {};
  }
  if (_dirs.empty()) return fail(make_error_code(errc::not_started), "no log dirs configured");
  for (size_t i = 0; i < _dirs.size(); ++i) {
    if (auto r = startup_dir(i, broker_id, cluster_id); !r) {
      // Leave nothing half-open: close what was loaded (no checkpoints, no clean marker).
      std::map<topic_partition, entry> loaded;
      {
        std::lock_guard lock(_mutex);
        loaded.swap(_logs);
      }
      for (auto& [tp, e] : loaded) e.log->close();
      for (auto& d : _dirs) d.loaded = false;
      release_locks();
      return r;
    }
  }
  // The clean-shutdown marker describes the previous run only; it goes once the logs are loaded.
  for (auto& d : _dirs) {
    std::error_code ec;
    if (std::filesystem::remove(top_file(d.path, filenames::clean_shutdown_file), ec)) (void)detail::fsync_dir(d.path);
  }
  std::lock_guard lock(_mutex);
  _started = true;
  return {};
}

result<void> log_manager::startup_dir(size_t index, int32_t broker_id, const std::string& cluster_id) {
  auto& d = _dirs[index];
  const std::string where = d.path.string();
  auto logger = get_logger("log");
  std::error_code ec;
  std::filesystem::create_directories(d.path, ec);
  if (ec) return fail(ec, "log dir " + where + ": cannot create: " + ec.message());

  // The lock: flock on an fd held open for the broker's lifetime (released by close or exit).
  auto lock_path = top_file(d.path, filenames::lock_file);
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    auto e = detail::errno_code();
    return fail(e, "log dir " + where + ": cannot open " + lock_path.string() + ": " + e.message());
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto e = detail::errno_code();
    ::close(fd);
    if (e == std::errc::operation_would_block) {
      return fail(make_error_code(errc::log_dir_locked),
                  "log dir " + where + " is locked by another process (" + lock_path.string() +
                    "); is another broker using it?");
    }
    return fail(e, "log dir " + where + ": cannot lock " + lock_path.string() + ": " + e.message());
  }
  d.lock_fd = fd;

  auto meta_path = top_file(d.path, filenames::meta_properties_file);
  auto meta = meta_properties::read(meta_path);
  if (!meta) {
    return fail(meta.error(), "log dir " + where + ": cannot read " + meta_path.string() + ": " + meta.error().message());
  }
  if (*meta) {
    const auto& m = **meta;
    if (m.version != 0 || !m.broker_id) {
      return fail(make_error_code(errc::meta_properties_invalid),
                  "log dir " + where + ": " + meta_path.string() + " has version=" + std::to_string(m.version) +
                    (m.broker_id ? "" : " and no broker.id") + "; expected the ZooKeeper-mode form (version=0, broker.id)");
    }
    if (*m.broker_id != broker_id) {
      return fail(make_error_code(errc::meta_properties_mismatch),
                  "log dir " + where + ": meta.properties has broker.id=" + std::to_string(*m.broker_id) +
                    " but this broker's id is " + std::to_string(broker_id));
    }
    if (m.cluster_id && *m.cluster_id != cluster_id) {
      return fail(make_error_code(errc::meta_properties_mismatch),
                  "log dir " + where + ": meta.properties has cluster.id=" + *m.cluster_id +
                    " but the cluster id is " + cluster_id);
    }
    if (!m.cluster_id) {
      meta_properties updated = m;
      updated.cluster_id = cluster_id;
      if (auto r = updated.write(meta_path, _clk.now_ms()); !r) {
        return fail(r.error(), "log dir " + where + ": cannot write meta.properties: " + r.error().message());
      }
    }
  } else {
    meta_properties m;
    m.version = 0;
    m.broker_id = broker_id;
    m.cluster_id = cluster_id;
    if (auto r = m.write(meta_path, _clk.now_ms()); !r) {
      return fail(r.error(), "log dir " + where + ": cannot write meta.properties: " + r.error().message());
    }
  }

  d.clean_shutdown = std::filesystem::exists(top_file(d.path, filenames::clean_shutdown_file), ec);

  const offset_map recovery_points = read_checkpoint_or_empty(d.path, filenames::recovery_point_checkpoint_file);
  const offset_map start_offsets = read_checkpoint_or_empty(d.path, filenames::log_start_offset_checkpoint_file);
  const offset_map high_watermarks = read_checkpoint_or_empty(d.path, filenames::replication_offset_checkpoint_file);

  auto listing = detail::list_dir(d.path);
  if (!listing) return fail(listing.error(), "log dir " + where + ": cannot list: " + listing.error().message());
  std::vector<std::filesystem::path> children;
  for (const auto& de : *listing) {
    if (de.is_directory) children.push_back(de.path);
  }
  std::sort(children.begin(), children.end());
  // A dir without partitions (a new one, first start) has no log that could have lost a tail.
  if (children.empty()) d.clean_shutdown = true;

  for (const auto& child : children) {
    auto name = child.filename().string();
    auto parsed = filenames::parse_partition_dir_name(name);
    if (!parsed) {
      return fail(make_error_code(errc::invalid_partition_dir),
                  "log dir " + where + " contains " + name +
                    ", which is not a <topic>-<partition> directory; remove or move it");
    }
    switch (parsed->kind) {
    case filenames::partition_dir_kind::deleted:
      logger->info("log dir {}: removing deleted partition dir {}", where, name);
      std::filesystem::remove_all(child, ec);
      if (ec) logger->warn("log dir {}: cannot remove {}: {}", where, name, ec.message());
      continue;
    case filenames::partition_dir_kind::future:
    case filenames::partition_dir_kind::stray:
      logger->warn("log dir {}: ignoring {} (replica moves are not supported yet)", where, name);
      continue;
    case filenames::partition_dir_kind::live: break;
    }
    bool duplicate = false;
    std::string other_dir;
    {
      std::lock_guard lock(_mutex);
      if (auto it = _logs.find(parsed->tp); it != _logs.end()) {
        duplicate = true;
        other_dir = _dirs[it->second.dir_index].path.string();
      }
    }
    if (duplicate) {
      return fail(make_error_code(errc::duplicate_partition),
                  "partition " + parsed->tp.to_string() + " found in both " + other_dir + " and " + where);
    }
    recovery_hint hint;
    hint.clean_shutdown = d.clean_shutdown;
    if (auto it = recovery_points.find(parsed->tp); it != recovery_points.end()) hint.recovery_point = it->second;
    if (auto it = start_offsets.find(parsed->tp); it != start_offsets.end()) hint.log_start_offset = it->second;
    std::string why;
    auto log = partition_log::open(child, parsed->tp, _defaults, _clk, hint, &why);
    if (!log) return fail(log.error(), "log dir " + where + ": cannot load partition " + name + ": " + why);
    entry e{std::move(*log), index};
    e.recovery_point = e.log->recovery_point();
    e.log_start_offset = e.log->log_start_offset();
    e.first_segment_base = e.log->first_segment_base_offset();
    if (auto it = high_watermarks.find(parsed->tp); it != high_watermarks.end()) {
      e.high_watermark = std::clamp(it->second, e.log_start_offset, e.log->log_end_offset());
    }
    std::lock_guard lock(_mutex);
    _logs.emplace(parsed->tp, std::move(e));
  }
  d.loaded = true;
  logger->info("log dir {}: loaded (previous shutdown {})", where, d.clean_shutdown ? "clean" : "unclean");
  return {};
}

partition_log* log_manager::get(const topic_partition& tp) {
  std::lock_guard lock(_mutex);
  auto it = _logs.find(tp);
  return it == _logs.end() ? nullptr : it->second.log.get();
}

result<partition_log*> log_manager::get_or_create(const topic_partition& tp, const log_config& cfg) {
  std::unique_lock lock(_mutex);
  if (!_started) return unexpected(make_error_code(errc::not_started));
  if (auto it = _logs.find(tp); it != _logs.end()) return it->second.log.get();
  if (!filenames::is_valid_topic_name(tp.topic) || tp.partition < 0) {
    _last_error = "invalid topic-partition " + tp.to_string();
    return unexpected(make_error_code(errc::invalid_topic_name));
  }
  std::vector<size_t> counts(_dirs.size(), 0);
  for (const auto& [key, e] : _logs) ++counts[e.dir_index];
  size_t chosen = 0;
  for (size_t i = 1; i < counts.size(); ++i) {
    if (counts[i] < counts[chosen]) chosen = i;
  }
  // Opening under the lock keeps two creators of one partition from racing; creation is rare.
  auto dir = _dirs[chosen].path / filenames::partition_dir_name(tp);
  auto log = partition_log::open(dir, tp, cfg, _clk);
  if (!log) {
    _last_error = "cannot create " + dir.string() + ": " + log.error().message();
    return unexpected(log.error());
  }
  (void)detail::fsync_dir(_dirs[chosen].path);
  partition_log* raw = log->get();
  entry e{std::move(*log), chosen};
  e.recovery_point = raw->recovery_point();
  e.log_start_offset = raw->log_start_offset();
  e.first_segment_base = raw->first_segment_base_offset();
  _logs.emplace(tp, std::move(e));
  return raw;
}

result<void> log_manager::remove(const topic_partition& tp) {
  std::unique_ptr<partition_log> log;
  {
    std::lock_guard lock(_mutex);
    if (!_started) return unexpected(make_error_code(errc::not_started));
    auto it = _logs.find(tp);
    if (it == _logs.end()) return unexpected(make_error_code(errc::unknown_partition));
    log = std::move(it->second.log);
    _logs.erase(it);
  }
  auto r = log->delete_log();
  if (!r) {
    std::lock_guard lock(_mutex);
    _last_error = "cannot delete " + log->dir().string() + ": " + r.error().message();
    return r;
  }
  if (_on_removed) _on_removed(tp, log->dir().parent_path());
  return r;
}

std::vector<topic_partition> log_manager::partitions() const {
  std::lock_guard lock(_mutex);
  std::vector<topic_partition> out;
  out.reserve(_logs.size());
  for (const auto& [tp, e] : _logs) out.push_back(tp);
  return out;
}

std::filesystem::path log_manager::dir_of(const topic_partition& tp) const {
  std::lock_guard lock(_mutex);
  auto it = _logs.find(tp);
  return it == _logs.end() ? std::filesystem::path{} : _dirs[it->second.dir_index].path;
}

bool log_manager::had_clean_shutdown(const std::filesystem::path& dir) const {
  for (const auto& d : _dirs) {
    if (d.path == dir) return d.clean_shutdown;
  }
  return false;
}

void log_manager::shutdown() {
  std::lock_guard write_lock(_checkpoint_mutex);
  std::map<topic_partition, entry> logs;
  {
    std::lock_guard lock(_mutex);
    if (!_started) return;
    _started = false;
    logs.swap(_logs);
  }
  auto logger = get_logger("log");
  std::vector<offset_map> recovery_points(_dirs.size());
  std::vector<offset_map> start_offsets(_dirs.size());
  std::vector<offset_map> high_watermarks(_dirs.size());
  // Close without per-file fsyncs, then one syncfs() per log dir: with thousands of partitions,
  // per-file fsyncs made shutdown take minutes. A dir whose sync fails keeps its old recovery
  // points and gets no clean-shutdown marker, so the next start recovers it.
  std::vector<bool> state_saved(_dirs.size(), true);
  for (auto& [tp, e] : logs) {
    e.log->close(/*sync=*/false);  // every owner has stopped
    // Without its producer snapshot a clean start would lose open transactions: recover instead.
    if (!e.log->producer_state_saved()) state_saved[e.dir_index] = false;
  }
  std::vector<bool> synced(_dirs.size(), false);
  for (size_t i = 0; i < _dirs.size(); ++i) {
    if (!_dirs[i].loaded) continue;
    auto r = detail::sync_filesystem(_dirs[i].path);
    if (!r) {
      logger->error("log dir {}: cannot sync its filesystem ({}); not marking a clean shutdown",
                    _dirs[i].path.string(), r.error().message());
    }
    synced[i] = r.has_value();
  }
  for (auto& [tp, e] : logs) {
    recovery_points[e.dir_index][tp] = synced[e.dir_index] ? e.log->log_end_offset() : e.log->recovery_point();
    if (e.log->log_start_offset() > e.log->first_segment_base_offset()) {
      start_offsets[e.dir_index][tp] = e.log->log_start_offset();
    }
    if (e.high_watermark >= 0) {
      high_watermarks[e.dir_index][tp] =
        std::clamp(e.high_watermark, e.log->log_start_offset(), e.log->log_end_offset());
    }
  }
  logs.clear();
  for (size_t i = 0; i < _dirs.size(); ++i) {
    auto& d = _dirs[i];
    if (!d.loaded) continue;
    auto r1 = write_offset_checkpoint(top_file(d.path, filenames::recovery_point_checkpoint_file), recovery_points[i]);
    auto r2 = write_offset_checkpoint(top_file(d.path, filenames::log_start_offset_checkpoint_file), start_offsets[i]);
    auto r3 = write_offset_checkpoint(top_file(d.path, filenames::replication_offset_checkpoint_file), high_watermarks[i]);
    if (!synced[i]) continue;
    if (!state_saved[i]) {
      logger->error("log dir {}: a producer snapshot could not be written; not marking a clean shutdown",
                    d.path.string());
      continue;
    }
    if (_withhold_unclean_marker && !d.clean_shutdown) {
      logger->warn("log dir {}: not marking a clean shutdown: the unclean-shutdown rule has not run yet",
                   d.path.string());
      continue;
    }
    if (!r1 || !r2 || !r3) {
      logger->error("log dir {}: cannot write checkpoints ({}); not marking a clean shutdown", d.path.string(),
                    (!r1 ? r1.error() : !r2 ? r2.error() : r3.error()).message());
      continue;
    }
    if (auto r = detail::write_file_atomically(top_file(d.path, filenames::clean_shutdown_file), ""); !r) {
      logger->error("log dir {}: cannot write the clean-shutdown marker: {}", d.path.string(), r.error().message());
    }
    d.loaded = false;
  }
  release_locks();
}

void log_manager::note_offsets(const topic_partition& tp, int64_t recovery_point, int64_t log_start_offset,
                               int64_t first_segment_base) {
  std::lock_guard lock(_mutex);
  auto it = _logs.find(tp);
  if (it == _logs.end()) return;
  it->second.recovery_point = recovery_point;
  it->second.log_start_offset = log_start_offset;
  it->second.first_segment_base = first_segment_base;
}

void log_manager::note_high_watermark(const topic_partition& tp, int64_t high_watermark) {
  std::lock_guard lock(_mutex);
  auto it = _logs.find(tp);
  if (it == _logs.end()) return;
  it->second.high_watermark = high_watermark;
}

std::optional<int64_t> log_manager::checkpointed_high_watermark(const topic_partition& tp) const {
  std::lock_guard lock(_mutex);
  auto it = _logs.find(tp);
  if (it == _logs.end() || it->second.high_watermark < 0) return std::nullopt;
  return it->second.high_watermark;
}

result<void> log_manager::write_checkpoint(checkpoint_kind kind) {
  std::lock_guard write_lock(_checkpoint_mutex);
  std::vector<offset_map> per_dir(_dirs.size());
  {
    std::lock_guard lock(_mutex);
    if (!_started) return unexpected(make_error_code(errc::not_started));
    for (const auto& [tp, e] : _logs) {
      switch (kind) {
      case checkpoint_kind::recovery_point: per_dir[e.dir_index][tp] = e.recovery_point; break;
      case checkpoint_kind::log_start_offset:
        if (e.first_segment_base < 0 || e.log_start_offset > e.first_segment_base) {
          per_dir[e.dir_index][tp] = e.log_start_offset;
        }
        break;
      case checkpoint_kind::high_watermark:
        if (e.high_watermark >= 0) per_dir[e.dir_index][tp] = e.high_watermark;
        break;
      }
    }
  }
  std::string_view name = kind == checkpoint_kind::recovery_point     ? filenames::recovery_point_checkpoint_file
                          : kind == checkpoint_kind::log_start_offset ? filenames::log_start_offset_checkpoint_file
                                                                      : filenames::replication_offset_checkpoint_file;
  result<void> first_failure;
  for (size_t i = 0; i < _dirs.size(); ++i) {
    if (!_dirs[i].loaded) continue;
    auto path = top_file(_dirs[i].path, name);
    if (auto r = write_offset_checkpoint(path, per_dir[i]); !r) {
      get_logger("log")->error("cannot write {}: {}", path.string(), r.error().message());
      if (first_failure) first_failure = r;
    }
  }
  return first_failure;
}

result<void> log_manager::write_recovery_point_checkpoints() { return write_checkpoint(checkpoint_kind::recovery_point); }
result<void> log_manager::write_log_start_offset_checkpoints() { return write_checkpoint(checkpoint_kind::log_start_offset); }
result<void> log_manager::write_high_watermark_checkpoints() { return write_checkpoint(checkpoint_kind::high_watermark); }

result<void> log_manager::write_checkpoints() {
  auto r1 = write_recovery_point_checkpoints();
  auto r2 = write_log_start_offset_checkpoints();
  auto r3 = write_high_watermark_checkpoints();
  if (!r1) return r1;
  if (!r2) return r2;
  return r3;
}

void log_manager::release_locks() {
  for (auto& d : _dirs) {
    if (d.lock_fd >= 0) {
      ::flock(d.lock_fd, LOCK_UN);
      ::close(d.lock_fd);
      d.lock_fd = -1;
    }
  }
}

} // namespace gregor::log
