// The public face of the transaction coordinator (hops to its strand), the ownership of
// __transaction_state partitions (loading on election, unloading on resignation), the periodic
// timeout abort and id expiry, and shutdown.

#include "gregor/coordinator/transaction_coordinator.h"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "../coordinator_log.h"
#include "../on_strand.h"
#include "coordinator_impl.h"
#include "gregor/common/logger.h"
#include "gregor/coordinator/offsets_records.h"

namespace gregor::txn {

namespace {

auto logger() { return get_logger("transaction-coordinator"); }

using coordinator_detail::on_strand;

// Marker round trips wait for the leader's acks=-1 write, bounded by request.timeout.ms there.
std::chrono::milliseconds marker_request_timeout(const config::broker_config& config) {
  return std::chrono::milliseconds(int64_t{config.request_timeout_ms()} + 5000);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// impl: ownership

transaction_coordinator::impl::impl(asio::io_context& io, replication::replica_manager& replicas,
                                    const metadata::metadata_cache& metadata, const config::broker_config& config,
                                    clock& clk, producer_id_manager& producer_ids,
                                    transaction_coordinator_options options)
  : _io(io), _strand(asio::make_strand(io)), _replicas(replicas), _metadata(metadata), _config(config), _clock(clk),
    _producer_ids(producer_ids), _options(std::move(options)),
    _channels(_strand, marker_request_timeout(config), "transaction-marker-sender"), _timeout_timer(_strand),
    _expiry_timer(_strand), _marker_timer(_strand) {}

int32_t transaction_coordinator::impl::partition_for(const std::string& id) const {
  int32_t count = _config.transaction_state_log_num_partitions();
  auto snap = _metadata.snapshot();
  if (const auto* t = snap->find_topic(transaction_state_topic); t != nullptr && !t->partitions.empty()) {
    count = static_cast<int32_t>(t->partitions.size());
  }
  return group::partition_for_key(id, count);
}

error_code transaction_coordinator::impl::check_owner(const std::string& id, int32_t& coordinator_epoch) const {
  if (_stopped) return error_code::coordinator_not_available;
  auto it = _shards.find(partition_for(id));
  if (it == _shards.end()) return error_code::not_coordinator;
  if (!it->second.loaded) return error_code::coordinator_load_in_progress;
  coordinator_epoch = it->second.epoch;
  return error_code::none;
}

std::shared_ptr<txn_metadata> transaction_coordinator::impl::find(const std::string& id) const {
  auto it = _txns.find(id);
  return it == _txns.end() ? nullptr : it->second;
}

bool transaction_coordinator::impl::still_owned(const std::string& id, int32_t coordinator_epoch,
                                                const std::shared_ptr<txn_metadata>& m) const {
  int32_t now_epoch = -1;
  return check_owner(id, now_epoch) == error_code::none && now_epoch == coordinator_epoch && find(id) == m;
}

void transaction_coordinator::impl::elected(int32_t partition, int32_t epoch) {
  if (_stopped) return;
  auto it = _shards.find(partition);
  if (it != _shards.end() && it->second.epoch >= epoch) return;
  if (it != _shards.end()) resigned(partition, -1);  // a new leader epoch: markers carry the new one
  _shards[partition] = shard{false, epoch};
  logger()->debug("loading transactions of {}-{} (coordinator epoch {})", transaction_state_topic, partition, epoch);
  asio::co_spawn(_strand, load(shared_from_this(), partition, epoch), asio::detached);
}

void transaction_coordinator::impl::resigned(int32_t partition, int32_t epoch) {
  auto it = _shards.find(partition);
  if (it == _shards.end()) return;
  if (epoch >= 0 && it->second.epoch > epoch) return;  // a stale resignation
  _shards.erase(it);
  drop_marker_jobs(partition);
  size_t dropped = 0;
  for (auto t = _txns.begin(); t != _txns.end();) {
    if (partition_for(t->first) == partition) {
      t = _txns.erase(t);
      ++dropped;
    } else {
      ++t;
    }
  }
  logger()->info("unloaded {} transactional ids of {}-{}", dropped, transaction_state_topic, partition);
}

asio::awaitable<void> transaction_coordinator::impl::load(std::shared_ptr<impl> self, int32_t partition,
                                                          int32_t epoch) {
  (void)self;
  topic_partition tp{transaction_state_topic, partition};
  auto still_ours = [this, partition, epoch] {
    auto it = _shards.find(partition);
    return !_stopped && it != _shards.end() && it->second.epoch == epoch;
  };
  txn_replay replay;
  coordinator_log::replay_visitor visitor;
  visitor.still_wanted = still_ours;
  visitor.on_record = [&replay](const record::batch_header&, std::optional<bytes_view> key,
                                std::optional<bytes_view> value) { replay.apply(key, value); };
  const auto started = _clock.monotonic_ms();
  auto replayed = co_await coordinator_log::replay_partition(_replicas, tp, _config.transaction_state_log_load_buffer_size(),
                                                             visitor);
  if (replayed.abandoned || !still_ours()) co_return;
  if (replayed.error != error_code::none) {
    logger()->error("cannot load {}: {}; its transactional ids stay unavailable", tp.to_string(),
                    protocol::error_name(replayed.error));
    co_return;
  }
  if (replayed.undecodable_batches + replay.skipped() != 0) {
    logger()->error("{}: skipped {} undecodable batches and {} undecodable records", tp.to_string(),
                    replayed.undecodable_batches, replay.skipped());
  }
  size_t unfinished = 0;
  for (auto& [id, stored] : replay.take()) {
    if (partition_for(id) != partition) continue;  // not ours (partition count changed?)
    auto m = std::make_shared<txn_metadata>(id, stored);
    _txns[id] = m;
    if (m->state() == txn_state::prepare_commit || m->state() == txn_state::prepare_abort) {
      start_markers(*m, epoch);  // the previous coordinator may not have finished them
      ++unfinished;
    }
  }
  _shards[partition].loaded = true;
  logger()->info("loaded {} in {} ms: {} records; resending the markers of {} transactions", tp.to_string(),
                 _clock.monotonic_ms() - started, replayed.records, unfinished);
}

void transaction_coordinator::impl::stop_all() {
  _stopped = true;
  _timeout_timer.cancel();
  _expiry_timer.cancel();
  _marker_timer.cancel();
  _channels.stop_all();
  _jobs.clear();
  _txns.clear();
  _shards.clear();
}

// ---------------------------------------------------------------------------------------------
// impl: timers

void transaction_coordinator::impl::schedule_timeout_check() {
  if (_stopped) return;
  _timeout_timer.expires_after(
      std::chrono::milliseconds(std::max(1, _config.transaction_abort_timed_out_transaction_cleanup_interval_ms())));
  std::weak_ptr<impl> weak = weak_from_this();
  _timeout_timer.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->abort_timed_out();
      self->schedule_timeout_check();
    }
  });
}

// Kafka's abortTimedOutTransactions: bump the epoch (fencing the producer) and abort.
void transaction_coordinator::impl::abort_timed_out() {
  if (_stopped) return;
  const int64_t now = now_ms();
  for (const auto& [id, m] : _txns) {
    int32_t epoch = -1;
    if (!m->timed_out(now) || check_owner(id, epoch) != error_code::none) continue;
    auto fence = m->prepare_fence();
    logger()->info("aborting the transaction of {} (producer id {}): it timed out after {} ms", id, m->producer_id(),
                   m->timeout_ms());
    auto task = end(shared_from_this(), id, fence.producer_id, fence.producer_epoch, false, false);
    asio::co_spawn(_strand, std::move(task), asio::detached);
  }
}

void transaction_coordinator::impl::schedule_expiry_check() {
  if (_stopped) return;
  _expiry_timer.expires_after(
      std::chrono::milliseconds(std::max(1, _config.transaction_remove_expired_transaction_cleanup_interval_ms())));
  std::weak_ptr<impl> weak = weak_from_this();
  _expiry_timer.async_wait([weak](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) asio::co_spawn(self->_strand, self->expire_ids(self), asio::detached);
  });
}

// Kafka's removeExpiredTransactionalIds: ids idle in Empty or Complete* for
// transactional.id.expiration.ms get a tombstone and are forgotten.
asio::awaitable<void> transaction_coordinator::impl::expire_ids(std::shared_ptr<impl> self) {
  const int64_t now = now_ms();
  const int64_t expiration = _config.transactional_id_expiration_ms();
  std::vector<std::string> expired;
  for (const auto& [id, m] : _txns) {
    if (m->expired(now, expiration)) expired.push_back(id);
  }
  for (const auto& id : expired) {
    int32_t epoch = -1;
    auto m = find(id);
    if (!m || check_owner(id, epoch) != error_code::none || !m->expired(now, expiration)) continue;
    auto dead = m->prepare_dead();
    error_code e = co_await write_transition(id, epoch, m, std::move(dead), false);
    if (e == error_code::none) logger()->info("transactional id {} expired and was removed", id);
  }
  (void)self;
  schedule_expiry_check();
}

// ---------------------------------------------------------------------------------------------
// transaction_coordinator: the public API

transaction_coordinator::transaction_coordinator(asio::io_context& io, replication::replica_manager& replicas,
                                                 const metadata::metadata_cache& metadata,
                                                 const config::broker_config& config, clock& clk,
                                                 producer_id_manager& producer_ids,
                                                 transaction_coordinator_options options)
  : _impl(std::make_shared<impl>(io, replicas, metadata, config, clk, producer_ids, std::move(options))) {}

transaction_coordinator::~transaction_coordinator() = default;

void transaction_coordinator::start() {
  auto i = _impl;
  asio::post(i->_strand, [i] {
    i->schedule_timeout_check();
    i->schedule_expiry_check();
  });
}

namespace {
asio::awaitable<void> stop_task(std::shared_ptr<transaction_coordinator::impl> i) {
  i->stop_all();
  co_return;
}
} // namespace

asio::awaitable<void> transaction_coordinator::shutdown() {
  auto task = stop_task(_impl);
  co_await on_strand(_impl->_strand, std::move(task));
}

int32_t transaction_coordinator::partition_for(const std::string& id) const { return _impl->partition_for(id); }

void transaction_coordinator::on_elected(int32_t partition, int32_t leader_epoch) {
  auto i = _impl;
  asio::post(i->_strand, [i, partition, leader_epoch] { i->elected(partition, leader_epoch); });
}

void transaction_coordinator::on_resigned(int32_t partition, int32_t leader_epoch) {
  auto i = _impl;
  asio::post(i->_strand, [i, partition, leader_epoch] { i->resigned(partition, leader_epoch); });
}

namespace {
asio::awaitable<std::vector<described_transaction>> describe_task(std::shared_ptr<transaction_coordinator::impl> i,
                                                                  std::vector<std::string> ids) {
  co_return i->describe(ids);
}
asio::awaitable<list_transactions_result> list_task(std::shared_ptr<transaction_coordinator::impl> i,
                                                    std::vector<std::string> states, std::vector<int64_t> producer_ids,
                                                    int64_t duration_ms) {
  co_return i->list(states, producer_ids, duration_ms);
}
} // namespace

asio::awaitable<std::vector<described_transaction>> transaction_coordinator::describe_transactions(
    std::vector<std::string> ids) {
  auto task = describe_task(_impl, std::move(ids));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<list_transactions_result> transaction_coordinator::list_transactions(std::vector<std::string> states,
                                                                                     std::vector<int64_t> producer_ids,
                                                                                     int64_t duration_ms) {
  auto task = list_task(_impl, std::move(states), std::move(producer_ids), duration_ms);
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<init_producer_id_result> transaction_coordinator::init_producer_id(init_producer_id_request request) {
  auto task = _impl->init(_impl, std::move(request));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<error_code> transaction_coordinator::add_partitions(std::string id, int64_t producer_id,
                                                                    int16_t producer_epoch,
                                                                    std::vector<topic_partition> partitions) {
  auto task = _impl->add_partitions(_impl, std::move(id), producer_id, producer_epoch, std::move(partitions));
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

asio::awaitable<error_code> transaction_coordinator::end_transaction(std::string id, int64_t producer_id,
                                                                     int16_t producer_epoch, bool commit) {
  auto task = _impl->end(_impl, std::move(id), producer_id, producer_epoch, commit, true);
  co_return co_await on_strand(_impl->_strand, std::move(task));
}

} // namespace gregor::txn
