#include "unclean_shutdown.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/ranges.h>

#include "gregor/common/logger.h"
#include "gregor/log/log_manager.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::app {

namespace asio = boost::asio;

namespace {

// Version conflicts (the controller or a leader wrote meanwhile) are re-decided on the new state;
// other failures (connection loss) are retried after a pause. Past these, startup fails.
constexpr int max_attempts = 10;
constexpr auto retry_pause = std::chrono::milliseconds(500);
constexpr size_t partitions_per_notification = 1000;

enum class outcome { unchanged, written };

asio::awaitable<void> pause() {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(retry_pause);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<result<outcome>> leave_isr(zk::kafka_zk& zk, const topic_partition& tp, int32_t self) {
  auto log = get_logger("broker");
  std::error_code last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    std::string topic = tp.topic;
    auto current = co_await zk.get_partition_state(topic, tp.partition);
    if (!current) {
      last = current.error();
      co_await pause();
      continue;
    }
    if (!*current) co_return outcome::unchanged;  // no state: deleted, or not created yet
    const zk::partition_state state = (*current)->value;
    const int32_t version = (*current)->zk_version;
    auto next = state_without_unclean_replica(state, self);
    if (!next) co_return outcome::unchanged;
    auto written = co_await zk.update_partition_state_as_leader(topic, tp.partition, *next, version);
    if (written) {
      log->warn("{}: left the ISR after an unclean shutdown: leader {} -> {}, ISR [{}] -> [{}] (zkVersion {})",
                tp.to_string(), state.leader, next->leader, fmt::join(state.isr, ","), fmt::join(next->isr, ","),
                *written);
      co_return outcome::written;
    }
    last = written.error();
    if (last == zk::zk_errc::no_node) co_return outcome::unchanged;
    if (last != zk::zk_errc::bad_version) co_await pause();
  }
  co_return unexpected(last);
}

} // namespace

std::optional<zk::partition_state> state_without_unclean_replica(const zk::partition_state& current, int32_t self) {
  if (std::find(current.isr.begin(), current.isr.end(), self) == current.isr.end()) return std::nullopt;
  if (current.isr.size() < 2) return std::nullopt;  // the only member: nobody has more history
  zk::partition_state next = current;
  next.isr.erase(std::remove(next.isr.begin(), next.isr.end(), self), next.isr.end());
  if (next.leader == self) next.leader = -1;
  return next;
}

asio::awaitable<result<std::vector<topic_partition>>> leave_isrs_after_unclean_shutdown(
    zk::kafka_zk& zk, const log::log_manager& logs, int32_t self) {
  auto log = get_logger("broker");
  std::vector<topic_partition> candidates;
  std::set<std::string> unclean_dirs;
  for (const auto& tp : logs.partitions()) {
    auto dir = logs.dir_of(tp);
    if (dir.empty() || logs.had_clean_shutdown(dir)) continue;
    unclean_dirs.insert(dir.string());
    candidates.push_back(tp);
  }
  std::vector<topic_partition> changed;
  if (candidates.empty()) co_return changed;
  std::sort(candidates.begin(), candidates.end());
  log->warn("unclean shutdown of log dir(s) [{}]: leaving the ISR of their {} partition(s) where another replica is "
            "in sync",
            fmt::join(unclean_dirs, ","), candidates.size());
  for (const auto& tp : candidates) {
    auto r = co_await leave_isr(zk, tp, self);
    if (!r) {
      log->error("{}: cannot leave the ISR after an unclean shutdown: {}", tp.to_string(), r.error().message());
      co_return unexpected(r.error());
    }
    if (*r == outcome::written) changed.push_back(tp);
  }
  for (size_t begin = 0; begin < changed.size(); begin += partitions_per_notification) {
    const size_t end = std::min(changed.size(), begin + partitions_per_notification);
    std::vector<topic_partition> chunk(changed.begin() + static_cast<std::ptrdiff_t>(begin),
                                       changed.begin() + static_cast<std::ptrdiff_t>(end));
    std::error_code last;
    bool done = false;
    for (int attempt = 0; attempt < max_attempts && !done; ++attempt) {
      auto created = co_await zk.create_isr_change_notification(chunk);
      if (created) {
        done = true;
      } else {
        last = created.error();
        co_await pause();
      }
    }
    if (!done) {
      log->error("cannot write the ISR change notification after leaving ISRs: {}", last.message());
      co_return unexpected(last);
    }
  }
  log->warn("left the ISR of {} partition(s) after an unclean shutdown; they rejoin once caught up",
            changed.size());
  co_return changed;
}

} // namespace gregor::app
