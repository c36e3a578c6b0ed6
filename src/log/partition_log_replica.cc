// Follower-side operations of partition_log (issue 6): append_as_follower, truncate_to,
// truncate_fully_and_start_at. Same threading contract as the rest of the log: one owner.
#include <algorithm>
#include <limits>
#include <vector>

#include "batch_view.h"
#include "file_util.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/logger.h"
#include "gregor/log/errc.h"
#include "gregor/log/partition_log.h"
#include "gregor/log/segment.h"
#include "producer_batches.h"

namespace gregor::log {
namespace {

// One batch of a follower append, checked and located in the caller's buffer.
struct leader_batch {
  size_t position;
  size_t size;
  int64_t base_offset;
  int64_t last_offset;
  int64_t max_timestamp;
  int32_t leader_epoch;
  detail::entry_header header;
};

// Walks `data` as back-to-back magic-2 batches, checking each header, its CRC-32C and that offsets
// increase from `log_end_offset` on. Nothing is written before every batch passed.
result<std::vector<leader_batch>> check_leader_batches(bytes_view data, int64_t log_end_offset) {
  std::vector<leader_batch> out;
  int64_t next_allowed = log_end_offset;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t rest = data.size() - pos;
    if (rest < detail::v2_header_size) return unexpected(make_error_code(errc::invalid_batch));
    auto h = detail::decode_entry_header(data.subspan(pos, detail::v2_header_size));
    if (!h || h->magic != 2 || h->total_size() > rest) return unexpected(make_error_code(errc::invalid_batch));
    const auto size = static_cast<size_t>(h->total_size());
    if (crc32c(data.subspan(pos + detail::v2_crc_start, size - detail::v2_crc_start)) != h->crc) {
      return unexpected(make_error_code(errc::invalid_batch));
    }
    // decode_entry_header guarantees last_offset_delta >= 0; guard the sum against overflow.
    if (h->offset < next_allowed || h->offset > std::numeric_limits<int64_t>::max() - h->last_offset_delta - 1) {
      return unexpected(make_error_code(errc::offset_out_of_order));
    }
    out.push_back({pos, size, h->first_offset(), h->last_offset(), h->max_timestamp, h->partition_leader_epoch, *h});
    next_allowed = h->last_offset() + 1;
    pos += size;
  }
  if (out.empty()) return unexpected(make_error_code(errc::invalid_batch));
  return out;
}

} // namespace

result<append_result> partition_log::append_as_follower(shared_bytes batches) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  const bytes_view data = batches.view();
  auto checked = check_leader_batches(data, _log_end_offset);
  if (!checked) return unexpected(checked.error());
  const std::vector<leader_batch>& all = *checked;

  append_result total_out;
  total_out.first_offset = all.front().base_offset;
  total_out.last_offset = all.back().last_offset;
  std::optional<int32_t> latest_epoch = _epochs.latest_epoch();
  const auto segment_bytes = static_cast<uint64_t>(std::max<int64_t>(_cfg.segment_bytes, 0));

  // Batches go to the active segment in runs that fill it exactly as batch-by-batch appends would
  // (§6 size rule per batch; the time and index-full rules per run, as Kafka applies them per
  // append). Each run is one contiguous piece of the leader's bytes, written unchanged.
  size_t i = 0;
  while (i < all.size()) {
    uint64_t used = active().size();
    if (used > 0 && used + all[i].size > segment_bytes) used = 0;  // write_batches rolls first
    append_result run;
    run.first_offset = all[i].base_offset;
    uint64_t run_bytes = 0;
    std::vector<epoch_entry> epoch_starts;
    std::vector<producer_batch_fields> producer_batches;
    size_t j = i;
    while (j < all.size()) {
      const leader_batch& b = all[j];
      if (j > i && (used + run_bytes + b.size > segment_bytes ||
                    b.last_offset - run.first_offset > std::numeric_limits<int32_t>::max())) {
        break;
      }
      if (b.max_timestamp > run.max_timestamp) {
        run.max_timestamp = b.max_timestamp;
        run.offset_of_max_timestamp = b.last_offset;
      }
      if (b.leader_epoch >= 0 && (!latest_epoch || b.leader_epoch > *latest_epoch)) {
        epoch_starts.push_back({b.leader_epoch, b.base_offset});
        latest_epoch = b.leader_epoch;
      }
      if (b.header.producer_id >= 0) {
        producer_batches.push_back(
            detail::producer_fields(b.header, b.base_offset, b.last_offset, data.subspan(b.position, b.size)));
      }
      run.last_offset = b.last_offset;
      run_bytes += b.size;
      ++j;
    }
    if (run.offset_of_max_timestamp < 0) run.offset_of_max_timestamp = run.first_offset;
    const bytes_view piece = data.subspan(all[i].position, run_bytes);
    // A failure after earlier runs were written leaves them in the log (LEO tells how far it got).
    if (auto r = write_batches(run, static_cast<int64_t>(run_bytes), std::span(&piece, 1), epoch_starts); !r) {
      return unexpected(r.error());
    }
    // The leader accepted these batches: nothing is refused, but the follower keeps the same
    // producer state so that it deduplicates as the leader did once it leads. Batch by batch, so
    // that one the state cannot take (logged) does not cost the others their update.
    for (const auto& fields : producer_batches) {
      auto plan = _producers.analyze(std::span(&fields, 1), append_origin::replication);
      if (!plan) {
        get_logger("log")->warn("{}: producer state ignores the batch at offset {}: {}", _dir.string(),
                                fields.first_offset, plan.error().message());
        continue;
      }
      if (auto r = apply_producer_plan(std::move(*plan)); !r) return unexpected(r.error());
    }
    _producers.set_map_end_offset(std::max(_producers.map_end_offset(), _log_end_offset));
    if (auto r = apply_flush_policy(); !r) return unexpected(r.error());
    if (run.max_timestamp > total_out.max_timestamp) {
      total_out.max_timestamp = run.max_timestamp;
      total_out.offset_of_max_timestamp = run.offset_of_max_timestamp;
    }
    i = j;
  }
  if (total_out.offset_of_max_timestamp < 0) total_out.offset_of_max_timestamp = total_out.first_offset;
  total_out.log_start_offset = _log_start_offset;
  return total_out;
}

result<void> partition_log::truncate_to(int64_t offset) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  if (offset >= _log_end_offset) {
    // No record to cut, but an epoch this replica began at the log end without writing anything
    // (it led briefly, then lost leadership) must go: its next fetch would name that epoch as the
    // last fetched one, and the leader would answer the same divergence again and again.
    if (_epochs.truncate_from_end(_log_end_offset)) persist_epochs();
    return {};
  }
  if (offset < _log_start_offset) return truncate_fully_and_start_at(offset);
  auto holder = _segments.upper_bound(offset);
  if (holder == _segments.begin()) return truncate_fully_and_start_at(offset);  // no segment holds it
  --holder;
  auto logger = get_logger("log");
  logger->info("{}: truncating from log end offset {} to {}", _dir.string(), _log_end_offset, offset);

  // Later segments first, newest first: an interruption (crash) leaves a prefix of the old log.
  int64_t removed_from = _log_end_offset;
  while (std::prev(_segments.end()) != holder) {
    auto node = _segments.extract(std::prev(_segments.end()));
    removed_from = node.key();
    remove_segment_now(std::move(node.mapped()));
  }
  if (auto r = detail::fsync_dir(_dir); !r) logger->warn("{}: fsync of the dir: {}", _dir.string(), r.error().message());

  auto cut = holder->second->truncate_to(offset, _clk.now_ms());
  // On failure the holder still has all its batches, which end below `removed_from`.
  const int64_t new_end = !cut ? std::min(_log_end_offset, removed_from) : *cut ? std::min(offset, **cut) : offset;
  if (cut && new_end < _log_start_offset) {
    // The batch holding `offset` began below the log start (DeleteRecords inside it): nothing
    // readable remains.
    return truncate_fully_and_start_at(_log_start_offset);
  }
  _log_end_offset = new_end;
  _recovery_point = std::min(_recovery_point, new_end);
  // After the log: a crash in between leaves entries past the end, which open() trims.
  if (_epochs.truncate_from_end(new_end)) persist_epochs();
  if (!cut) return unexpected(cut.error());
  // The state of the remaining log: the newest snapshot at or below the new end, then a replay.
  return rebuild_producer_state(new_end);
}

result<void> partition_log::truncate_fully_and_start_at(int64_t offset) {
  if (_closed) return unexpected(make_error_code(errc::log_closed));
  if (offset < 0) return unexpected(std::make_error_code(std::errc::invalid_argument));
  get_logger("log")->info("{}: truncating fully (log end offset {}) and starting at {}", _dir.string(), _log_end_offset,
                          offset);
  auto r = reset_to_empty(offset);
  if (_segments.empty()) {
    // No segment could be created: the log cannot take another call safely.
    get_logger("log")->error("{}: cannot start an empty log at {}: {}", _dir.string(), offset, r.error().message());
    _closed = true;
    return r;
  }
  _log_start_offset = offset;
  _recovery_point = offset;
  persist_epochs();
  return r;
}

} // namespace gregor::log
