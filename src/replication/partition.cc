#include "gregor/replication/partition.h"

#include <algorithm>

#include "gregor/common/logger.h"
#include "gregor/log/partition_log.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/recompress.h"
#include "gregor/record/record.h"
#include "gregor/record/validate.h"
#include "gregor/replication/error_mapping.h"

namespace gregor::replication {

partition::partition(topic_partition tp, executor_type ex, int32_t self_id, clock& clk)
  : _tp(std::move(tp)), _executor(std::move(ex)), _self(self_id), _clock(clk) {}

error_code partition::apply_state(log::partition_log* log, const partition_state& state,
                                  const uuid& topic_id, const topic_config& config) {
  if (_log != nullptr && state.leader_epoch < _state.leader_epoch) {
    return error_code::stale_controller_epoch;
  }
  _log = log;
  _config = config;
  _state = state;
  if (!topic_id.is_zero()) _topic_id = topic_id;
  if (_state.leader == _self && _state.leader_epoch >= 0) {
    // Kafka's makeLeader: the new epoch starts at the current log end (leader-epoch-checkpoint).
    if (auto r = _log->assign_epoch_at_end(_state.leader_epoch); !r) {
      get_logger("replication")->error("{}: cannot record leader epoch {}: {}", _tp.to_string(), _state.leader_epoch,
                                       r.error().message());
    }
  }
  update_high_watermark();
  notify_waiters();  // fetches waiting on the old leader must re-check
  return error_code::none;
}

void partition::stop() {
  _log = nullptr;
  _state.leader = -1;
  notify_waiters();
}

void partition::update_high_watermark() {
  if (_log == nullptr) return;
  // The high watermark is the smallest log end offset among the ISR. Only this replica's log end
  // is known until follower fetching exists, so with an ISR of one it is our log end; with a larger
  // ISR it does not move past what followers confirmed (none yet).
  bool alone = _state.isr.size() == 1 && _state.isr[0] == _self;
  if (alone) {
    _high_watermark = _log->log_end_offset();
  } else {
    _high_watermark = std::clamp(_high_watermark, _log->log_start_offset(), _log->log_end_offset());
  }
}

error_code partition::check_leader_epoch(int32_t current_leader_epoch) const {
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
  auto appended = _log->append(records, _state.leader_epoch);
  if (!appended) {
    get_logger("replication")->error("append to {} failed: {}", _tp.to_string(), appended.error().message());
    out.error = error_code::kafka_storage_error;
    return out;
  }
  out.base_offset = appended->first_offset;
  out.last_offset = appended->last_offset;
  out.log_start_offset = _log->log_start_offset();
  update_high_watermark();
  notify_waiters();
  return out;
}

read_outcome partition::read(const read_request& req) {
  read_outcome out;
  if (!is_leader()) {
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  if (auto e = check_leader_epoch(req.current_leader_epoch); e != error_code::none) {
    out.error = e;
    return out;
  }
  if (req.down_conversion && !_config.message_downconversion_enable) {
    out.error = error_code::unsupported_version;  // Kafka's answer to an old fetcher
    return out;
  }
  int64_t log_start = _log->log_start_offset();
  int64_t log_end = _log->log_end_offset();
  out.high_watermark = _high_watermark;
  out.last_stable_offset = _high_watermark;
  out.log_start_offset = log_start;
  if (req.offset < log_start || req.offset > log_end) {
    out.error = error_code::offset_out_of_range;
    return out;
  }
  int64_t max_offset = req.replica_id >= 0 ? log_end : _high_watermark;
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
  out.records = std::move(data->records);
  return out;
}

offset_lookup partition::list_offset(int64_t timestamp, int32_t current_leader_epoch, bool from_consumer) {
  offset_lookup out;
  if (!is_leader()) {
    out.error = error_code::not_leader_or_follower;
    return out;
  }
  if (auto e = check_leader_epoch(current_leader_epoch); e != error_code::none) {
    out.error = e;
    return out;
  }
  out.leader_epoch = _state.leader_epoch;
  int64_t visible_end = from_consumer ? _high_watermark : _log->log_end_offset();
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
  _waiters.push_back(waiter);
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
