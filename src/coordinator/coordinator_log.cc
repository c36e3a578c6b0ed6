#include "coordinator_log.h"

#include <algorithm>

#include "gregor/common/logger.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/record.h"
#include "gregor/replication/replica_manager.h"

namespace gregor::coordinator_log {

namespace asio = boost::asio;

asio::awaitable<append_written> append_records(replication::replica_manager& replicas, topic_partition tp,
                                               const record_list& records, append_options options) {
  append_written out;
  if (records.empty()) co_return out;
  record::batch_builder builder(options.codec);
  for (const auto& [key, value] : records) {
    std::optional<bytes_view> v;
    if (value) v = bytes_view(*value);
    builder.add(options.timestamp_ms, bytes_view(key), v);
  }
  if (options.producer_id >= 0) {
    builder.set_producer(options.producer_id, options.producer_epoch, 0);
    builder.set_transactional(true);
  }
  replication::append_request req;
  req.coordinator_origin = options.producer_id >= 0;
  req.records = shared_bytes(builder.build());
  req.produce_version = 9;
  req.acks = options.acks;
  auto appended = co_await replicas.append(tp, std::move(req));
  out.error = appended.error;
  out.message = std::move(appended.error_message);
  out.last_offset = appended.last_offset;
  if (out.error == error_code::none && options.acks == -1) {
    std::vector<replication::replication_wait> write{{tp, appended.last_offset + 1, appended.leadership_term}};
    auto replicated = replicas.await_replication(std::move(write), options.timeout);  // named: GCC 12 and co_await
    auto outcomes = co_await std::move(replicated);
    out.error = outcomes.front();
  }
  co_return out;
}

error_code client_error(error_code appended, error_code too_large) {
  switch (appended) {
  case error_code::unknown_topic_or_partition:
  case error_code::not_enough_replicas:
  case error_code::not_enough_replicas_after_append:
  case error_code::request_timed_out:
    return error_code::coordinator_not_available;
  case error_code::not_leader_or_follower:
  case error_code::kafka_storage_error:
    return error_code::not_coordinator;
  case error_code::message_too_large:
  case error_code::record_list_too_large:
    return too_large;
  default:
    return appended;
  }
}

asio::awaitable<replay_summary> replay_partition(replication::replica_manager& replicas, topic_partition tp,
                                                 int32_t buffer_bytes, const replay_visitor& visitor) {
  replay_summary summary;
  int64_t offset = 0;
  bool first = true;
  for (;;) {
    if (visitor.still_wanted && !visitor.still_wanted()) {
      summary.abandoned = true;
      co_return summary;
    }
    replication::read_request rr;
    rr.offset = offset;
    rr.max_bytes = std::max(buffer_bytes, 1024);
    rr.min_one_batch = true;
    rr.to_log_end = true;
    auto out = co_await replicas.read(tp, rr);
    if (out.error == error_code::offset_out_of_range && first) {
      // Our first guess (0) is below the log start: begin there.
      auto start = co_await replicas.list_offset(tp, -2, -1, false);
      if (start.error == error_code::none && start.offset > offset) {
        offset = start.offset;
        first = false;
        continue;
      }
    }
    first = false;
    if (out.error != error_code::none) {
      summary.error = out.error;
      co_return summary;
    }
    if (out.records.empty()) break;
    bytes blob = out.records.linearize();
    int64_t next = offset;
    for (bytes_view batch : record::split_batches(blob)) {
      const auto header = record::parse_batch_header(batch);
      if (header && header->is_control()) {
        if (visitor.on_control) visitor.on_control(*header, batch);
        next = std::max(next, header->last_offset() + 1);
        continue;
      }
      auto decoded = record::decode_records(batch);
      if (!decoded || !header) {
        ++summary.undecodable_batches;
      } else {
        for (const auto& r : *decoded) {
          std::optional<bytes_view> key;
          std::optional<bytes_view> value;
          if (r.key) key = bytes_view(*r.key);
          if (r.value) value = bytes_view(*r.value);
          visitor.on_record(*header, key, value);
          ++summary.records;
        }
      }
      if (header) next = std::max(next, header->last_offset() + 1);
    }
    if (next <= offset) break;  // nothing whole came back (cannot happen with min_one_batch)
    offset = next;
  }
  co_return summary;
}

} // namespace gregor::coordinator_log
