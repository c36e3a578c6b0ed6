// The replica fetcher manager: which fetcher follows which partition (Kafka's
// AbstractFetcherManager). The fetching itself is replica_fetcher.cc; the wire format
// replica_fetch_wire.cc.
//
// One mutex guards the assignment (fetchers by (leader, index), each partition's fetcher) and is
// taken before a fetcher's own mutex, never after. Every assignment gets a fresh generation number,
// so an answer in flight for an earlier assignment of the same partition is recognised and dropped.

#include "gregor/replication/replica_fetcher_manager.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/replication/partition.h"
#include "replica_fetch_wire.h"
#include "replica_fetcher.h"

namespace gregor::replication {

namespace asio = boost::asio;

namespace {

// How long shutdown() waits for the fetchers' loops to return. A loop ends as soon as its current
// wait does; only a connect in progress (bounded by replica.socket.timeout.ms) can take longer, and
// such a loop touches nothing outside itself once stopped.
constexpr std::chrono::milliseconds shutdown_wait{5000};

struct fetcher_key {
  int32_t leader = -1;
  int32_t index = 0;
  friend auto operator<=>(const fetcher_key&, const fetcher_key&) = default;
};

replica_fetcher_options sanitized(replica_fetcher_options o) {
  o.num_fetchers = std::max(o.num_fetchers, 1);
  o.fetch_wait_max_ms = std::max(o.fetch_wait_max_ms, 0);
  return o;
}

} // namespace

struct replica_fetcher_manager::impl {
  impl(asio::io_context& io, int32_t broker_id, replica_fetcher_options options, partition_lookup lookup)
    : io(io), broker_id(broker_id), options(std::move(options)), lookup(std::move(lookup)) {}

  asio::io_context& io;
  const int32_t broker_id;
  const replica_fetcher_options options;
  const partition_lookup lookup;

  mutable std::mutex mutex;  // guards everything below
  bool stopping = false;
  uint64_t next_generation = 1;
  std::map<fetcher_key, std::shared_ptr<replica_fetcher>> fetchers;
  std::unordered_map<topic_partition, fetcher_key> assigned;
  // Stopped fetchers whose loops may still be running (awaited by shutdown()).
  std::vector<std::shared_ptr<replica_fetcher>> retired;

  std::weak_ptr<impl> self;  // for the fetchers' idle callbacks, which may outlive the manager

  // Called by an idle fetcher's loop: retires it if it is still the current one and still empty.
  static void retire_if_idle(const std::weak_ptr<impl>& weak, const std::shared_ptr<replica_fetcher>& f) {
    auto state = weak.lock();
    if (!state) return;
    std::lock_guard lock(state->mutex);
    auto it = state->fetchers.find(fetcher_key{f->leader().id, f->index()});
    if (it == state->fetchers.end() || it->second != f || f->size() != 0) return;
    state->retire(it);
  }

  // --- under `mutex` ---
  void retire(std::map<fetcher_key, std::shared_ptr<replica_fetcher>>::iterator it) {
    it->second->stop();
    retired.push_back(it->second);
    fetchers.erase(it);
    std::erase_if(retired, [](const auto& f) { return f->finished(); });
  }

  void unassign(const topic_partition& tp) {
    auto a = assigned.find(tp);
    if (a == assigned.end()) return;
    auto f = fetchers.find(a->second);
    assigned.erase(a);
    if (f == fetchers.end()) return;
    // An emptied fetcher stays until it reports itself idle: a partition moving to a new leader
    // epoch is removed and re-added right away and should keep the connection.
    f->second->remove(tp);
  }

  std::shared_ptr<replica_fetcher> fetcher_for(const broker_endpoint& leader, int32_t index) {
    fetcher_key key{leader.id, index};
    auto it = fetchers.find(key);
    if (it != fetchers.end() && it->second->leader() == leader) return it->second;
    auto on_idle = [weak = self](const std::shared_ptr<replica_fetcher>& idle) { retire_if_idle(weak, idle); };
    auto fresh = std::make_shared<replica_fetcher>(io, broker_id, index, leader, options, lookup, std::move(on_idle));
    if (it != fetchers.end()) {
      // The leader's endpoint changed: its partitions move to a fetcher connecting to the new one.
      for (const auto& [tp, generation] : it->second->assigned()) fresh->add(tp, next_generation++);
      retire(it);
    }
    fetchers.emplace(key, fresh);
    fresh->start();
    return fresh;
  }
};

replica_fetcher_manager::replica_fetcher_manager(asio::io_context& io, int32_t broker_id,
                                                 replica_fetcher_options options, partition_lookup lookup)
  : _impl(std::make_shared<impl>(io, broker_id, sanitized(std::move(options)), std::move(lookup))) {
  _impl->self = _impl;
}

replica_fetcher_manager::~replica_fetcher_manager() {
  // Without shutdown() (tests, error paths) the loops are at least told to stop.
  std::lock_guard lock(_impl->mutex);
  _impl->stopping = true;
  for (auto& [key, f] : _impl->fetchers) f->stop();
  _impl->fetchers.clear();
  _impl->assigned.clear();
}

void replica_fetcher_manager::add_partitions(const broker_endpoint& leader, const std::vector<topic_partition>& tps) {
  if (tps.empty()) return;
  std::lock_guard lock(_impl->mutex);
  if (_impl->stopping) return;
  for (const auto& tp : tps) {
    _impl->unassign(tp);
    int32_t index = fetch_wire::fetcher_index(tp, _impl->options.num_fetchers);
    auto f = _impl->fetcher_for(leader, index);
    f->add(tp, _impl->next_generation++);
    _impl->assigned[tp] = fetcher_key{leader.id, index};
  }
  get_logger("replication")
    ->info("[ReplicaFetcherManager on broker {}] Added fetching of {} partitions from leader {} at {}:{}",
           _impl->broker_id, tps.size(), leader.id, leader.host, leader.port);
}

void replica_fetcher_manager::remove_partitions(const std::vector<topic_partition>& tps) {
  std::lock_guard lock(_impl->mutex);
  size_t removed = 0;
  for (const auto& tp : tps) {
    if (_impl->assigned.count(tp) == 0) continue;
    _impl->unassign(tp);
    ++removed;
  }
  if (removed > 0) {
    get_logger("replication")
      ->info("[ReplicaFetcherManager on broker {}] Removed fetching of {} partitions", _impl->broker_id, removed);
  }
}

size_t replica_fetcher_manager::partition_count() const {
  std::lock_guard lock(_impl->mutex);
  return _impl->assigned.size();
}

asio::awaitable<void> replica_fetcher_manager::shutdown() {
  auto state = _impl;  // the manager may be destroyed by whoever awaits us only after we return
  std::vector<std::shared_ptr<replica_fetcher>> waiting;
  {
    std::lock_guard lock(state->mutex);
    state->stopping = true;
    while (!state->fetchers.empty()) state->retire(state->fetchers.begin());
    state->assigned.clear();
    waiting = state->retired;
  }
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  auto deadline = std::chrono::steady_clock::now() + shutdown_wait;
  auto running = [&waiting] {
    return std::any_of(waiting.begin(), waiting.end(), [](const auto& f) { return !f->finished(); });
  };
  while (running() && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(10));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (running()) {
    get_logger("replication")
      ->warn("[ReplicaFetcherManager on broker {}] Some replica fetchers are still connecting; not waiting for them",
             state->broker_id);
  }
  std::lock_guard lock(state->mutex);
  state->retired.clear();
}

} // namespace gregor::replication
