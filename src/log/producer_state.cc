#include "gregor/log/producer_state.h"

#include <algorithm>
#include <limits>

#include "gregor/log/errc.h"

namespace gregor::log {
namespace {

constexpr int32_t max_sequence = std::numeric_limits<int32_t>::max();

// `next` follows `last` in a producer's sequence space (which wraps from INT32_MAX to 0).
bool in_sequence(int32_t last, int32_t next) {
  return static_cast<int64_t>(next) == static_cast<int64_t>(last) + 1 || (next == 0 && last == max_sequence);
}

// The checks and updates of one producer within one append (Kafka's ProducerAppendInfo). `before`
// is the producer's entry ahead of the append (its epoch decides whether any sequence goes);
// `updated` accumulates the append's batches.
class producer_append {
public:
  producer_append(const producer_entry* before, int64_t producer_id, append_origin origin)
      : _before_epoch(before ? before->epoch : no_producer_epoch),
        _updated(before ? *before : producer_entry(producer_id)),
        _origin(origin) {}

  const producer_entry& updated() const { return _updated; }
  producer_entry& updated() { return _updated; }

  result<void> append_data(const producer_batch_fields& b, std::vector<std::pair<int64_t, int64_t>>& started) {
    if (auto ok = check_epoch(b.producer_epoch); !ok) return ok;
    if (_origin == append_origin::client) {
      if (auto ok = check_sequence(b.producer_epoch, b.base_sequence); !ok) return ok;
    }
    _updated.add_batch(b.producer_epoch, producer_batch{.first_seq = b.base_sequence,
                                                        .last_seq = b.last_sequence(),
                                                        .last_offset = b.last_offset,
                                                        .offset_delta = static_cast<int32_t>(b.last_offset - b.first_offset),
                                                        .timestamp = b.max_timestamp});
    _updated.last_timestamp = b.max_timestamp;
    if (_updated.has_open_txn() && !b.transactional) return unexpected(make_error_code(errc::invalid_txn_state));
    if (!_updated.has_open_txn() && b.transactional) {
      _updated.current_txn_first_offset = b.first_offset;
      started.emplace_back(b.first_offset, b.producer_id);
    }
    return {};
  }

  result<std::optional<completed_txn>> append_marker(const producer_batch_fields& b, const txn_marker& m) {
    if (auto ok = check_epoch(b.producer_epoch); !ok) return unexpected(ok.error());
    if (_updated.coordinator_epoch > m.coordinator_epoch && _origin != append_origin::replication) {
      return unexpected(make_error_code(errc::coordinator_fenced));
    }
    // A marker of a transaction without data here affects neither the LSO nor the .txnindex.
    std::optional<completed_txn> done;
    if (_updated.has_open_txn()) {
      done = completed_txn{.producer_id = b.producer_id,
                           .first_offset = _updated.current_txn_first_offset,
                           .last_offset = b.first_offset,
                           .aborted = !m.commit};
    }
    _updated.maybe_update_epoch(b.producer_epoch);
    _updated.current_txn_first_offset = no_txn_offset;
    _updated.coordinator_epoch = m.coordinator_epoch;
    _updated.last_timestamp = b.max_timestamp;
    return done;
  }

private:
  // Kafka answers INVALID_PRODUCER_EPOCH (not PRODUCER_FENCED) since 2.7, so that the client
  // aborts and retries; a follower copies whatever the leader accepted.
  result<void> check_epoch(int16_t epoch) const {
    if (epoch < _updated.epoch && _origin != append_origin::replication) {
      return unexpected(make_error_code(errc::invalid_producer_epoch));
    }
    return {};
  }

  result<void> check_sequence(int16_t epoch, int32_t first_seq) const {
    if (epoch != _updated.epoch) {
      // A new epoch starts at sequence 0, unless the partition knows no epoch for the producer.
      if (first_seq != 0 && _updated.epoch != no_producer_epoch) {
        return unexpected(make_error_code(errc::out_of_order_sequence));
      }
      return {};
    }
    // No epoch before this append: the producer's state expired or was deleted with its data
    // (retention, DeleteRecords), so any sequence is accepted (KIP-360).
    if (_before_epoch == no_producer_epoch) return {};
    if (!in_sequence(_updated.last_seq(), first_seq)) return unexpected(make_error_code(errc::out_of_order_sequence));
    return {};
  }

  int16_t _before_epoch;
  producer_entry _updated;
  append_origin _origin;
};

} // namespace

int32_t producer_batch_fields::last_sequence() const {
  if (base_sequence < 0) return no_sequence;
  const int64_t last = static_cast<int64_t>(base_sequence) + (last_offset - first_offset);
  return static_cast<int32_t>(last > max_sequence ? last - max_sequence - 1 : last);
}

void producer_entry::maybe_update_epoch(int16_t new_epoch) {
  if (epoch == new_epoch) return;
  _count = 0;
  epoch = new_epoch;
}

void producer_entry::add_batch(int16_t batch_epoch, const producer_batch& b) {
  maybe_update_epoch(batch_epoch);
  if (_count == batches_retained) {
    std::move(_batches.begin() + 1, _batches.end(), _batches.begin());
    --_count;
  }
  _batches[_count++] = b;
}

std::optional<producer_batch> producer_entry::find_duplicate(int16_t batch_epoch, int32_t first_seq,
                                                             int32_t last_seq) const {
  if (batch_epoch != epoch) return std::nullopt;
  for (const auto& b : batches()) {
    if (b.first_seq == first_seq && b.last_seq == last_seq) return b;
  }
  return std::nullopt;
}

result<producer_append_plan> producer_state::analyze(std::span<const producer_batch_fields> batches,
                                                     append_origin origin) const {
  producer_append_plan plan;
  plan.end_offset = _map_end_offset;
  // Few producers per append (usually one): a vector searched linearly beats a map.
  std::vector<producer_append> appends;
  auto append_of = [&](int64_t producer_id) -> producer_append& {
    for (auto& a : appends) {
      if (a.updated().producer_id == producer_id) return a;
    }
    return appends.emplace_back(find(producer_id), producer_id, origin);
  };
  for (const auto& b : batches) {
    plan.end_offset = std::max(plan.end_offset, b.last_offset + 1);
    if (!b.has_producer_id()) continue;
    if (origin == append_origin::client && !b.control) {
      if (const producer_entry* known = find(b.producer_id)) {
        if (auto dup = known->find_duplicate(b.producer_epoch, b.base_sequence, b.last_sequence())) {
          producer_append_plan duplicate;
          duplicate.duplicate = dup;
          duplicate.end_offset = _map_end_offset;
          return duplicate;
        }
      }
    }
    auto& a = append_of(b.producer_id);
    if (b.control) {
      if (!b.marker) continue;
      auto done = a.append_marker(b, *b.marker);
      if (!done) return unexpected(done.error());
      if (*done) plan.completed.push_back(**done);
    } else {
      if (auto ok = a.append_data(b, plan.started); !ok) return unexpected(ok.error());
    }
  }
  plan.entries.reserve(appends.size());
  for (auto& a : appends) plan.entries.push_back(std::move(a.updated()));
  return plan;
}

std::vector<aborted_txn> producer_state::apply(producer_append_plan plan) {
  std::vector<aborted_txn> aborted;
  if (plan.duplicate) return aborted;
  for (auto& e : plan.entries) {
    const int64_t id = e.producer_id;
    _producers.insert_or_assign(id, std::move(e));
  }
  for (const auto& [first_offset, producer_id] : plan.started) _ongoing.emplace(first_offset, producer_id);
  for (const auto& done : plan.completed) {
    if (done.aborted) {
      // The LSO right after this marker: the first other transaction still open, else past it.
      int64_t lso = done.last_offset + 1;
      for (const auto& [first_offset, producer_id] : _ongoing) {
        if (producer_id != done.producer_id) {
          lso = first_offset;
          break;
        }
      }
      aborted.push_back({.producer_id = done.producer_id,
                         .first_offset = done.first_offset,
                         .last_offset = done.last_offset,
                         .last_stable_offset = lso});
    }
    _ongoing.erase(done.first_offset);
    _unreplicated.insert_or_assign(done.first_offset, unreplicated_txn{done.producer_id, done.last_offset});
  }
  _map_end_offset = std::max(_map_end_offset, plan.end_offset);
  return aborted;
}

std::optional<int64_t> producer_state::first_unstable_offset() const {
  std::optional<int64_t> first;
  if (!_ongoing.empty()) first = _ongoing.begin()->first;
  if (!_unreplicated.empty()) {
    const int64_t u = _unreplicated.begin()->first;
    first = first ? std::min(*first, u) : u;
  }
  return first;
}

void producer_state::on_high_watermark(int64_t high_watermark) {
  std::erase_if(_unreplicated, [&](const auto& kv) { return kv.second.last_offset < high_watermark; });
}

size_t producer_state::remove_expired(int64_t now_ms, int64_t expiration_ms) {
  return std::erase_if(_producers, [&](const auto& kv) {
    const producer_entry& e = kv.second;
    return !e.has_open_txn() && now_ms - e.last_timestamp >= expiration_ms;
  });
}

void producer_state::load(std::span<const producer_entry> entries, int64_t map_end_offset, int64_t now_ms,
                          int64_t expiration_ms) {
  clear(map_end_offset);
  for (const auto& e : entries) {
    if (expiration_ms > 0 && !e.has_open_txn() && now_ms - e.last_timestamp >= expiration_ms) continue;
    _producers.insert_or_assign(e.producer_id, e);
    if (e.has_open_txn()) _ongoing.emplace(e.current_txn_first_offset, e.producer_id);
  }
}

void producer_state::clear(int64_t map_end_offset) {
  _producers.clear();
  _ongoing.clear();
  _unreplicated.clear();
  _map_end_offset = map_end_offset;
}

const producer_entry* producer_state::find(int64_t producer_id) const {
  auto it = _producers.find(producer_id);
  return it == _producers.end() ? nullptr : &it->second;
}

std::vector<producer_entry> producer_state::entries() const {
  std::vector<producer_entry> out;
  out.reserve(_producers.size());
  for (const auto& [id, e] : _producers) out.push_back(e);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.producer_id < b.producer_id; });
  return out;
}

} // namespace gregor::log
