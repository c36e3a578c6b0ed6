#include "gregor/replication/replica_manager.h"

#include <algorithm>
#include <map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/log/log_manager.h"
#include "gregor/log/partition_log.h"

namespace gregor::replication {

namespace asio = boost::asio;

namespace {

template <typename Fn>
auto call_on(std::shared_ptr<partition> p, Fn fn) -> asio::awaitable<decltype(fn(*p))> {
  co_return fn(*p);
}

// Runs `fn(partition&)` on the partition's strand and returns its result to the caller's executor.
// (The task is a named coroutine, never a capturing lambda inside co_await: GCC 12 destroys such
// temporaries twice.)
template <typename Fn>
auto on_partition(std::shared_ptr<partition> p, Fn fn) -> asio::awaitable<decltype(fn(*p))> {
  auto ex = p->executor();
  auto task = call_on(std::move(p), std::move(fn));
  co_return co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
}

} // namespace

replica_manager::replica_manager(asio::io_context& io, log::log_manager& logs, int32_t broker_id,
                                 clock& clk, topic_config_provider configs)
  : _io(io), _logs(logs), _broker_id(broker_id), _clock(clk), _configs(std::move(configs)) {}

bool replica_manager::accept_controller_epoch(int32_t epoch) {
  std::unique_lock lock(_mutex);
  if (epoch < _controller_epoch) return false;
  _controller_epoch = epoch;
  return true;
}

std::shared_ptr<partition> replica_manager::get(const topic_partition& tp) const {
  std::shared_lock lock(_mutex);
  auto it = _partitions.find(tp);
  return it == _partitions.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<partition>> replica_manager::all() const {
  std::shared_lock lock(_mutex);
  std::vector<std::shared_ptr<partition>> out;
  out.reserve(_partitions.size());
  for (const auto& [tp, p] : _partitions) out.push_back(p);
  return out;
}

std::shared_ptr<partition> replica_manager::get_or_add(const topic_partition& tp) {
  std::unique_lock lock(_mutex);
  auto& slot = _partitions[tp];
  if (!slot) {
    slot = std::make_shared<partition>(tp, asio::make_strand(_io), _broker_id, _clock);
    // Not shared with any strand yet: safe to set here.
    if (_isr_store != nullptr) slot->set_replication(_isr_store, _replication);
  }
  return slot;
}

void replica_manager::remove(const topic_partition& tp) {
  std::unique_lock lock(_mutex);
  _partitions.erase(tp);
}

asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> replica_manager::apply_leader_and_isr(
    std::vector<leader_and_isr_partition> partitions) {
  std::vector<std::pair<topic_partition, error_code>> results;
  // Fetcher changes, applied once every partition has its new state (Kafka's makeFollowers:
  // remove, then add grouped by leader). A fetch answer sent under the old state is dropped by
  // the partition (its leader epoch no longer matches).
  std::vector<topic_partition> unfollow;
  std::map<int32_t, std::pair<broker_endpoint, std::vector<topic_partition>>> follow;
  for (auto& lp : partitions) {
    bool hosted = std::find(lp.state.replicas.begin(), lp.state.replicas.end(), _broker_id) !=
                  lp.state.replicas.end();
    if (!hosted) {
      results.emplace_back(lp.tp, error_code::unknown_topic_or_partition);
      continue;
    }
    topic_config cfg = co_await _configs(lp.tp.topic);
    auto log = _logs.get_or_create(lp.tp, cfg.log);
    if (!log) {
      get_logger("replication")->error("cannot open the log of {}: {}", lp.tp.to_string(), log.error().message());
      results.emplace_back(lp.tp, error_code::kafka_storage_error);
      continue;
    }
    auto p = get_or_add(lp.tp);
    log::partition_log* raw_log = *log;
    auto checkpointed_hw = _logs.checkpointed_high_watermark(lp.tp);
    // Returns the error and whether leadership changed (first state, another leader or a new leader
    // epoch) rather than the controller rewriting the ISR under the same epoch.
    auto apply = [raw_log, st = lp.state, id = lp.topic_id, cfg, checkpointed_hw](partition& part) {
      if (checkpointed_hw && part.log() == nullptr) part.restore_high_watermark(*checkpointed_hw);
      const bool changed = part.log() == nullptr || part.state().leader != st.leader ||
                           part.state().leader_epoch != st.leader_epoch;
      error_code e = part.apply_state(raw_log, st, id, cfg);
      // A log loaded at startup was opened with the broker defaults: give it the topic's settings.
      if (e == error_code::none) part.update_config(cfg);
      return std::pair{e, changed};
    };
    auto applying = on_partition(p, std::move(apply));
    auto [e, changed] = co_await std::move(applying);
    const bool leader = lp.state.leader == _broker_id;
    if (e == error_code::none && !changed) {
      get_logger("replication")->info("{}: isr {} at partition epoch {} (leader epoch {})", lp.tp.to_string(),
                                      fmt::join(lp.state.isr, ","), lp.state.partition_epoch, lp.state.leader_epoch);
    } else if (e == error_code::none) {
      get_logger("replication")->info("{} is now {} at leader epoch {} (isr {})", lp.tp.to_string(),
                                      leader ? "leader" : "follower", lp.state.leader_epoch,
                                      fmt::join(lp.state.isr, ","));
      unfollow.push_back(lp.tp);
      if (!leader && lp.state.leader >= 0 && lp.leader_endpoint) {
        auto& group = follow[lp.state.leader];
        group.first = *lp.leader_endpoint;
        group.second.push_back(lp.tp);
      }
      for (const auto& listener : _leadership_listeners) listener(lp.tp, leader, lp.state.leader_epoch);
    }
    results.emplace_back(lp.tp, e);
  }
  if (_fetchers) {
    if (!unfollow.empty()) _fetchers->remove_partitions(unfollow);
    for (const auto& [leader_id, group] : follow) _fetchers->add_partitions(group.first, group.second);
  }
  co_return results;
}

asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> replica_manager::stop_replicas(
    std::vector<stop_replica_partition> partitions) {
  std::vector<std::pair<topic_partition, error_code>> results;
  if (_fetchers) {
    // Stop fetching first, so no follower append races the stop or the deletion.
    std::vector<topic_partition> tps;
    tps.reserve(partitions.size());
    for (const auto& sp : partitions) tps.push_back(sp.tp);
    _fetchers->remove_partitions(tps);
  }
  for (auto& sp : partitions) {
    auto p = get(sp.tp);
    if (!p) {
      // Unknown partition: with delete, remove any leftover log (Kafka does the same).
      if (sp.delete_partition && _logs.get(sp.tp) != nullptr) (void)_logs.remove(sp.tp);
      results.emplace_back(sp.tp, error_code::none);
      continue;
    }
    bool del = sp.delete_partition;
    auto& logs = _logs;
    auto stop = [del, &logs](partition& part) {
      part.stop();
      if (del) {
        auto removed = logs.remove(part.tp());
        if (!removed) {
          get_logger("replication")->error("cannot delete the log of {}: {}", part.tp().to_string(),
                                           removed.error().message());
          return error_code::kafka_storage_error;
        }
      }
      return error_code::none;
    };
    error_code e = co_await on_partition(p, std::move(stop));
    if (del) remove(sp.tp);
    for (const auto& listener : _leadership_listeners) listener(sp.tp, false, sp.leader_epoch);
    results.emplace_back(sp.tp, e);
  }
  co_return results;
}

asio::awaitable<append_outcome> replica_manager::append(const topic_partition& tp, append_request request) {
  auto p = get(tp);
  if (!p) {
    append_outcome out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto append = [req = std::move(request)](partition& part) { return part.append(req); };
  co_return co_await on_partition(p, std::move(append));
}

asio::awaitable<append_outcome> replica_manager::write_txn_marker(const topic_partition& tp,
                                                                  txn_marker_request marker) {
  auto p = get(tp);
  if (!p) {
    append_outcome out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto write = [marker](partition& part) { return part.write_txn_marker(marker); };
  co_return co_await on_partition(p, std::move(write));
}

asio::awaitable<producers_outcome> replica_manager::describe_producers(const topic_partition& tp) {
  auto p = get(tp);
  if (!p) {
    producers_outcome out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto describe = [](partition& part) { return part.describe_producers(); };
  co_return co_await on_partition(p, std::move(describe));
}

asio::awaitable<read_outcome> replica_manager::read(const topic_partition& tp, read_request request) {
  auto p = get(tp);
  if (!p) {
    read_outcome out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto read = [request](partition& part) { return part.read(request); };
  co_return co_await on_partition(p, std::move(read));
}

asio::awaitable<offset_lookup> replica_manager::list_offset(const topic_partition& tp, int64_t timestamp,
                                                            int32_t current_leader_epoch, bool from_consumer,
                                                            bool read_committed) {
  auto p = get(tp);
  if (!p) {
    offset_lookup out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto lookup = [=](partition& part) {
    return part.list_offset(timestamp, current_leader_epoch, from_consumer, read_committed);
  };
  co_return co_await on_partition(p, std::move(lookup));
}

asio::awaitable<size_t> replica_manager::update_topic_config(std::string topic, topic_config config) {
  size_t updated = 0;
  for (auto& p : all()) {
    if (p->tp().topic != topic) continue;
    auto update = [config](partition& part) {
      part.update_config(config);
      return 0;
    };
    co_await on_partition(p, std::move(update));
    ++updated;
  }
  co_return updated;
}

asio::awaitable<delete_records_outcome> replica_manager::delete_records(const topic_partition& tp, int64_t offset) {
  auto p = get(tp);
  if (!p) {
    delete_records_outcome out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto del = [offset](partition& part) { return part.delete_records(offset); };
  co_return co_await on_partition(p, std::move(del));
}

asio::awaitable<void> replica_manager::shutdown() {
  _stopping = true;
  if (_isr_timer) {
    // The timer belongs to its strand: cancel it there.
    auto timer = _isr_timer;
    asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  }
  if (_fetchers) {
    auto stopping = _fetchers->shutdown();
    co_await std::move(stopping);
  }
  for (auto& p : all()) {
    auto stop = [](partition& part) {
      part.stop();
      return 0;
    };
    co_await on_partition(p, std::move(stop));
  }
}

void replica_manager::start_replication(isr_store& store, replication_settings settings,
                                        replica_fetcher_options fetchers) {
  {
    std::unique_lock lock(_mutex);
    _isr_store = &store;
    _replication = settings;
  }
  // Partitions created before this call (normally none) get the settings on their strands.
  isr_store* store_ptr = &store;
  for (auto& p : all()) {
    asio::post(p->executor(), [p, store_ptr, settings] { p->set_replication(store_ptr, settings); });
  }
  _fetchers = std::make_unique<replica_fetcher_manager>(_io, _broker_id, std::move(fetchers),
                                                        [this](const topic_partition& tp) { return get(tp); });
  auto interval = std::chrono::milliseconds(std::max<int64_t>(1, settings.replica_lag_time_max_ms / 2));
  _isr_timer = std::make_shared<asio::steady_timer>(asio::make_strand(_io));
  asio::co_spawn(_isr_timer->get_executor(), run_isr_expiration(this, _isr_timer, interval), asio::detached);
}

asio::awaitable<void> replica_manager::run_isr_expiration(replica_manager* self, std::shared_ptr<asio::steady_timer> timer,
                                                          std::chrono::milliseconds interval) {
  // Kafka's isr-expiration task. Runs on the timer's strand; shutdown() cancels the timer there.
  while (!self->_stopping.load()) {
    timer->expires_after(interval);
    auto waited = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)waited;
    if (self->_stopping.load()) break;
    for (auto& p : self->all()) {
      asio::post(p->executor(), [p] { p->maybe_shrink_isr(); });
    }
  }
}

asio::awaitable<std::optional<error_code>> replica_manager::replication_status(const topic_partition& tp,
                                                                              int64_t required_offset,
                                                                              uint64_t leadership_term) {
  auto p = get(tp);
  if (!p) co_return std::optional<error_code>(error_code::unknown_topic_or_partition);
  auto status = [required_offset, leadership_term](partition& part) {
    return part.replication_status(required_offset, leadership_term);
  };
  auto task = on_partition(std::move(p), std::move(status));
  co_return co_await std::move(task);
}

asio::awaitable<std::vector<error_code>> replica_manager::await_replication(std::vector<replication_wait> writes,
                                                                           std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + std::max(timeout, std::chrono::milliseconds(0));
  auto ex = co_await asio::this_coro::executor;
  std::vector<error_code> out(writes.size(), error_code::request_timed_out);
  std::vector<size_t> pending(writes.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  for (;;) {
    auto waiter = std::make_shared<data_waiter>(ex);
    for (size_t i : pending) {
      if (auto p = get(writes[i].tp)) p->add_waiter(waiter);
    }
    std::vector<size_t> still;
    for (size_t i : pending) {
      const replication_wait& w = writes[i];
      auto status = co_await replication_status(w.tp, w.required_offset, w.leadership_term);
      if (!status) {
        still.push_back(i);
        continue;
      }
      // No longer hosted here (StopReplica meanwhile): leadership moved away.
      out[i] = *status == error_code::unknown_topic_or_partition ? error_code::not_leader_or_follower : *status;
    }
    pending = std::move(still);
    if (pending.empty() || std::chrono::steady_clock::now() >= deadline) co_return out;
    co_await waiter->wait_until(deadline);
  }
}

asio::awaitable<offset_for_epoch> replica_manager::offset_for_leader_epoch(const topic_partition& tp,
                                                                           int32_t current_leader_epoch,
                                                                           int32_t leader_epoch) {
  auto p = get(tp);
  if (!p) {
    offset_for_epoch out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto lookup = [current_leader_epoch, leader_epoch](partition& part) {
    return part.offset_for_leader_epoch(current_leader_epoch, leader_epoch);
  };
  auto task = on_partition(std::move(p), std::move(lookup));
  co_return co_await std::move(task);
}

} // namespace gregor::replication
