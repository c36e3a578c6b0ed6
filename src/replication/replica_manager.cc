#include "gregor/replication/replica_manager.h"

#include <boost/asio/co_spawn.hpp>
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
  if (!slot) slot = std::make_shared<partition>(tp, asio::make_strand(_io), _broker_id, _clock);
  return slot;
}

void replica_manager::remove(const topic_partition& tp) {
  std::unique_lock lock(_mutex);
  _partitions.erase(tp);
}

asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> replica_manager::apply_leader_and_isr(
    std::vector<leader_and_isr_partition> partitions) {
  std::vector<std::pair<topic_partition, error_code>> results;
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
    auto apply = [raw_log, st = lp.state, id = lp.topic_id, cfg, checkpointed_hw](partition& part) {
      if (checkpointed_hw && part.log() == nullptr) part.restore_high_watermark(*checkpointed_hw);
      error_code e = part.apply_state(raw_log, st, id, cfg);
      // A log loaded at startup was opened with the broker defaults: give it the topic's settings.
      if (e == error_code::none) part.update_config(cfg);
      return e;
    };
    error_code e = co_await on_partition(p, std::move(apply));
    if (e == error_code::none) {
      get_logger("replication")->info("{} is now {} at leader epoch {} (isr {})", lp.tp.to_string(),
                                      lp.state.leader == _broker_id ? "leader" : "follower",
                                      lp.state.leader_epoch, fmt::join(lp.state.isr, ","));
      for (const auto& listener : _leadership_listeners) {
        listener(lp.tp, lp.state.leader == _broker_id, lp.state.leader_epoch);
      }
    }
    results.emplace_back(lp.tp, e);
  }
  co_return results;
}

asio::awaitable<std::vector<std::pair<topic_partition, error_code>>> replica_manager::stop_replicas(
    std::vector<stop_replica_partition> partitions) {
  std::vector<std::pair<topic_partition, error_code>> results;
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
                                                            int32_t current_leader_epoch, bool from_consumer) {
  auto p = get(tp);
  if (!p) {
    offset_lookup out;
    out.error = error_code::unknown_topic_or_partition;
    co_return out;
  }
  auto lookup = [=](partition& part) { return part.list_offset(timestamp, current_leader_epoch, from_consumer); };
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
  for (auto& p : all()) {
    auto stop = [](partition& part) {
      part.stop();
      return 0;
    };
    co_await on_partition(p, std::move(stop));
  }
}

} // namespace gregor::replication
