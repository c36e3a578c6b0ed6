#include "zk_isr_store.h"

#include <algorithm>
#include <chrono>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ranges.h>

#include "gregor/common/logger.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::app {

namespace asio = boost::asio;

namespace {

zk::partition_state to_znode(const replication::partition_state& s) {
  zk::partition_state z;
  z.controller_epoch = s.controller_epoch;
  z.leader = s.leader;
  z.leader_epoch = s.leader_epoch;
  z.isr = s.isr;
  // A leader that writes its ISR has finished any recovery (RECOVERED, as Kafka's leader reports).
  z.leader_recovery_state = 0;
  return z;
}

bool same_leadership(const zk::partition_state& a, const zk::partition_state& b) {
  return a.leader == b.leader && a.leader_epoch == b.leader_epoch && a.controller_epoch == b.controller_epoch &&
         a.isr == b.isr;
}

asio::awaitable<void> run_store(std::shared_ptr<zk_isr_store> self, asio::awaitable<void> body) {
  (void)self;  // keeps the store alive while its loop runs
  co_await std::move(body);
}

} // namespace

zk_isr_store::zk_isr_store(asio::io_context& io, zk::kafka_zk& zk, clock& clk)
  : _strand(asio::make_strand(io)), _zk(zk), _clock(clk), _batcher(clk.monotonic_ms()), _timer(_strand) {}

asio::awaitable<result<int32_t>> zk_isr_store::write_isr(replication::isr_write w) {
  auto log = get_logger("replication");
  const zk::partition_state wanted = to_znode(w.state);
  std::string topic = w.tp.topic;
  auto written = co_await _zk.update_partition_state_as_leader(topic, w.tp.partition, wanted, w.expected_zk_version);
  if (written) {
    log->info("{}: ISR updated to [{}] (leader {} epoch {}, zkVersion {})", w.tp.to_string(), fmt::join(wanted.isr, ","),
              wanted.leader, wanted.leader_epoch, *written);
    co_return *written;
  }
  if (written.error() != zk::zk_errc::bad_version) {
    log->warn("{}: cannot write the ISR [{}]: {}", w.tp.to_string(), fmt::join(wanted.isr, ","),
              written.error().message());
    co_return unexpected(written.error());
  }
  // Kafka's checker: an earlier attempt may have been applied while its reply was lost.
  auto current = co_await _zk.get_partition_state(topic, w.tp.partition);
  if (current && *current && same_leadership((*current)->value, wanted)) {
    co_return (*current)->zk_version;
  }
  log->info("{}: cached zkVersion {} does not match ZooKeeper's; ISR [{}] not written (the controller's next "
            "LeaderAndIsr brings the current state)",
            w.tp.to_string(), w.expected_zk_version, fmt::join(wanted.isr, ","));
  co_return unexpected(zk::zk_errc::bad_version);
}

void zk_isr_store::notify_isr_changed(const topic_partition& tp) { _batcher.add(tp, _clock.monotonic_ms()); }

void zk_isr_store::start() {
  _done = false;
  asio::co_spawn(_strand, run_store(shared_from_this(), run()), asio::detached);
}

asio::awaitable<void> zk_isr_store::stop() {
  std::weak_ptr<zk_isr_store> weak = weak_from_this();
  asio::post(_strand, [weak] {
    if (auto self = weak.lock()) {
      self->_stopped = true;
      self->_timer.cancel();
    }
  });
  // Bounded wait: a ZooKeeper call in flight ends at the latest with the session timeout.
  asio::steady_timer t(co_await asio::this_coro::executor);
  for (int i = 0; i < 100 && !_done; ++i) {
    t.expires_after(std::chrono::milliseconds(50));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  auto rest = _batcher.take_all(_clock.monotonic_ms());
  if (rest.empty()) co_return;
  auto failed = co_await propagate(std::move(rest));
  if (!failed.empty()) {
    get_logger("replication")
        ->warn("{} ISR change(s) not announced at shutdown; the controller reads them at its next fail-over",
               failed.size());
  }
}

asio::awaitable<void> zk_isr_store::run() {
  const auto interval = std::chrono::milliseconds(isr_change_batcher::check_interval_ms);
  while (!_stopped) {
    _timer.expires_after(interval);
    auto [ec] = co_await _timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;  // cancelled = stopping
    if (_stopped) break;
    auto due = _batcher.take_due(_clock.monotonic_ms());
    if (due.empty()) continue;
    auto failed = co_await propagate(std::move(due));
    if (!failed.empty()) _batcher.restore(failed);
  }
  _done = true;
}

asio::awaitable<std::vector<topic_partition>> zk_isr_store::propagate(std::vector<topic_partition> tps) {
  auto log = get_logger("replication");
  std::vector<topic_partition> failed;
  for (size_t begin = 0; begin < tps.size(); begin += max_partitions_per_notification) {
    const size_t end = std::min(tps.size(), begin + max_partitions_per_notification);
    std::vector<topic_partition> chunk(tps.begin() + static_cast<std::ptrdiff_t>(begin),
                                       tps.begin() + static_cast<std::ptrdiff_t>(end));
    auto created = co_await _zk.create_isr_change_notification(chunk);
    if (created) {
      log->debug("ISR change notification {} for {} partition(s)", *created, chunk.size());
    } else {
      log->warn("cannot write an ISR change notification for {} partition(s): {}", chunk.size(),
                created.error().message());
      failed.insert(failed.end(), chunk.begin(), chunk.end());
    }
  }
  co_return failed;
}

} // namespace gregor::app
