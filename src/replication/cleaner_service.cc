#include "gregor/replication/cleaner_service.h"

#include <chrono>
#include <future>
#include <optional>

#include <boost/asio/post.hpp>

#include "gregor/common/logger.h"
#include "gregor/log/cleaner/cleaner_checkpoints.h"
#include "gregor/log/cleaner/dedupe_map.h"
#include "gregor/log/cleaner/io_throttle.h"
#include "gregor/log/cleaner/log_cleaner.h"
#include "gregor/log/partition_log.h"
#include "gregor/replication/partition.h"
#include "gregor/replication/replica_manager.h"

namespace gregor::replication {
namespace {

// Runs `f` on the partition's strand and waits for its result on this (cleaner) thread. Gives up
// (nullopt) when the service is stopping and the strand has not run it within a few seconds, so
// stop() cannot hang on an io_context that no longer runs; `f` only holds shared state, so running
// it later is harmless.
template <typename F, typename Stopping>
auto on_strand(const std::shared_ptr<partition>& p, F f, Stopping stopping) -> std::optional<decltype(f())> {
  using value = decltype(f());
  auto promise = std::make_shared<std::promise<value>>();
  auto future = promise->get_future();
  boost::asio::post(p->executor(), [promise, f = std::move(f)]() mutable { promise->set_value(f()); });
  int waited_while_stopping = 0;
  while (future.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (stopping() && ++waited_while_stopping > 50) return std::nullopt;
  }
  return future.get();
}

} // namespace

cleaner_service::cleaner_service(replica_manager& replicas, log::file_deletion_queue& deletions,
                                 cleaner_service_options options, clock& clk)
  : _replicas(replicas), _deletions(deletions), _options(options), _clock(clk),
    _checkpoints(std::make_unique<log::cleaner_checkpoints>()),
    _throttle(std::make_unique<log::io_throttle>(_options.io_max_bytes_per_second)) {}

cleaner_service::~cleaner_service() { stop(); }

void cleaner_service::start() {
  if (!_options.enable) return;
  std::lock_guard lock(_mutex);
  if (_started) return;
  _started = true;
  _stopping = false;
  spawn_missing_threads();
  get_logger("log.cleaner")->info("log cleaner started: {} thread(s), backoff {} ms, dedupe buffer {} bytes ({} keys)",
                                  _options.threads, _options.backoff_ms, _options.dedupe_buffer_bytes,
                                  log::dedupe_map::hash_name());
}

void cleaner_service::spawn_missing_threads() {
  for (size_t i = 0; i < static_cast<size_t>(std::max(_options.threads, 0)); ++i) {
    if (i < _threads.size() && !_exited[i]) continue;
    if (i < _threads.size()) {
      _threads[i].join();  // it has left run(): joining does not wait
      _threads[i] = std::thread([this, i] { run(i); });
      _exited[i] = false;
    } else {
      _threads.emplace_back([this, i] { run(i); });
      _exited.push_back(false);
    }
  }
}

void cleaner_service::update_options(const cleaner_service_options& options) {
  std::lock_guard lock(_mutex);
  bool enable = _options.enable;
  _options = options;
  _options.enable = enable;
  _throttle->set_rate(_options.io_max_bytes_per_second);
  ++_generation;
  if (_started && !_stopping) spawn_missing_threads();
  _wake.notify_all();  // new backoff and thread count take effect now
  get_logger("log.cleaner")->info("log cleaner settings: {} thread(s), backoff {} ms, dedupe buffer {} bytes, "
                                  "io limit {} bytes/s",
                                  _options.threads, _options.backoff_ms, _options.dedupe_buffer_bytes,
                                  _options.io_max_bytes_per_second);
}

void cleaner_service::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(_mutex);
    _stopping = true;
    threads.swap(_threads);
    _exited.clear();
  }
  _throttle->cancel();  // a thread sleeping for the I/O limit wakes at once
  _wake.notify_all();
  for (auto& t : threads) t.join();
}

void cleaner_service::forget(const topic_partition& tp, const std::filesystem::path& log_dir) {
  if (auto r = _checkpoints->remove(log_dir, tp); !r) {
    get_logger("log.cleaner")->warn("cannot drop the cleaner checkpoint of {} in {}: {}", tp.to_string(), log_dir.string(),
                                r.error().message());
  }
}

uint64_t cleaner_service::cleanings() const {
  std::lock_guard lock(_mutex);
  return _cleanings;
}

bool cleaner_service::stopping() const {
  std::lock_guard lock(_mutex);
  return _stopping;
}

void cleaner_service::run(size_t index) {
  // The map follows the settings: rebuilt when the per-thread share of the buffer changes.
  auto map_settings = [this] {
    auto per_thread = static_cast<size_t>(std::max<int64_t>(_options.dedupe_buffer_bytes, 0)) /
                      static_cast<size_t>(std::max(_options.threads, 1));
    return std::pair{per_thread, _options.io_buffer_load_factor};
  };
  std::pair<size_t, double> built;
  {
    std::lock_guard lock(_mutex);
    built = map_settings();
  }
  auto map = std::make_unique<log::dedupe_map>(built.first, built.second);
  while (true) {
    {
      std::unique_lock lock(_mutex);
      auto retired = [this, index] { return index >= static_cast<size_t>(std::max(_options.threads, 0)); };
      int64_t backoff = std::max<int64_t>(_options.backoff_ms, 1);
      uint64_t generation = _generation;
      bool woken = _wake.wait_for(lock, std::chrono::milliseconds(backoff),
                                  [&] { return _stopping || retired() || _generation != generation; });
      if (_stopping) return;
      if (retired()) {
        if (index < _exited.size()) _exited[index] = true;
        return;
      }
      if (auto wanted = map_settings(); wanted != built) {
        built = wanted;
        lock.unlock();
        map = std::make_unique<log::dedupe_map>(built.first, built.second);
        continue;  // wait out the (possibly new) backoff first
      }
      if (woken) continue;  // settings changed: wait again with the new backoff
    }
    // Clean logs back to back while some are cleanable; back off once none is.
    while (!stopping() && clean_dirtiest(*map)) {
    }
  }
}

bool cleaner_service::clean_dirtiest(log::dedupe_map& map) {
  auto logger = get_logger("log.cleaner");
  auto is_stopping = [this] { return stopping(); };
  std::optional<log::clean_snapshot> best;
  std::shared_ptr<partition> best_partition;
  for (const auto& p : _replicas.all()) {
    if (stopping()) return false;
    {
      std::lock_guard lock(_mutex);
      if (_in_progress.contains(p->tp())) continue;
    }
    auto* checkpoints = _checkpoints.get();
    int64_t now = _clock.now_ms();
    auto snap = on_strand(
        p,
        [p, checkpoints, now]() -> std::optional<log::clean_snapshot> {
          log::partition_log* l = p->log();
          if (l == nullptr || !log::is_compacted(l->config())) return std::nullopt;
          int64_t first_dirty = checkpoints->get(l->dir().parent_path(), p->tp());
          return log::snapshot_for_cleaning(*l, first_dirty, p->high_watermark(), now);
        },
        is_stopping);
    if (!snap || !*snap || !(*snap)->cleanable()) continue;
    if (!best || (*snap)->dirty_ratio() > best->dirty_ratio()) {
      best = std::move(**snap);
      best_partition = p;
    }
  }
  if (!best) return false;
  {
    std::lock_guard lock(_mutex);
    if (!_in_progress.insert(best->tp).second) return false;
  }
  struct release {
    cleaner_service* self;
    topic_partition tp;
    ~release() {
      std::lock_guard lock(self->_mutex);
      self->_in_progress.erase(tp);
    }
  } guard{this, best->tp};

  logger->info("cleaning {}: dirty ratio {:.2f}, offsets [{}, {}), {} clean + {} dirty bytes", best->tp.to_string(),
               best->dirty_ratio(), best->first_dirty_offset, best->first_uncleanable_offset, best->clean_bytes,
               best->dirty_bytes);
  int64_t now = _clock.now_ms();
  auto out = log::clean_log(*best, map, now, _throttle.get());
  map.clear();
  if (!out) {
    logger->error("cleaning {} failed: {}", best->tp.to_string(), out.error().message());
    return false;
  }
  if (stopping()) {
    log::discard_cleaned(*out);
    return false;
  }
  auto deletions = &_deletions;
  auto output = std::make_shared<log::clean_output>(std::move(*out));
  auto swapped = on_strand(
      best_partition,
      [p = best_partition, output, deletions, now]() -> result<log::swap_result> {
        log::partition_log* l = p->log();
        if (l == nullptr) {
          log::discard_cleaned(*output);
          return log::swap_result{};
        }
        return log::swap_cleaned(*l, *output, deletions, now);
      },
      is_stopping);
  if (!swapped) {
    logger->warn("cleaning {} abandoned at shutdown", best->tp.to_string());
    return false;
  }
  if (!*swapped) {
    logger->error("swapping cleaned segments of {} failed: {}", best->tp.to_string(), swapped->error().message());
    return false;
  }
  if (!(*swapped)->swapped) return false;
  if (auto r = _checkpoints->set(best->dir.parent_path(), best->tp, output->first_dirty_offset); !r) {
    logger->error("cannot write cleaner-offset-checkpoint in {}: {}", best->dir.parent_path().string(),
                  r.error().message());
  }
  {
    std::lock_guard lock(_mutex);
    ++_cleanings;
  }
  const auto& s = output->stats;
  logger->info("cleaned {}: {} segment(s) -> {}, {} -> {} bytes, {} keys mapped, {} tombstones and {} aborted "
               "records removed; first dirty offset now {}",
               best->tp.to_string(), (*swapped)->segments_replaced, output->groups.size(), (*swapped)->bytes_before,
               (*swapped)->bytes_after, s.keys_mapped, s.tombstones_dropped, s.aborted_records_dropped,
               output->first_dirty_offset);
  return true;
}

} // namespace gregor::replication
