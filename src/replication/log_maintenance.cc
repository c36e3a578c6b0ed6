#include "gregor/replication/log_maintenance.h"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/log/log_manager.h"
#include "gregor/log/partition_log.h"

namespace gregor::replication {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Kafka's "never" for scheduler intervals is Long.MAX_VALUE; timers cannot wait that long, and a
// task that finds nothing due is cheap, so long intervals are capped at an hour.
std::chrono::milliseconds timer_interval(std::chrono::milliseconds ms) { return std::clamp<std::chrono::milliseconds>(ms, 1ms, 1h); }

// Runs `fn(*p)` on the partition's strand when it has a log. A named coroutine (not a capturing
// lambda) so that nothing with a destructor is a temporary inside the caller's co_await.
asio::awaitable<void> run_with_log(std::shared_ptr<partition> p, std::function<void(partition&)> fn) {
  if (p->log() != nullptr) fn(*p);
  co_return;
}

} // namespace

log_maintenance::log_maintenance(asio::io_context& io, replica_manager& replicas, log::log_manager& logs, clock& clk,
                                 log_maintenance_options options)
  : _io(io), _replicas(replicas), _logs(logs), _clock(clk), _options(std::move(options)) {}

log_maintenance::~log_maintenance() {
  for (auto& t : _timers) t->cancel();
}

void log_maintenance::start() {
  auto add = [this](task t, std::chrono::milliseconds interval) {
    auto timer = std::make_shared<asio::steady_timer>(_io);
    _timers.push_back(timer);
    ++_running;
    asio::co_spawn(_io, loop(t, timer_interval(interval), std::move(timer)), asio::detached);
  };
  add(task::flush, _options.flush_check_interval);
  add(task::retention, _options.retention_check_interval);
  add(task::file_delete, _options.file_delete_check_interval);
  add(task::recovery_checkpoint, _options.recovery_point_checkpoint_interval);
  add(task::start_checkpoint, _options.log_start_checkpoint_interval);
  add(task::hw_checkpoint, _options.high_watermark_checkpoint_interval);
  add(task::producer_expiration, _options.producer_expiration_check_interval);
  if (_options.per_partition) add(task::per_partition, _options.per_partition_interval);
}

asio::awaitable<void> log_maintenance::stop() {
  _stopping = true;
  for (auto& t : _timers) t->cancel();
  // Loops finish their current round (bounded: one pass over the partitions), then exit.
  asio::steady_timer wait(_io);
  while (_running.load() > 0) {
    wait.expires_after(5ms);
    co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_await note_all_offsets();
  co_await note_all_high_watermarks();
}

asio::awaitable<void> log_maintenance::loop(task t, std::chrono::milliseconds interval,
                                            std::shared_ptr<asio::steady_timer> timer) {
  while (!_stopping) {
    timer->expires_after(interval);
    auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || _stopping) break;
    try {
      co_await run(t);
    } catch (const std::exception& e) {
      // Nothing here should throw; a failed round must not end the broker's maintenance.
      get_logger("log")->error("log maintenance task {} failed: {}", static_cast<int>(t), e.what());
    }
  }
  --_running;
}

asio::awaitable<void> log_maintenance::run(task t) {
  switch (t) {
  case task::flush: co_await flush_round(); break;
  case task::retention:
    co_await retention_round();
    _logs.deletions().delete_due(_clock.now_ms());
    break;
  case task::file_delete: _logs.deletions().delete_due(_clock.now_ms()); break;
  case task::recovery_checkpoint:
    co_await note_all_offsets();
    (void)_logs.write_recovery_point_checkpoints();
    break;
  case task::start_checkpoint:
    co_await note_all_offsets();
    (void)_logs.write_log_start_offset_checkpoints();
    break;
  case task::hw_checkpoint:
    co_await note_all_high_watermarks();
    (void)_logs.write_high_watermark_checkpoints();
    break;
  case task::producer_expiration: co_await producer_expiration_round(); break;
  case task::per_partition: co_await for_each_partition(_options.per_partition); break;
  }
}

asio::awaitable<void> log_maintenance::for_each_partition(std::function<void(partition&)> fn) {
  for (auto& p : _replicas.all()) {
    auto ex = p->executor();
    auto work = run_with_log(p, fn);
    co_await asio::co_spawn(ex, std::move(work), asio::use_awaitable);
  }
}

asio::awaitable<void> log_maintenance::flush_round() {
  log::log_manager* logs = &_logs;
  std::function<void(partition&)> fn = [logs](partition& p) {
    auto* log = p.log();
    if (auto r = log->flush_if_due(); !r) {
      get_logger("log")->error("{}: scheduled flush failed: {}", p.tp().to_string(), r.error().message());
    }
    logs->note_offsets(p.tp(), log->recovery_point(), log->log_start_offset(), log->first_segment_base_offset());
  };
  co_await for_each_partition(std::move(fn));
}

asio::awaitable<void> log_maintenance::retention_round() {
  log::log_manager* logs = &_logs;
  std::function<void(partition&)> fn = [logs](partition& p) {
    auto* log = p.log();
    auto r = log->apply_retention(p.high_watermark(), logs->deletions());
    if (!r) {
      get_logger("log")->error("{}: retention failed: {}", p.tp().to_string(), r.error().message());
    } else if (r->segments_deleted > 0) {
      get_logger("log")->info("{}: retention deleted {} segment(s), {} bytes; log start offset {}", p.tp().to_string(),
                              r->segments_deleted, r->bytes_deleted, r->log_start_offset);
    }
    logs->note_offsets(p.tp(), log->recovery_point(), log->log_start_offset(), log->first_segment_base_offset());
  };
  co_await for_each_partition(std::move(fn));
}

asio::awaitable<void> log_maintenance::producer_expiration_round() {
  std::function<void(partition&)> fn = [](partition& p) {
    if (const size_t removed = p.log()->remove_expired_producers(); removed > 0) {
      get_logger("log")->info("{}: expired the state of {} idle producer(s)", p.tp().to_string(), removed);
    }
  };
  co_await for_each_partition(std::move(fn));
}

asio::awaitable<void> log_maintenance::note_all_offsets() {
  log::log_manager* logs = &_logs;
  std::function<void(partition&)> fn = [logs](partition& p) {
    auto* log = p.log();
    logs->note_offsets(p.tp(), log->recovery_point(), log->log_start_offset(), log->first_segment_base_offset());
  };
  co_await for_each_partition(std::move(fn));
}

asio::awaitable<void> log_maintenance::note_all_high_watermarks() {
  log::log_manager* logs = &_logs;
  std::function<void(partition&)> fn = [logs](partition& p) { logs->note_high_watermark(p.tp(), p.high_watermark()); };
  co_await for_each_partition(std::move(fn));
}

} // namespace gregor::replication
