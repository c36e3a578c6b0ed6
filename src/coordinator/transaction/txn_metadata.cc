#include "txn_metadata.h"

#include <algorithm>
#include <limits>

namespace gregor::txn {

namespace {

constexpr int16_t max_epoch = std::numeric_limits<int16_t>::max();

bool is_complete(txn_state s) { return s == txn_state::complete_commit || s == txn_state::complete_abort; }

} // namespace

bool valid_transition(txn_state from, txn_state to) {
  using s = txn_state;
  switch (to) {
  case s::empty:
    return from == s::empty || is_complete(from);
  case s::ongoing:
    return from == s::ongoing || from == s::empty || is_complete(from);
  case s::prepare_commit:
    return from == s::ongoing;
  case s::prepare_abort:
    return from == s::ongoing || from == s::prepare_epoch_fence;
  case s::complete_commit:
    return from == s::prepare_commit;
  case s::complete_abort:
    return from == s::prepare_abort;
  case s::dead:
    return from == s::empty || is_complete(from);
  case s::prepare_epoch_fence:
    return from == s::ongoing;
  }
  return false;
}

stored_txn txn_transit::to_stored() const {
  stored_txn out;
  out.producer_id = producer_id;
  out.producer_epoch = producer_epoch;
  out.timeout_ms = timeout_ms;
  out.state = state;
  out.partitions = partitions;
  out.last_update_ms = last_update_ms;
  out.start_ms = start_ms;
  return out;
}

txn_metadata::txn_metadata(std::string transactional_id, int64_t producer_id, int32_t timeout_ms, int64_t now_ms)
  : _id(std::move(transactional_id)), _producer_id(producer_id), _timeout_ms(timeout_ms), _last_update_ms(now_ms) {}

txn_metadata::txn_metadata(std::string transactional_id, const stored_txn& stored)
  : _id(std::move(transactional_id)), _producer_id(stored.producer_id), _producer_epoch(stored.producer_epoch),
    _timeout_ms(stored.timeout_ms), _state(stored.state), _partitions(stored.partitions), _start_ms(stored.start_ms),
    _last_update_ms(stored.last_update_ms) {}

// Kafka's isEpochExhausted: one epoch is kept in reserve so that a fence can still bump it.
bool txn_metadata::epoch_exhausted() const { return _producer_epoch >= max_epoch - 1; }

txn_transit txn_metadata::transit_to(txn_state state, int64_t producer_id, int16_t epoch, int16_t last_epoch,
                                     int32_t timeout_ms, std::set<topic_partition> partitions, int64_t start_ms,
                                     int64_t update_ms) {
  txn_transit t;
  t.producer_id = producer_id;
  t.last_producer_id = _producer_id;
  t.producer_epoch = epoch;
  t.last_producer_epoch = last_epoch;
  t.timeout_ms = timeout_ms;
  t.state = state;
  t.partitions = std::move(partitions);
  t.start_ms = start_ms;
  t.last_update_ms = update_ms;
  _pending = state;
  return t;
}

// A (producer id, epoch) sent by a v3+ InitProducerId may continue the id unless it is a zombie's
// (Kafka's isValidProducerId): always while no epoch was handed out yet; when it names the current
// id (the epoch is checked by the bump); or when it names the previous id with an exhausted epoch
// (a retry after the id rotated and the answer was lost).
bool txn_metadata::valid_producer_id(const producer_and_epoch& expected) const {
  return _producer_epoch == no_producer_epoch || expected.producer_id == _producer_id ||
         (expected.producer_id == _last_producer_id && expected.epoch >= max_epoch - 1);
}

init_step txn_metadata::prepare_init(int32_t timeout_ms, std::optional<producer_and_epoch> expected,
                                     std::optional<int64_t> new_producer_id, int64_t now_ms) {
  init_step out;
  if (_pending) {
    out.error = error_code::concurrent_transactions;
    return out;
  }
  if (expected && !valid_producer_id(*expected)) {
    out.error = error_code::producer_fenced;
    return out;
  }
  switch (_state) {
  case txn_state::prepare_commit:
  case txn_state::prepare_abort:
    out.error = error_code::concurrent_transactions;  // the client backs off and retries
    return out;
  case txn_state::ongoing:
    // Abort the open transaction first, with an epoch never returned to anyone; the client retries
    // and gets the epoch bumped again (a new id if that exhausts this one).
    out.fence = true;
    out.transit = prepare_fence();
    return out;
  case txn_state::empty:
  case txn_state::complete_commit:
  case txn_state::complete_abort:
    break;
  case txn_state::dead:
  case txn_state::prepare_epoch_fence:
    out.error = error_code::concurrent_transactions;  // transient: being removed
    return out;
  }
  if (epoch_exhausted() && (!expected || expected->epoch == _producer_epoch)) {
    if (!new_producer_id) {
      out.needs_new_producer_id = true;
      return out;
    }
    const int16_t last = expected ? _producer_epoch : no_producer_epoch;
    out.transit = transit_to(txn_state::empty, *new_producer_id, 0, last, timeout_ms, {}, -1, now_ms);
    return out;
  }
  // Kafka's prepareIncrementProducerEpoch.
  int16_t next = 0;
  int16_t last = no_producer_epoch;
  if (!expected) {
    next = static_cast<int16_t>(_producer_epoch + 1);  // not exhausted: handled above
  } else if (_producer_epoch == no_producer_epoch || expected->epoch == _producer_epoch) {
    next = static_cast<int16_t>(_producer_epoch + 1);
    last = _producer_epoch;
  } else if (expected->epoch == _last_producer_epoch) {
    next = _producer_epoch;  // a retry of a bump whose answer was lost: same epoch again
    last = _last_producer_epoch;
  } else {
    out.error = error_code::producer_fenced;
    return out;
  }
  out.transit = transit_to(txn_state::empty, _producer_id, next, last, timeout_ms, {}, -1, now_ms);
  return out;
}

error_code txn_metadata::prepare_add_partitions(int64_t producer_id, int16_t epoch,
                                                const std::set<topic_partition>& added, int64_t now_ms,
                                                std::optional<txn_transit>& out) {
  out.reset();
  if (producer_id != _producer_id) return error_code::invalid_producer_id_mapping;
  if (epoch != _producer_epoch) return error_code::producer_fenced;
  if (epoch < 0) return error_code::invalid_producer_epoch;  // an id whose first epoch was never written
  if (_pending) return error_code::concurrent_transactions;
  switch (_state) {
  case txn_state::prepare_commit:
  case txn_state::prepare_abort:
  case txn_state::dead:
  case txn_state::prepare_epoch_fence:
    return error_code::concurrent_transactions;
  case txn_state::ongoing:
    if (std::includes(_partitions.begin(), _partitions.end(), added.begin(), added.end())) return error_code::none;
    break;
  case txn_state::empty:
  case txn_state::complete_commit:
  case txn_state::complete_abort:
    break;
  }
  const int64_t start = _state == txn_state::ongoing ? _start_ms : now_ms;
  std::set<topic_partition> all = _partitions;
  if (_state != txn_state::ongoing) all.clear();  // Complete* keep none; be explicit
  all.insert(added.begin(), added.end());
  out = transit_to(txn_state::ongoing, _producer_id, _producer_epoch, _last_producer_epoch, _timeout_ms, std::move(all),
                   start, now_ms);
  return error_code::none;
}

end_step txn_metadata::prepare_end(int64_t producer_id, int16_t epoch, bool commit, bool from_client, int64_t now_ms) {
  end_step out;
  if (producer_id != _producer_id) {
    out.error = error_code::invalid_producer_id_mapping;
    return out;
  }
  // Clients must send the current epoch; the coordinator's own aborts may carry a bumped one.
  if ((from_client && epoch != _producer_epoch) || epoch < _producer_epoch) {
    out.error = error_code::producer_fenced;
    return out;
  }
  const bool fencing = _pending == txn_state::prepare_epoch_fence;
  if (_pending && !fencing) {
    out.error = error_code::concurrent_transactions;
    return out;
  }
  switch (_state) {
  case txn_state::ongoing: {
    if (fencing) {
      if (commit) {
        out.error = error_code::concurrent_transactions;  // the fence's abort goes first
        return out;
      }
      // The fence's abort: the bumped epoch becomes the transaction's (and the markers') epoch.
      _pending.reset();
      _producer_epoch = epoch;
      _last_producer_epoch = no_producer_epoch;
      out.epoch_fence = true;
    }
    const txn_state next = commit ? txn_state::prepare_commit : txn_state::prepare_abort;
    out.write = true;
    out.transit = transit_to(next, _producer_id, _producer_epoch, _last_producer_epoch, _timeout_ms, _partitions,
                             _start_ms, now_ms);
    return out;
  }
  case txn_state::complete_commit:
    out.error = commit ? error_code::none : error_code::invalid_txn_state;
    return out;
  case txn_state::complete_abort:
    out.error = commit ? error_code::invalid_txn_state : error_code::none;
    return out;
  case txn_state::prepare_commit:
    out.error = commit ? error_code::concurrent_transactions : error_code::invalid_txn_state;
    return out;
  case txn_state::prepare_abort:
    out.error = commit ? error_code::invalid_txn_state : error_code::concurrent_transactions;
    return out;
  case txn_state::empty:
    out.error = error_code::invalid_txn_state;
    return out;
  case txn_state::dead:
  case txn_state::prepare_epoch_fence:
    out.error = error_code::concurrent_transactions;
    return out;
  }
  return out;
}

txn_transit txn_metadata::prepare_complete(int64_t now_ms) {
  const txn_state next = _state == txn_state::prepare_commit ? txn_state::complete_commit : txn_state::complete_abort;
  return transit_to(next, _producer_id, _producer_epoch, _last_producer_epoch, _timeout_ms, {}, _start_ms, now_ms);
}

txn_transit txn_metadata::prepare_fence() {
  int16_t bumped = _producer_epoch;
  if (!_failed_epoch_fence && _producer_epoch < max_epoch) bumped = static_cast<int16_t>(_producer_epoch + 1);
  return transit_to(txn_state::prepare_epoch_fence, _producer_id, bumped, no_producer_epoch, _timeout_ms, _partitions,
                    _start_ms, _last_update_ms);
}

txn_transit txn_metadata::prepare_dead() {
  return transit_to(txn_state::dead, _producer_id, _producer_epoch, _last_producer_epoch, _timeout_ms, {}, _start_ms,
                    _last_update_ms);
}

bool txn_metadata::complete(const txn_transit& t) {
  if (!_pending || *_pending != t.state || !valid_transition(_state, t.state)) return false;
  _producer_id = t.producer_id;
  _last_producer_id = t.last_producer_id;
  _producer_epoch = t.producer_epoch;
  _last_producer_epoch = t.last_producer_epoch;
  _timeout_ms = t.timeout_ms;
  _state = t.state;
  _partitions = t.partitions;
  _start_ms = t.start_ms;
  _last_update_ms = t.last_update_ms;
  _pending.reset();
  if (t.state == txn_state::complete_commit || t.state == txn_state::complete_abort) _failed_epoch_fence = false;
  return true;
}

void txn_metadata::abandon(bool was_epoch_fence) {
  _pending.reset();
  if (was_epoch_fence) _failed_epoch_fence = true;
}

bool txn_metadata::timed_out(int64_t now_ms) const {
  return _state == txn_state::ongoing && !_pending && _start_ms + static_cast<int64_t>(_timeout_ms) < now_ms;
}

bool txn_metadata::expired(int64_t now_ms, int64_t expiration_ms) const {
  return (_state == txn_state::empty || is_complete(_state)) && !_pending && _last_update_ms <= now_ms - expiration_ms;
}

} // namespace gregor::txn
