#include "replica_fetcher.h"

#include <algorithm>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/logger.h"
#include "gregor/network/client_connection.h"
#include "gregor/replication/partition.h"

namespace gregor::replication {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using protocol::error_code;
using fetch_wire::reaction;

namespace {

// A partition that is not (yet) a follower with an open log is looked at again this soon: the
// LeaderAndIsr that makes it one may still be on its way to the partition's strand.
constexpr std::chrono::milliseconds no_position_retry = 100ms;

// --- work run on a partition's strand (named coroutines: see the GCC 12 note in common rules) ---

asio::awaitable<std::optional<follower_position>> read_position(std::shared_ptr<partition> p) {
  co_return p->position_for_fetch();
}

struct applied {
  bool dropped = false;  // no longer assigned to the fetcher under this generation
  error_code error = error_code::none;
  std::string message;   // for a failed truncation
  int64_t log_end = -1;  // after a truncation
  int32_t last_fetched_epoch = -1;  // after a truncation (it drops epochs begun without records too)
};

asio::awaitable<applied> apply_answer(std::shared_ptr<replica_fetcher> fetcher, std::shared_ptr<partition> p,
                                      uint64_t generation, follower_position position,
                                      fetch_wire::partition_answer answer) {
  applied out;
  if (fetcher->stopped() || !fetcher->is_current(p->tp(), generation)) {
    out.dropped = true;
    co_return out;
  }
  if (answer.what == reaction::truncate) {
    auto truncated = p->truncate_on_divergence(position.leader_epoch, answer.diverging_epoch,
                                               answer.diverging_end_offset);
    if (truncated) {
      out.log_end = *truncated;
      if (auto now = p->position_for_fetch()) out.last_fetched_epoch = now->last_fetched_epoch;
    } else {
      out.error = error_code::kafka_storage_error;
      out.message = truncated.error().message();
    }
    co_return out;
  }
  leader_fetch_data data;
  data.leader_epoch = position.leader_epoch;
  data.fetch_offset = position.fetch_offset;
  data.records = std::move(answer.records);
  data.high_watermark = answer.high_watermark;
  data.log_start_offset = answer.log_start_offset;
  out.error = p->append_from_leader(data);
  co_return out;
}

asio::awaitable<applied> apply_out_of_range(std::shared_ptr<replica_fetcher> fetcher, std::shared_ptr<partition> p,
                                            uint64_t generation, int32_t leader_epoch, int64_t leader_log_start,
                                            int64_t leader_log_end) {
  applied out;
  if (fetcher->stopped() || !fetcher->is_current(p->tp(), generation)) {
    out.dropped = true;
    co_return out;
  }
  out.error = p->handle_out_of_range(leader_epoch, leader_log_start, leader_log_end);
  co_return out;
}

} // namespace

replica_fetcher::replica_fetcher(asio::io_context& io, int32_t broker_id, int32_t index, broker_endpoint leader,
                                 replica_fetcher_options options, replica_fetcher_manager::partition_lookup lookup,
                                 idle_callback on_idle)
  : _strand(asio::make_strand(io)),
    _broker_id(broker_id),
    _index(index),
    _leader(std::move(leader)),
    _options(std::move(options)),
    _lookup(std::move(lookup)),
    _on_idle(std::move(on_idle)),
    _timer(_strand) {}

replica_fetcher::~replica_fetcher() = default;

void replica_fetcher::start() {
  if (_started.exchange(true)) return;
  asio::co_spawn(_strand, run(shared_from_this()), asio::detached);
}

void replica_fetcher::stop() {
  if (_stopped.exchange(true)) return;
  if (!_started.load()) {
    _finished = true;
    return;
  }
  // Closing fails an outstanding round trip at once; the loop drops the connection object itself.
  asio::post(_strand, [self = shared_from_this()] {
    self->_timer.cancel();
    if (self->_connection) self->_connection->close();
  });
}

void replica_fetcher::add(const topic_partition& tp, uint64_t generation) {
  {
    std::lock_guard lock(_mutex);
    _partitions[tp] = entry{generation, {}};
  }
  // A fetcher waiting for something to fetch starts the next round now.
  _wake_pending = true;
  if (_started.load()) {
    asio::post(_strand, [self = shared_from_this()] {
      if (self->_sleep_interruptible) self->_timer.cancel();
    });
  }
}

size_t replica_fetcher::remove(const topic_partition& tp) {
  std::lock_guard lock(_mutex);
  _partitions.erase(tp);
  return _partitions.size();
}

std::vector<std::pair<topic_partition, uint64_t>> replica_fetcher::assigned() const {
  std::lock_guard lock(_mutex);
  std::vector<std::pair<topic_partition, uint64_t>> out;
  out.reserve(_partitions.size());
  for (const auto& [tp, e] : _partitions) out.emplace_back(tp, e.generation);
  return out;
}

size_t replica_fetcher::size() const {
  std::lock_guard lock(_mutex);
  return _partitions.size();
}

bool replica_fetcher::is_current(const topic_partition& tp, uint64_t generation) const {
  std::lock_guard lock(_mutex);
  auto it = _partitions.find(tp);
  return it != _partitions.end() && it->second.generation == generation;
}

std::vector<replica_fetcher::candidate> replica_fetcher::fetchable(time_point now,
                                                                   std::optional<time_point>& next_due) const {
  std::lock_guard lock(_mutex);
  std::vector<candidate> out;
  for (const auto& [tp, e] : _partitions) {
    if (e.backoff_until <= now) {
      out.push_back({tp, e.generation});
    } else if (!next_due || e.backoff_until < *next_due) {
      next_due = e.backoff_until;
    }
  }
  return out;
}

void replica_fetcher::back_off(const topic_partition& tp, uint64_t generation, std::chrono::milliseconds d) {
  std::lock_guard lock(_mutex);
  auto it = _partitions.find(tp);
  if (it != _partitions.end() && it->second.generation == generation) {
    it->second.backoff_until = std::chrono::steady_clock::now() + d;
  }
}

void replica_fetcher::back_off_all(const std::vector<fetch_wire::fetch_target>& targets,
                                   const std::vector<uint64_t>& generations) {
  for (size_t i = 0; i < targets.size(); ++i) back_off(targets[i].tp, generations[i], _options.backoff);
}

void replica_fetcher::note_error(const topic_partition& tp, error_code e, const char* what) {
  auto [it, inserted] = _logged_errors.try_emplace(tp, e);
  if (!inserted && it->second == e) return;
  it->second = e;
  get_logger("replication")
    ->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] {} for partition {} failed: {}; retrying "
           "every {} ms",
           _broker_id, _leader.id, _index, what, tp.to_string(), protocol::error_name(e), _options.backoff.count());
}

std::shared_ptr<partition> replica_fetcher::find(const topic_partition& tp) const {
  if (_stopped.load()) return nullptr;
  return _lookup(tp);
}

void replica_fetcher::close_connection() {
  if (_connection) _connection->close();
  _connection.reset();
}

asio::awaitable<void> replica_fetcher::sleep(std::chrono::milliseconds d, bool interruptible) {
  if (_stopped.load()) co_return;
  if (interruptible && _wake_pending.exchange(false)) co_return;
  _sleep_interruptible = interruptible;
  _timer.expires_after(d);
  co_await _timer.async_wait(asio::as_tuple(asio::use_awaitable));
  _sleep_interruptible = false;
}

asio::awaitable<bool> replica_fetcher::ensure_connected() {
  if (_connection && _connection->is_open()) co_return true;
  _connection.reset();
  auto log = get_logger("replication");
  std::string host = _leader.host;
  auto connecting = network::client_connection::connect(_strand, std::move(host), _leader.port,
                                                        _options.socket_timeout);
  auto conn = co_await std::move(connecting);
  if (_stopped.load()) {
    if (conn) (*conn)->close();
    co_return false;
  }
  if (!conn) {
    if (!_connection_failing) {
      log->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Cannot connect to {}:{}: {}; retrying "
                "every {} ms",
                _broker_id, _leader.id, _index, _leader.host, _leader.port, conn.error().message(),
                _options.backoff.count());
    }
    _connection_failing = true;
    co_await sleep(_options.backoff, false);
    co_return false;
  }
  if (_connection_failing) {
    log->info("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Connected to {}:{} again", _broker_id,
              _leader.id, _index, _leader.host, _leader.port);
  }
  _connection_failing = false;
  _connection = std::move(*conn);
  co_return true;
}

asio::awaitable<std::vector<fetch_wire::fetch_target>> replica_fetcher::collect_positions(
    const std::vector<candidate>& candidates, std::vector<uint64_t>& generations) {
  std::vector<fetch_wire::fetch_target> targets;
  for (const auto& c : candidates) {
    if (_stopped.load()) break;
    auto p = find(c.tp);
    if (!p) {  // no longer hosted (the replica manager removes it from us) or stopping
      back_off(c.tp, c.generation, _options.backoff);
      continue;
    }
    auto ex = p->executor();
    auto task = read_position(std::move(p));
    auto position = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
    if (!position) {
      back_off(c.tp, c.generation, std::min(no_position_retry, _options.backoff));
      continue;
    }
    targets.push_back({c.tp, *position});
    generations.push_back(c.generation);
  }
  co_return targets;
}

asio::awaitable<std::optional<fetch_wire::offset_answer>> replica_fetcher::list_offset(
    const fetch_wire::fetch_target& target, int64_t timestamp) {
  if (!_connection || !_connection->is_open()) co_return std::nullopt;
  int32_t correlation = ++_correlation;
  auto frame = fetch_wire::encode_list_offsets_frame(_broker_id, target.tp, target.position.leader_epoch, timestamp,
                                                     correlation, _options.client_id);
  auto call = _connection->round_trip(std::move(frame), _options.socket_timeout);
  auto response = co_await std::move(call);
  if (_stopped.load()) co_return std::nullopt;
  if (!response) {
    get_logger("replication")
      ->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] ListOffsets to {}:{} failed: {}", _broker_id,
             _leader.id, _index, _leader.host, _leader.port, response.error().message());
    close_connection();
    co_return std::nullopt;
  }
  auto answer = fetch_wire::read_list_offsets_response(std::move(*response), correlation, target.tp);
  if (!answer) close_connection();  // a garbled answer: the stream cannot be trusted any more
  co_return answer;
}

asio::awaitable<void> replica_fetcher::resolve_out_of_range(const fetch_wire::fetch_target& target,
                                                            uint64_t generation) {
  auto log = get_logger("replication");
  auto latest = co_await list_offset(target, fetch_wire::latest_timestamp);
  if (!latest || latest->error != error_code::none) {
    note_error(target.tp, latest ? latest->error : error_code::network_exception, "ListOffsets (latest)");
    back_off(target.tp, generation, _options.backoff);
    co_return;
  }
  auto earliest = co_await list_offset(target, fetch_wire::earliest_timestamp);
  if (!earliest || earliest->error != error_code::none) {
    note_error(target.tp, earliest ? earliest->error : error_code::network_exception, "ListOffsets (earliest)");
    back_off(target.tp, generation, _options.backoff);
    co_return;
  }
  auto p = find(target.tp);
  if (!p) co_return;
  auto ex = p->executor();
  auto task = apply_out_of_range(shared_from_this(), std::move(p), generation, target.position.leader_epoch,
                                 earliest->offset, latest->offset);
  auto done = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
  if (done.dropped) co_return;
  if (done.error != error_code::none) {
    note_error(target.tp, done.error, "Resetting the out-of-range fetch offset");
    back_off(target.tp, generation, _options.backoff);
    co_return;
  }
  log->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Fetch offset {} of partition {} is out of "
            "range on the leader (its log start {}, end {}); reset the local log accordingly",
            _broker_id, _leader.id, _index, target.position.fetch_offset, target.tp.to_string(), earliest->offset,
            latest->offset);
  _logged_errors.erase(target.tp);
}

asio::awaitable<void> replica_fetcher::handle_answer(const fetch_wire::fetch_target& target, uint64_t generation,
                                                     fetch_wire::partition_answer answer) {
  switch (answer.what) {
  case reaction::back_off:
    note_error(target.tp, answer.error, "Fetch");
    back_off(target.tp, generation, _options.backoff);
    co_return;
  case reaction::out_of_range:
    co_await resolve_out_of_range(target, generation);
    co_return;
  case reaction::append:
  case reaction::truncate:
    break;
  }
  auto p = find(target.tp);
  if (!p) co_return;
  bool truncating = answer.what == reaction::truncate;
  int32_t diverging_epoch = answer.diverging_epoch;
  int64_t diverging_end = answer.diverging_end_offset;
  auto ex = p->executor();
  auto task = apply_answer(shared_from_this(), std::move(p), generation, target.position, std::move(answer));
  auto done = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
  if (done.dropped) co_return;
  if (done.error != error_code::none) {
    if (!done.message.empty()) {
      get_logger("replication")
        ->error("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Truncating partition {} failed: {}",
                _broker_id, _leader.id, _index, target.tp.to_string(), done.message);
    }
    note_error(target.tp, done.error, truncating ? "Truncation" : "Appending fetched data");
    back_off(target.tp, generation, _options.backoff);
    co_return;
  }
  if (truncating && done.log_end >= target.position.fetch_offset &&
      done.last_fetched_epoch == target.position.last_fetched_epoch) {
    // The partition logs real truncations itself. One that moved nothing would make the next fetch
    // ask the same question at once: back off instead of spinning.
    get_logger("replication")
      ->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Diverging epoch {} ending at {} did not "
             "truncate partition {} (fetch offset {}, last fetched epoch {}); retrying in {} ms",
             _broker_id, _leader.id, _index, diverging_epoch, diverging_end, target.tp.to_string(),
             target.position.fetch_offset, target.position.last_fetched_epoch, _options.backoff.count());
    back_off(target.tp, generation, _options.backoff);
    co_return;
  }
  _logged_errors.erase(target.tp);
}

asio::awaitable<void> replica_fetcher::round() {
  auto now = std::chrono::steady_clock::now();
  std::optional<time_point> next_due;
  auto candidates = fetchable(now, next_due);
  if (candidates.empty()) {
    // Nothing due: wait for the first back-off to end, or for add() (which interrupts the wait).
    auto wait = next_due ? std::chrono::ceil<std::chrono::milliseconds>(*next_due - now) : _options.backoff;
    co_await sleep(std::max(wait, std::chrono::milliseconds(1)), true);
    if (!next_due && size() == 0 && !_stopped.load() && _on_idle) {
      _on_idle(shared_from_this());  // no partition for a whole back-off: let the manager retire us
    }
    co_return;
  }
  if (!co_await ensure_connected()) co_return;
  // The leader fills a response in request order, and only the first partition may return a
  // batch above the per-partition limit: start each request one partition further on, so that
  // busy partitions early in the order cannot starve later ones out of the ISR.
  std::rotate(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(_rotation++ % candidates.size()),
              candidates.end());

  std::vector<uint64_t> generations;
  auto targets = co_await collect_positions(candidates, generations);
  if (targets.empty() || _stopped.load()) co_return;

  auto request = fetch_wire::build_fetch_request(_broker_id, _options, targets);
  int32_t correlation = ++_correlation;
  auto frame = fetch_wire::encode_fetch_frame(request, correlation, _options.client_id);
  // The leader may hold the request for replica.fetch.wait.max.ms before answering.
  auto timeout = _options.socket_timeout + std::chrono::milliseconds(std::max(0, _options.fetch_wait_max_ms));
  auto call = _connection->round_trip(std::move(frame), timeout);
  auto response = co_await std::move(call);
  if (_stopped.load()) co_return;
  auto log = get_logger("replication");
  if (!response) {
    log->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Fetch from {}:{} failed: {}; reconnecting "
              "in {} ms",
              _broker_id, _leader.id, _index, _leader.host, _leader.port, response.error().message(),
              _options.backoff.count());
    close_connection();
    _connection_failing = true;
    co_await sleep(_options.backoff, false);
    co_return;
  }
  auto answer = fetch_wire::read_fetch_response(std::move(*response), correlation);
  if (!answer) {
    log->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Malformed Fetch response from {}:{}; "
              "reconnecting in {} ms",
              _broker_id, _leader.id, _index, _leader.host, _leader.port, _options.backoff.count());
    close_connection();
    co_await sleep(_options.backoff, false);
    co_return;
  }
  if (answer->error != error_code::none) {
    log->warn("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Fetch from {}:{} failed: {}",
              _broker_id, _leader.id, _index, _leader.host, _leader.port, protocol::error_name(answer->error));
    back_off_all(targets, generations);
    co_return;
  }
  std::map<topic_partition, size_t> asked;
  for (size_t i = 0; i < targets.size(); ++i) asked.emplace(targets[i].tp, i);
  for (auto& a : answer->partitions) {
    if (_stopped.load()) co_return;
    auto it = asked.find(a.tp);
    if (it == asked.end()) continue;  // not asked for: ignore
    size_t i = it->second;
    asked.erase(it);
    co_await handle_answer(targets[i], generations[i], std::move(a));
  }
  // Partitions the leader left out of its answer are fetched again next round.
}

asio::awaitable<void> replica_fetcher::run(std::shared_ptr<replica_fetcher> self) {
  auto log = get_logger("replication");
  log->info("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Starting (leader at {}:{})", self->_broker_id,
            self->_leader.id, self->_index, self->_leader.host, self->_leader.port);
  while (!self->_stopped.load()) {
    bool failed = false;
    try {
      co_await self->round();
    } catch (const std::exception& e) {
      // Nothing on this path should throw; if something does, keep the fetcher alive.
      log->error("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Fetch round failed: {}", self->_broker_id,
                 self->_leader.id, self->_index, e.what());
      failed = true;
    }
    if (failed) {
      self->close_connection();
      co_await self->sleep(self->_options.backoff, false);
    }
  }
  self->close_connection();
  log->info("[ReplicaFetcher replicaId={}, leaderId={}, fetcherId={}] Stopped", self->_broker_id, self->_leader.id,
            self->_index);
  self->_finished = true;
}

} // namespace gregor::replication
