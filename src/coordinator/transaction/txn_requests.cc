// InitProducerId, AddPartitionsToTxn and EndTxn for transactional ids (Kafka's
// TransactionCoordinator.handle*), and the writes of their transitions to __transaction_state.
// Runs on the coordinator's strand.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "../coordinator_log.h"
#include "coordinator_impl.h"
#include "gregor/common/logger.h"

namespace gregor::txn {

namespace {

auto requests_logger() { return get_logger("transaction-coordinator"); }

init_producer_id_result init_error(error_code e) {
  init_producer_id_result r;
  r.error = e;
  return r;
}

} // namespace

asio::awaitable<error_code> transaction_coordinator::impl::write_transition(std::string id, int32_t coordinator_epoch,
                                                                            std::shared_ptr<txn_metadata> m,
                                                                            txn_transit t, bool epoch_fence) {
  coordinator_log::record_list records;
  std::optional<bytes> value;
  if (t.state != txn_state::dead) value = encode_txn_value(t.to_stored());
  records.emplace_back(encode_txn_key(id), std::move(value));
  coordinator_log::append_options options;
  options.acks = -1;
  options.timeout = std::chrono::milliseconds(_config.request_timeout_ms());
  options.timestamp_ms = now_ms();
  topic_partition tp{transaction_state_topic, partition_for(id)};
  auto written = co_await coordinator_log::append_records(_replicas, tp, records, options);
  if (!still_owned(id, coordinator_epoch, m)) {
    // Unloaded meanwhile (or a new coordinator epoch): whatever the write did, the next coordinator
    // reads it from the log.
    co_return error_code::not_coordinator;
  }
  if (written.error != error_code::none) {
    requests_logger()->warn("writing {} of {} to {} failed: {} {}", state_name(t.state), id, tp.to_string(),
                   protocol::error_name(written.error), written.message);
    m->abandon(epoch_fence);
    // Kafka's TransactionStateManager answers a write too large with UNKNOWN_SERVER_ERROR.
    co_return coordinator_log::client_error(written.error, error_code::unknown_server_error);
  }
  if (!m->complete(t)) {
    requests_logger()->error("{}: the written transition to {} was not the pending one; dropped", id, state_name(t.state));
    m->abandon(false);
    co_return error_code::unknown_server_error;
  }
  if (t.state == txn_state::dead) _txns.erase(id);
  co_return error_code::none;
}

asio::awaitable<init_producer_id_result> transaction_coordinator::impl::init(std::shared_ptr<impl> self,
                                                                             init_producer_id_request req) {
  if (req.timeout_ms <= 0 || req.timeout_ms > _config.transaction_max_timeout_ms()) {
    co_return init_error(error_code::invalid_transaction_timeout);
  }
  int32_t coordinator_epoch = -1;
  if (error_code e = check_owner(req.transactional_id, coordinator_epoch); e != error_code::none) co_return init_error(e);
  auto m = find(req.transactional_id);
  if (!m) {
    // A new id: its first producer id (kept in memory until the Empty state below is written).
    auto fresh = co_await _producer_ids.next();
    if (!fresh) co_return init_error(error_code::coordinator_not_available);
    if (error_code e = check_owner(req.transactional_id, coordinator_epoch); e != error_code::none) {
      co_return init_error(e);
    }
    m = find(req.transactional_id);
    if (!m) {
      m = std::make_shared<txn_metadata>(req.transactional_id, *fresh, req.timeout_ms, now_ms());
      _txns[req.transactional_id] = m;
    }
  }
  std::optional<producer_and_epoch> expected;
  if (req.expected) expected = producer_and_epoch{req.expected->first, req.expected->second};
  std::optional<int64_t> rotated_id;
  init_step step = m->prepare_init(req.timeout_ms, expected, rotated_id, now_ms());
  if (step.needs_new_producer_id) {
    // The epoch is exhausted: continue under a new producer id.
    auto fresh = co_await _producer_ids.next();
    if (!fresh) co_return init_error(error_code::coordinator_not_available);
    if (!still_owned(req.transactional_id, coordinator_epoch, m)) co_return init_error(error_code::not_coordinator);
    rotated_id = *fresh;
    step = m->prepare_init(req.timeout_ms, expected, rotated_id, now_ms());
  }
  if (step.error != error_code::none) co_return init_error(step.error);
  if (step.fence) {
    // An open transaction: abort it under the bumped epoch; the client retries and is answered
    // once the abort completed.
    error_code e = co_await end(self, req.transactional_id, step.transit.producer_id, step.transit.producer_epoch,
                                false, false);
    co_return init_error(e == error_code::none ? error_code::concurrent_transactions : e);
  }
  const int64_t producer_id = step.transit.producer_id;
  const int16_t producer_epoch = step.transit.producer_epoch;
  error_code e = co_await write_transition(req.transactional_id, coordinator_epoch, m, std::move(step.transit), false);
  if (e != error_code::none) co_return init_error(e);
  requests_logger()->info("initialized transactional id {}: producer id {}, epoch {}", req.transactional_id, producer_id,
                 producer_epoch);
  init_producer_id_result out;
  out.producer_id = producer_id;
  out.producer_epoch = producer_epoch;
  co_return out;
}

asio::awaitable<error_code> transaction_coordinator::impl::add_partitions(std::shared_ptr<impl> self, std::string id,
                                                                          int64_t producer_id, int16_t epoch,
                                                                          std::vector<topic_partition> partitions) {
  (void)self;
  if (id.empty()) co_return error_code::invalid_request;
  int32_t coordinator_epoch = -1;
  if (error_code e = check_owner(id, coordinator_epoch); e != error_code::none) co_return e;
  auto m = find(id);
  if (!m) co_return error_code::invalid_producer_id_mapping;
  std::set<topic_partition> added(partitions.begin(), partitions.end());
  std::optional<txn_transit> transit;
  if (error_code e = m->prepare_add_partitions(producer_id, epoch, added, now_ms(), transit); e != error_code::none) {
    co_return e;
  }
  if (!transit) co_return error_code::none;  // all of them are in the transaction already
  co_return co_await write_transition(id, coordinator_epoch, m, std::move(*transit), false);
}

asio::awaitable<error_code> transaction_coordinator::impl::end(std::shared_ptr<impl> self, std::string id,
                                                               int64_t producer_id, int16_t epoch, bool commit,
                                                               bool from_client) {
  (void)self;
  if (id.empty()) co_return error_code::invalid_request;
  int32_t coordinator_epoch = -1;
  if (error_code e = check_owner(id, coordinator_epoch); e != error_code::none) co_return e;
  auto m = find(id);
  if (!m) co_return error_code::invalid_producer_id_mapping;
  end_step step = m->prepare_end(producer_id, epoch, commit, from_client, now_ms());
  if (step.error != error_code::none || !step.write) {
    if (!from_client && m->pending() == txn_state::prepare_epoch_fence) m->abandon(false);  // never leave a fence hanging
    co_return step.error;
  }
  error_code e = co_await write_transition(id, coordinator_epoch, m, std::move(step.transit), step.epoch_fence);
  if (e != error_code::none) co_return e;
  // PrepareCommit/PrepareAbort is durable: the outcome is decided. The client is answered now; the
  // markers follow, and Complete* is written once every partition has its marker.
  start_markers(*m, coordinator_epoch);
  co_return error_code::none;
}

} // namespace gregor::txn
