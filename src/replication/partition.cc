#include "gregor/replication/partition.h"

#include <algorithm>
#include <exception>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "gregor/common/logger.h"
#include "gregor/log/errc.h"
#include "gregor/log/partition_log.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/control.h"
#include "gregor/record/recompress.h"
#include "gregor/record/record.h"
#include "gregor/record/validate.h"
#include "gregor/replication/error_mapping.h"
#include "gregor/replication/isr_store.h"

namespace gregor::replication {

namespace {

// A failed ISR write is retried (for the same partition epoch) no sooner than this.
constexpr int64_t isr_write_retry_backoff_ms = 1000;

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out;
}

} // namespace

partition::partition(topic_partition tp, executor_type ex, int32_t self_id, clock& clk)
  : _tp(std::move(tp)), _executor(std::move(ex)), _self(self_id), _clock(clk) {}

error_code partition::apply_state(log::partition_log* log, const partition_state& state,
                                  const uuid& topic_id, const topic_config& config) {
  if (_log != nullptr && state.leader_epoch < _state.leader_epoch) {
    return error_code::stale_controller_epoch;
  }
  if (_log != nullptr && state.leader_epoch == _state.leader_epoch && state.leader == _state.leader) {
    // Same leader epoch: the controller rewrote the ISR (or resent what we have). Kafka 3.x applies
    // it unless its partition epoch is older than ours (a leader-made ISR write may already have
    // moved ours past it).
    if (state.partition_epoch < _state.partition_epoch) return error_code::stale_controller_epoch;
    _config = config;
    if (!topic_id.is_zero()) _topic_id = topic_id;
    update_assignment(state);
    update_high_watermark();
    notify_waiters();
    return error_code::none;
  }
  const bool was_leader = is_leader();
  _log = log;
  _config = config;
  _state = state;
  if (!topic_id.is_zero()) _topic_id = topic_id;
  if (_state.leader == _self) {
    make_leader(was_leader);
  } else {
    make_follower();
  }
  update_high_watermark();
  notify_waiters();  // fetches and acks=all produces waiting on the old state must re-check
  return error_code::none;
}

void partition::make_leader(bool was_leader) {
  if (_state.leader_epoch >= 0) {
    // Kafka's makeLeader: the new epoch starts at the current log end (leader-epoch-checkpoint).
    if (auto r = _log->assign_epoch_at_end(_state.leader_epoch); !r) {
      get_logger("replication")->error("{}: cannot record leader epoch {}: {}", _tp.to_string(), _state.leader_epoch,
                                       r.error().message());
    }
  }
  _leader_epoch_start_offset = _log->log_end_offset();
  if (!was_leader) ++_leadership_term;
  reset_follower_states(was_leader);
  // A write proposed under the previous epoch is not ours to wait for any more (its result is
  // ignored: the leader epoch differs).
  _pending_isr.reset();
  ++_isr_write_generation;
  _failed_isr_write_epoch = -1;
}

void partition::make_follower() {
  _followers.clear();
  _pending_isr.reset();
  ++_isr_write_generation;
  _failed_isr_write_epoch = -1;
  _leader_epoch_start_offset = -1;
}

void partition::update_assignment(const partition_state& state) {
  _state.replicas = state.replicas;
  _state.isr = state.isr;
  _state.partition_epoch = state.partition_epoch;
  _state.controller_epoch = state.controller_epoch;
  if (!is_leader()) return;
  // Followers we already track keep their state; new replicas start unknown.
  const int64_t now = _clock.monotonic_ms();
  for (int32_t id : _state.replicas) {
    if (id == _self || _followers.contains(id)) continue;
    follower_state f;
    f.last_caught_up_time_ms = contains(_state.isr, id) ? now : 0;
    _followers.emplace(id, f);
  }
  std::erase_if(_followers, [this](const auto& entry) { return !contains(_state.replicas, entry.first); });
}

void partition::reset_follower_states(bool was_leader) {
  const int64_t now = _clock.monotonic_ms();
  const int64_t leader_end = _log->log_end_offset();
  std::map<int32_t, follower_state> next;
  for (int32_t id : _state.replicas) {
    if (id == _self) continue;
    const bool in_sync = contains(_state.isr, id);
    follower_state f;
    auto old = _followers.find(id);
    if (was_leader && old != _followers.end()) {
      // Re-elected (a new epoch while leading): the offsets we learned stay valid.
      f.log_end_offset = old->second.log_end_offset;
      f.last_fetch_leader_log_end_offset = leader_end;
      f.last_fetch_time_ms = in_sync ? now : 0;  // out-of-sync replicas must fetch before rejoining
    }
    // Followers in the ISR get the full lag before they can be removed; the others never
    // count as caught up until they fetch.
    f.last_caught_up_time_ms = in_sync ? now : 0;
    next.emplace(id, f);
  }
  _followers = std::move(next);
}

void partition::stop() {
  _log = nullptr;
  _state.leader = -1;
  _followers.clear();
  _pending_isr.reset();
  ++_isr_write_generation;
  _leader_epoch_start_offset = -1;
  notify_waiters();
}

void partition::update_high_watermark() {
  if (_log == nullptr) return;
  const int64_t before = _high_watermark;
  if (is_leader()) {
    // The smallest log end offset among the (maximal) ISR; an ISR member we have not heard from
    // yet (-1) holds it where it is.
    int64_t candidate = _log->log_end_offset();
    for (int32_t id : maximal_isr()) {
      if (id == _self) continue;
      auto it = _followers.find(id);
      candidate = std::min(candidate, it == _followers.end() ? int64_t{-1} : it->second.log_end_offset);
    }
    _high_watermark = std::max(_high_watermark, candidate);
  }
  _high_watermark = std::clamp(_high_watermark, _log->log_start_offset(), _log->log_end_offset());
  // Always (not only on a move): a log opened or rebuilt after a restart or a truncation holds
  // completed transactions that the unchanged high watermark already passed.
  _log->on_high_watermark(_high_watermark);
  if (_high_watermark != before) notify_waiters();
}

int64_t partition::last_stable_offset() const {
  if (_log == nullptr) return _high_watermark;
  auto first_unstable = _log->first_unstable_offset();
  return first_unstable ? std::min(*first_unstable, _high_watermark) : _high_watermark;
}

std::vector<int32_t> partition::maximal_isr() const {
  std::vector<int32_t> out = _state.isr;
  if (_pending_isr) {
    for (int32_t id : *_pending_isr) {
      if (!contains(out, id)) out.push_back(id);
    }
  }
  return out;
}

error_code partition::check_leader(int32_t current_leader_epoch) const {
  if (!is_leader()) return error_code::not_leader_or_follower;
  if (current_leader_epoch < 0) return error_code::none;
  if (current_leader_epoch < _state.leader_epoch) return error_code::fenced_leader_epoch;
  if (current_leader_epoch > _state.leader_epoch) return error_code::unknown_leader_epoch;
  return error_code::none;
}

append_outcome partition::append(const append_request& req) {
  append_outcome out;
  if (!is_leader()) {
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  if (req.acks == -1 && static_cast<int32_t>(_state.isr.size()) < _config.min_insync_replicas) {
    out.error = error_code::not_enough_replicas;
    return out;
  }
  int64_t now = _clock.now_ms();
  record::validation_limits limits;
  limits.max_batch_size = static_cast<size_t>(_config.log.max_message_bytes);
  limits.now_ms = now;
  limits.max_timestamp_difference_ms = _config.message_timestamp_difference_max_ms;
  limits.max_payload_size = static_cast<size_t>(_config.log.segment_bytes);
  limits.from_client = true;
  limits.single_batch = req.produce_version >= 3;
  limits.require_keys = _config.log.cleanup_policy.find("compact") != std::string::npos;
  auto batches = record::validate_batches(req.records.view(), limits);
  if (!batches) {
    out.error = to_kafka_error(batches.error());
    out.error_message = batches.error().message();
    return out;
  }
  for (const auto& b : *batches) {
    if (b.header.codec() == compression::codec::zstd && req.produce_version < 7) {
      out.error = error_code::unsupported_compression_type;
      out.error_message = "zstd-compressed batches need Produce v7 or later";
      return out;
    }
  }
  if (batches->empty()) {
    out.error = error_code::invalid_record;
    out.error_message = "no record batch in the partition's records";
    return out;
  }
  shared_bytes records = req.records;
  // Topic compression.type other than "producer": batches in another codec are re-encoded
  // (bounded decompression), then checked again (size limits apply to what is stored).
  if (auto target = compression::parse_codec_name(_config.compression_type)) {
    auto recompressed = record::recompress_batches(records.view(), *batches, *target, limits.max_uncompressed_size);
    if (!recompressed) {
      out.error = to_kafka_error(recompressed.error());
      out.error_message = recompressed.error().message();
      return out;
    }
    if (recompressed->has_value()) {
      records = shared_bytes(std::move(**recompressed));
      batches = record::validate_batches(records.view(), limits);
      if (!batches) {
        out.error = to_kafka_error(batches.error());
        out.error_message = batches.error().message();
        return out;
      }
    }
  }
  if (_config.message_timestamp_type == "LogAppendTime") {
    // The request's bytes are shared and immutable: stamp a copy (this topic setting is rare).
    bytes stamped(records.view().begin(), records.view().end());
    for (const auto& b : *batches) record::set_log_append_time(stamped.data() + b.position, now);
    records = shared_bytes(std::move(stamped));
    out.log_append_time = now;
  }
  append_to_log(records, req.coordinator_origin ? log::append_origin::coordinator : log::append_origin::client, out);
  return out;
}

void partition::append_to_log(const shared_bytes& records, log::append_origin origin, append_outcome& out) {
  auto appended = _log->append(records, _state.leader_epoch, origin);
  if (!appended) {
    if (auto refused = producer_error(appended.error())) {
      out.error = *refused;
      out.error_message = appended.error().message();
      return;
    }
    get_logger("replication")->error("append to {} failed: {}", _tp.to_string(), appended.error().message());
    out.error = error_code::kafka_storage_error;
    return;
  }
  out.base_offset = appended->first_offset;
  out.last_offset = appended->last_offset;
  out.leadership_term = _leadership_term;
  out.log_start_offset = _log->log_start_offset();
  if (appended->duplicate) {
    // A retry of a batch already in the log: answered with its offsets (and its stamp), and for
    // acks=all it waits for the original to be replicated.
    if (out.log_append_time >= 0) out.log_append_time = appended->max_timestamp;
    return;
  }
  update_high_watermark();
  notify_waiters();  // also: a marker may have moved the last stable offset
}

append_outcome partition::write_txn_marker(const txn_marker_request& marker) {
  append_outcome out;
  if (!is_leader()) {
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  // Markers are written with acks=-1: refused as a produce would be when the ISR is too small.
  if (static_cast<int32_t>(_state.isr.size()) < _config.min_insync_replicas) {
    out.error = error_code::not_enough_replicas;
    return out;
  }
  const record::end_txn_marker m{.type = marker.commit ? record::control_type::commit : record::control_type::abort,
                                 .coordinator_epoch = marker.coordinator_epoch};
  const shared_bytes batch(
      record::build_end_txn_marker_batch(marker.producer_id, marker.producer_epoch, m, _clock.now_ms()));
  append_to_log(batch, log::append_origin::coordinator, out);
  return out;
}

producers_outcome partition::describe_producers() const {
  producers_outcome out;
  if (_log == nullptr) {  // Kafka answers from any replica that has the log (followers included)
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  for (const auto& e : _log->producers().entries()) {
    active_producer p;
    p.producer_id = e.producer_id;
    p.producer_epoch = e.epoch;
    p.last_sequence = e.last_seq();
    p.last_timestamp = e.last_timestamp;
    p.coordinator_epoch = e.coordinator_epoch;
    p.current_txn_start_offset = e.current_txn_first_offset;
    out.producers.push_back(p);
  }
  return out;
}

read_outcome partition::read(const read_request& req) {
  read_outcome out;
  if (auto e = check_leader(req.current_leader_epoch); e != error_code::none) {
    out.error = e;
    return out;
  }
  if (req.down_conversion && !_config.message_downconversion_enable) {
    out.error = error_code::unsupported_version;  // Kafka's answer to an old fetcher
    return out;
  }
  const bool from_follower = req.replica_id >= 0;
  follower_state* follower = nullptr;
  if (from_follower) {
    auto it = _followers.find(req.replica_id);
    if (it == _followers.end()) {
      out.error = error_code::not_leader_or_follower;  // not a replica of this partition
      return out;
    }
    follower = &it->second;
  }
  const int64_t log_start = _log->log_start_offset();
  const int64_t log_end = _log->log_end_offset();
  out.high_watermark = _high_watermark;
  out.last_stable_offset = last_stable_offset();
  out.log_start_offset = log_start;
  if (from_follower && req.last_fetched_epoch >= 0) {
    // KIP-320: is (last_fetched_epoch, offset) a prefix of our log? Our answer for that epoch is
    // the largest epoch <= it and where that epoch ends here.
    auto ours = _log->end_offset_for_epoch(req.last_fetched_epoch);
    if (!ours || req.offset < log_start) {
      out.error = error_code::offset_out_of_range;
      return out;
    }
    if (ours->first < req.last_fetched_epoch || ours->second < req.offset) {
      out.diverging_epoch = ours;
      return out;
    }
  }
  if (req.offset < log_start || req.offset > log_end) {
    out.error = error_code::offset_out_of_range;
    return out;
  }
  if (follower != nullptr) {
    // The fetch offset is the follower's log end offset: it may move the high watermark (and
    // wake acks=all produces) and bring the follower back into the ISR.
    update_follower_fetch_state(*follower, req.offset, log_end, _clock.monotonic_ms());
    update_high_watermark();
    maybe_expand_isr(req.replica_id);
    out.high_watermark = _high_watermark;
    out.last_stable_offset = last_stable_offset();
  }
  const bool read_committed = req.read_committed && !from_follower && !req.to_log_end;
  const int64_t max_offset = from_follower || req.to_log_end ? log_end
                             : read_committed            ? out.last_stable_offset
                                                         : _high_watermark;
  if (req.offset >= max_offset || req.max_bytes <= 0) return out;
  auto data = _log->read(req.offset, static_cast<size_t>(req.max_bytes), max_offset, req.min_one_batch);
  if (!data) {
    // The log refuses offsets outside [start, end]; anything else is a storage problem.
    out.error = data.error() == std::errc::result_out_of_range ? error_code::offset_out_of_range
                                                                : error_code::kafka_storage_error;
    if (out.error == error_code::kafka_storage_error) {
      get_logger("replication")->error("read from {} failed: {}", _tp.to_string(), data.error().message());
    }
    return out;
  }
  if (read_committed && data->size > 0) {
    // Bounded by the last stable offset: the aborted transactions the returned data may hold.
    auto aborted = _log->collect_aborted_txns(req.offset, max_offset);
    if (!aborted) {
      get_logger("replication")->error("aborted transactions of {}: {}", _tp.to_string(), aborted.error().message());
      out.error = error_code::kafka_storage_error;
      return out;
    }
    out.aborted_transactions = std::move(*aborted);
  }
  out.records = std::move(data->records);
  return out;
}

offset_lookup partition::list_offset(int64_t timestamp, int32_t current_leader_epoch, bool from_consumer,
                                     bool read_committed) {
  offset_lookup out;
  if (auto e = check_leader(current_leader_epoch); e != error_code::none) {
    out.error = e;
    return out;
  }
  out.leader_epoch = _state.leader_epoch;
  const int64_t visible_end = !from_consumer ? _log->log_end_offset()
                              : read_committed ? last_stable_offset()
                                               : _high_watermark;
  if (timestamp == -1) {  // latest
    out.offset = visible_end;
  } else if (timestamp == -2) {  // earliest
    out.offset = _log->log_start_offset();
  } else if (timestamp >= 0) {
    if (auto found = find_record_by_timestamp(timestamp, visible_end)) {
      out.timestamp = found->first;
      out.offset = found->second;
    }
  } else {
    out.error = error_code::invalid_request;  // -3 (max timestamp) is not advertised yet
  }
  return out;
}

delete_records_outcome partition::delete_records(int64_t offset) {
  delete_records_outcome out;
  if (!is_leader()) {
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  if (_config.log.cleanup_policy.find("delete") == std::string::npos) {
    out.error = error_code::policy_violation;
    return out;
  }
  int64_t target = offset == -1 ? _high_watermark : offset;
  if (target < 0 || target > _high_watermark) {
    out.error = error_code::offset_out_of_range;
    return out;
  }
  out.low_watermark = _log->maybe_increment_log_start_offset(target);
  return out;
}

void partition::restore_high_watermark(int64_t high_watermark) {
  if (_log == nullptr) _high_watermark = std::max<int64_t>(high_watermark, 0);
}

std::optional<std::pair<int64_t, int64_t>> partition::find_record_by_timestamp(int64_t timestamp,
                                                                               int64_t visible_end) const {
  // The log's time index finds the first batch whose max timestamp reaches `timestamp`; Kafka
  // answers with the first RECORD at or after it, so walk that batch's records (and the next
  // batches, if compaction left the batch without such a record).
  auto found = _log->offset_for_timestamp(timestamp);
  if (!found) return std::nullopt;
  int64_t next = found->second;
  const int64_t first_visible = _log->log_start_offset();
  for (int batches = 0; batches < 1000 && next < visible_end; ++batches) {
    auto data = _log->read(next, 1, visible_end, true);
    if (!data || data->records.empty()) return std::nullopt;
    bytes flat = data->records.linearize();
    auto whole = record::split_batches(flat);
    if (whole.empty()) return std::nullopt;
    auto header = record::parse_batch_header(whole.front());
    if (!header) return std::nullopt;
    if (header->max_timestamp >= timestamp) {
      auto records = record::decode_records(whole.front());
      if (!records) return std::nullopt;
      for (const auto& r : *records) {
        if (r.offset >= first_visible && r.offset >= next && r.timestamp >= timestamp && r.offset < visible_end) {
          return std::pair{r.timestamp, r.offset};
        }
      }
    }
    next = header->last_offset() + 1;
  }
  return std::nullopt;
}

void partition::add_waiter(const std::shared_ptr<data_waiter>& waiter) {
  std::lock_guard lock(_waiters_mutex);
  // A waiter whose fetch ended (answered by another partition, or timed out) stays listed until
  // the next notify; an idle partition that followers long-poll gets none, so drop the expired
  // ones whenever the list doubles (amortised O(1); a weak_ptr keeps its make_shared block).
  if (_waiters.size() >= _waiters_prune_at) {
    std::erase_if(_waiters, [](const std::weak_ptr<data_waiter>& w) { return w.expired(); });
    _waiters_prune_at = std::max<size_t>(min_waiters_prune_at, 2 * _waiters.size());
  }
  _waiters.push_back(waiter);
}

size_t partition::listed_waiters() const {
  std::lock_guard lock(_waiters_mutex);
  return _waiters.size();
}

void partition::notify_waiters() {
  std::vector<std::weak_ptr<data_waiter>> waiting;
  {
    std::lock_guard lock(_waiters_mutex);
    waiting.swap(_waiters);
  }
  for (auto& w : waiting) {
    if (auto live = w.lock()) live->notify();
  }
}

void partition::update_config(const topic_config& config) {
  _config = config;
  if (_log != nullptr) _log->set_config(config.log);
}

} // namespace gregor::replication

// ---- replication (issue 6): acks=all, ISR changes, follower side ----
namespace gregor::replication {

void partition::set_replication(isr_store* store, replication_settings settings) {
  _isr_store = store;
  _replication = settings;
}

std::optional<error_code> partition::replication_status(int64_t required_offset, uint64_t leadership_term) const {
  if (!is_leader() || leadership_term != _leadership_term) return error_code::not_leader_or_follower;
  if (_high_watermark < required_offset) return std::nullopt;
  // Kafka's checkEnoughReplicasReachOffset counts the maximal ISR.
  if (static_cast<int32_t>(maximal_isr().size()) < _config.min_insync_replicas) {
    return error_code::not_enough_replicas_after_append;
  }
  return error_code::none;
}

offset_for_epoch partition::offset_for_leader_epoch(int32_t current_leader_epoch, int32_t leader_epoch) const {
  offset_for_epoch out;
  if (auto e = check_leader(current_leader_epoch); e != error_code::none) {
    out.error = e;
    return out;
  }
  if (auto found = _log->end_offset_for_epoch(leader_epoch)) {
    out.leader_epoch = found->first;
    out.end_offset = found->second;
  }
  return out;
}

// --- leader: follower tracking and ISR changes ---

void partition::update_follower_fetch_state(follower_state& f, int64_t fetch_offset, int64_t leader_end,
                                            int64_t now_ms) {
  // Kafka's lastCaughtUpTimeMs rule: caught up now when the fetch reached our log end; caught up
  // as of the previous fetch when this one reached what our log end was back then.
  if (fetch_offset >= leader_end) {
    f.last_caught_up_time_ms = std::max(f.last_caught_up_time_ms, now_ms);
  } else if (f.last_fetch_leader_log_end_offset >= 0 && fetch_offset >= f.last_fetch_leader_log_end_offset) {
    f.last_caught_up_time_ms = std::max(f.last_caught_up_time_ms, f.last_fetch_time_ms);
  }
  f.log_end_offset = fetch_offset;
  f.last_fetch_leader_log_end_offset = leader_end;
  f.last_fetch_time_ms = now_ms;
}

void partition::maybe_shrink_isr() {
  if (!is_leader() || _isr_store == nullptr || _pending_isr) return;
  const int64_t now = _clock.monotonic_ms();
  if (_failed_isr_write_epoch == _state.partition_epoch && now - _failed_isr_write_ms < isr_write_retry_backoff_ms) {
    return;
  }
  const int64_t leader_end = _log->log_end_offset();
  std::vector<int32_t> new_isr;
  std::string out_of_sync;
  for (int32_t id : _state.isr) {
    if (id == _self) {
      new_isr.push_back(id);
      continue;
    }
    auto it = _followers.find(id);
    const bool lagging = it == _followers.end() ||
                         (it->second.log_end_offset != leader_end &&
                          now - it->second.last_caught_up_time_ms > _replication.replica_lag_time_max_ms);
    if (!lagging) {
      new_isr.push_back(id);
      continue;
    }
    if (!out_of_sync.empty()) out_of_sync += ' ';
    std::string end = it == _followers.end() ? std::string("unknown") : std::to_string(it->second.log_end_offset);
    out_of_sync += "(brokerId: " + std::to_string(id) + ", endOffset: " + end + ")";
  }
  if (new_isr.size() == _state.isr.size()) return;
  get_logger("replication")->info(
      "[Partition {} broker={}] Shrinking ISR from {} to {}. Leader: (highWatermark: {}, endOffset: {}). "
      "Out of sync replicas: {}.",
      _tp.to_string(), _self, join_ids(_state.isr), join_ids(new_isr), _high_watermark, leader_end, out_of_sync);
  propose_isr(std::move(new_isr));
}

void partition::maybe_expand_isr(int32_t replica) {
  if (!is_leader() || _isr_store == nullptr || _pending_isr) return;
  if (!contains(_state.replicas, replica) || contains(_state.isr, replica)) return;
  auto it = _followers.find(replica);
  if (it == _followers.end()) return;
  // Kafka's isFollowerInSync: at or past the high watermark and past the start of our epoch (so
  // it holds everything this leader wrote).
  const int64_t end = it->second.log_end_offset;
  if (end < _high_watermark || _leader_epoch_start_offset < 0 || end < _leader_epoch_start_offset) return;
  const int64_t now = _clock.monotonic_ms();
  if (_failed_isr_write_epoch == _state.partition_epoch && now - _failed_isr_write_ms < isr_write_retry_backoff_ms) {
    return;
  }
  std::vector<int32_t> new_isr = _state.isr;
  new_isr.push_back(replica);
  get_logger("replication")->info("[Partition {} broker={}] Expanding ISR from {} to {}", _tp.to_string(), _self,
                                  join_ids(_state.isr), join_ids(new_isr));
  propose_isr(std::move(new_isr));
}

// Awaits one isr_store write, then hands the result to the partition. Spawned on the partition's
// strand, so complete_isr_write runs there too. A named coroutine (not a lambda): see STYLE's GCC
// 12 note.
struct isr_write_runner {
  static boost::asio::awaitable<void> run(std::shared_ptr<partition> self, isr_store* store, isr_write w,
                                          uint64_t generation) {
    const int32_t leader_epoch = w.state.leader_epoch;
    const std::vector<int32_t> new_isr = w.state.isr;
    result<int32_t> written = unexpected(std::make_error_code(std::errc::operation_canceled));
    try {
      auto op = store->write_isr(std::move(w));
      written = co_await std::move(op);
    } catch (const std::exception& e) {
      // The store reports errors as values; this only keeps the partition from waiting forever.
      get_logger("replication")->error("ISR write for {} threw: {}", self->tp().to_string(), e.what());
    }
    self->complete_isr_write(generation, leader_epoch, new_isr, written);
  }
};

void partition::propose_isr(std::vector<int32_t> new_isr) {
  if (_isr_store == nullptr) return;  // nothing is written; the ISR stays
  isr_write w;
  w.tp = _tp;
  w.state = _state;
  w.state.isr = new_isr;
  w.expected_zk_version = _state.partition_epoch;
  _pending_isr = std::move(new_isr);
  const uint64_t generation = ++_isr_write_generation;
  boost::asio::co_spawn(_executor, isr_write_runner::run(shared_from_this(), _isr_store, std::move(w), generation),
                        boost::asio::detached);
}

void partition::complete_isr_write(uint64_t generation, int32_t leader_epoch, const std::vector<int32_t>& new_isr,
                                   const result<int32_t>& written) {
  if (generation == _isr_write_generation) _pending_isr.reset();
  auto logger = get_logger("replication");
  if (!written) {
    logger->warn("[Partition {} broker={}] Failed to update ISR to {} at zkVersion {}: {}. Keeping ISR {} until "
                 "the controller's next LeaderAndIsr",
                 _tp.to_string(), _self, join_ids(new_isr), _state.partition_epoch, written.error().message(),
                 join_ids(_state.isr));
    if (_state.leader_epoch == leader_epoch) {
      _failed_isr_write_epoch = _state.partition_epoch;
      _failed_isr_write_ms = _clock.monotonic_ms();
    }
  } else {
    // The znode changed whatever happened here meanwhile: the controller must re-read it.
    if (_isr_store != nullptr) _isr_store->notify_isr_changed(_tp);
    if (is_leader() && _state.leader_epoch == leader_epoch && *written > _state.partition_epoch) {
      logger->info("[Partition {} broker={}] ISR updated to {} and zkVersion updated to {}", _tp.to_string(), _self,
                   join_ids(new_isr), *written);
      _state.isr = new_isr;
      _state.partition_epoch = *written;
    } else {
      logger->info("[Partition {} broker={}] ISR write to {} (zkVersion {}) done after the state moved on "
                   "(leader epoch now {}); not applied",
                   _tp.to_string(), _self, join_ids(new_isr), *written, _state.leader_epoch);
    }
  }
  update_high_watermark();
  notify_waiters();  // acks=all produces re-check the ISR size
}

// --- follower side ---

std::optional<follower_position> partition::position_for_fetch() const {
  if (_log == nullptr || _state.leader < 0 || _state.leader == _self) return std::nullopt;
  follower_position p;
  p.leader = _state.leader;
  p.leader_epoch = _state.leader_epoch;
  p.fetch_offset = _log->log_end_offset();
  p.last_fetched_epoch = _log->latest_epoch().value_or(-1);
  p.log_start_offset = _log->log_start_offset();
  return p;
}

error_code partition::append_from_leader(const leader_fetch_data& data) {
  if (_log == nullptr || _state.leader < 0 || _state.leader == _self) return error_code::none;
  if (data.leader_epoch != _state.leader_epoch || data.fetch_offset != _log->log_end_offset()) {
    return error_code::none;  // sent before a state change or a truncation: stale
  }
  if (!data.records.empty()) {
    auto appended = _log->append_as_follower(data.records);
    if (!appended && appended.error() == log::errc::offset_out_of_order) {
      // An empty log started inside the leader's first batch (the leader's log start was moved
      // into a batch by DeleteRecords, and we started over there): Kafka's answer is to start
      // the log at that batch's base offset and take the whole batch.
      const int64_t leo = _log->log_end_offset();
      auto first = record::parse_batch_header(data.records.view());
      if (leo == _log->log_start_offset() && first && first->base_offset < leo && first->last_offset() >= leo) {
        get_logger("replication")->info("[Partition {} broker={}] empty log at {} lies inside the leader's batch "
                                        "{}-{}; restarting the log at {}",
                                        _tp.to_string(), _self, leo, first->base_offset, first->last_offset(),
                                        first->base_offset);
        if (auto restarted = _log->truncate_fully_and_start_at(first->base_offset); !restarted) {
          appended = unexpected(restarted.error());
        } else {
          appended = _log->append_as_follower(data.records);
          if (appended) _log->maybe_increment_log_start_offset(leo);
        }
      }
    }
    if (!appended) {
      const std::error_code e = appended.error();
      get_logger("replication")->error("[Partition {} broker={}] follower append at {} failed: {}", _tp.to_string(),
                                       _self, data.fetch_offset, e.message());
      if (e == log::errc::invalid_batch || e == log::errc::offset_out_of_order || e == log::errc::corrupt_log) {
        return error_code::corrupt_message;
      }
      return error_code::kafka_storage_error;
    }
  }
  if (data.log_start_offset > _log->log_start_offset()) _log->maybe_increment_log_start_offset(data.log_start_offset);
  const int64_t before = _high_watermark;
  if (data.high_watermark >= 0) {
    _high_watermark = std::clamp(data.high_watermark, _log->log_start_offset(), _log->log_end_offset());
  } else {
    _high_watermark = std::clamp(_high_watermark, _log->log_start_offset(), _log->log_end_offset());
  }
  _log->on_high_watermark(_high_watermark);
  if (_high_watermark != before) notify_waiters();
  return error_code::none;
}

result<int64_t> partition::truncate_on_divergence(int32_t leader_epoch, int32_t diverging_epoch, int64_t end_offset) {
  if (_log == nullptr) return unexpected(make_error_code(log::errc::log_closed));
  const int64_t leo = _log->log_end_offset();
  if (_state.leader < 0 || _state.leader == _self || leader_epoch != _state.leader_epoch) return leo;  // stale
  if (diverging_epoch < 0 || end_offset < 0) return leo;  // undefined: nothing to cut against
  // KIP-279: where `diverging_epoch` (or our largest epoch below it) ends here, bounded by where
  // it ends on the leader. An epoch we lack gives an intermediate point; the next fetch, with
  // the new last_fetched_epoch, refines it.
  int64_t target = std::min(end_offset, leo);
  if (auto ours = _log->end_offset_for_epoch(diverging_epoch)) target = std::min(target, ours->second);
  target = std::max(target, _log->log_start_offset());
  if (target < leo) {
    get_logger("replication")->info(
        "[Partition {} broker={}] Truncating to offset {}: the leader's epoch {} ends at {} (our log end offset {})",
        _tp.to_string(), _self, target, diverging_epoch, end_offset, leo);
  }
  // Also at target == leo: it drops an epoch we began at the log end without writing (we led
  // briefly), which would otherwise be our last fetched epoch, diverging again on every fetch.
  if (auto r = _log->truncate_to(target); !r) {
    get_logger("replication")->error("[Partition {} broker={}] truncation to {} failed: {}", _tp.to_string(), _self,
                                     target, r.error().message());
    return unexpected(r.error());
  }
  update_high_watermark();
  return _log->log_end_offset();
}

error_code partition::handle_out_of_range(int32_t leader_epoch, int64_t leader_log_start, int64_t leader_log_end) {
  if (_log == nullptr || _state.leader < 0 || _state.leader == _self || leader_epoch != _state.leader_epoch) {
    return error_code::none;
  }
  auto logger = get_logger("replication");
  const int64_t leo = _log->log_end_offset();
  result<void> done;
  if (leader_log_end >= 0 && leader_log_end < leo) {
    // Our log runs past the leader's (an unclean election): drop what the leader never had.
    logger->warn("[Partition {} broker={}] Log end offset {} is above the leader's {} at leader epoch {}; truncating",
                 _tp.to_string(), _self, leo, leader_log_end, leader_epoch);
    done = _log->truncate_to(leader_log_end);
  } else if (leader_log_start > leo) {
    // The leader deleted what we would fetch next: start over at its log start.
    logger->info("[Partition {} broker={}] Log end offset {} is below the leader's log start offset {}; restarting "
                 "the log there",
                 _tp.to_string(), _self, leo, leader_log_start);
    done = _log->truncate_fully_and_start_at(leader_log_start);
    if (done) _high_watermark = leader_log_start;
  } else {
    // Our log end is within the leader's range now (it moved meanwhile, or the leader answered
    // out of range for another reason): nothing to reset. Report it, so that the fetcher backs
    // off instead of asking again at once.
    return error_code::offset_out_of_range;
  }
  if (!done) {
    logger->error("[Partition {} broker={}] out-of-range recovery failed: {}", _tp.to_string(), _self,
                  done.error().message());
    return error_code::kafka_storage_error;
  }
  update_high_watermark();
  return error_code::none;
}

} // namespace gregor::replication
