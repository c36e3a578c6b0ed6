// Fetch (key 1): read from each partition's leader log (record data goes out as file slices, sent
// with sendfile), long-polling up to max_wait_ms until min_bytes are available.
// Fetch sessions (v7+): this broker creates none; it answers every fetch in full with session id 0,
// which clients accept (they keep sending full fetches), and refuses ids it never issued.
// Old fetchers (record_conversion.h): v0-1 read magic 0 and v2-3 magic 1, so their data is read
// into memory and down-converted (refused with UNSUPPORTED_VERSION per partition when the topic's
// message.downconversion.enable, default log.message.downconversion.enable, is false); v4-9 cannot read zstd, so their data is cut
// before the first zstd batch, and a partition whose data starts with one gets
// UNSUPPORTED_COMPRESSION_TYPE.
// Replica fetches (replica_id >= 0, from a follower broker's replica fetcher) read up to the
// leader's log end and get the stored batches as they are: no down-conversion, no zstd cut, no
// isolation. From v12 they carry last_fetched_epoch; a follower whose log diverged from ours gets
// diverging_epoch (epoch, end offset) instead of records (KIP-320), which ends a long poll at once.

#include <chrono>

#include <boost/asio/this_coro.hpp>

#include "gregor/config/broker_config.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"
#include "record_conversion.h"

namespace gregor::server {
namespace {

using protocol::error_code;
using topic_response = protocol::fetch_response::fetchable_topic_response;

struct fetch_handler {
  using request = protocol::fetch_request;
  using response = protocol::fetch_response;
  static constexpr int16_t api_key = 1;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 17;

  static int32_t replica_id_of(const request& req, int16_t v) {
    return v >= 15 ? req.replica_state.replica_id : req.replica_id;
  }

  // One pass over every requested partition. Returns the bytes gathered; `respond_now` tells whether a
  // partition failed or a follower's log diverged (either ends the long poll at once, as in Kafka).
  static asio::awaitable<size_t> read_all(request_context& ctx, const request& req, response& resp,
                                          const std::shared_ptr<replication::data_waiter>& waiter, bool& respond_now) {
    auto& svc = ctx.services;
    int16_t v = ctx.version();
    auto snap = svc.metadata->snapshot();
    int32_t replica_id = replica_id_of(req, v);
    bool from_follower = replica_id >= 0;
    size_t budget = v >= 3 ? static_cast<size_t>(std::max(0, req.max_bytes)) : SIZE_MAX;
    size_t total = 0;
    bool first_with_data = true;
    resp.responses.clear();
    respond_now = false;
    for (const auto& ft : req.topics) {
      auto& tr = resp.responses.emplace_back();
      tr.topic = ft.topic;
      tr.topic_id = ft.topic_id;
      std::string name = ft.topic;
      bool unknown_id = false;
      if (v >= 13) {
        const auto* n = snap->topic_name_for(ft.topic_id);
        if (n == nullptr) {
          unknown_id = true;
        } else {
          name = *n;
        }
      }
      for (const auto& fp : ft.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = fp.partition;
        pr.records.emplace();  // empty, never null: clients cannot parse a null record set
        pr.high_watermark = -1;
        pr.last_stable_offset = -1;
        pr.log_start_offset = -1;
        if (unknown_id) {
          pr.error_code = code(error_code::unknown_topic_id);
          respond_now = true;
          continue;
        }
        auto part = svc.replicas->get({name, fp.partition});
        if (!part) {
          pr.error_code = code(snap->find_partition(name, fp.partition) ? error_code::not_leader_or_follower
                                                                          : error_code::unknown_topic_or_partition);
          respond_now = true;
          continue;
        }
        if (waiter) part->add_waiter(waiter);
        replication::read_request rr;
        rr.offset = fp.fetch_offset;
        size_t limit = std::min<size_t>(static_cast<size_t>(std::max(0, fp.partition_max_bytes)), budget - total);
        rr.max_bytes = static_cast<int32_t>(std::min<size_t>(limit, INT32_MAX));
        rr.min_one_batch = v >= 3 && first_with_data;
        rr.replica_id = replica_id;
        rr.current_leader_epoch = fp.current_leader_epoch;
        rr.last_fetched_epoch = v >= 12 ? fp.last_fetched_epoch : -1;
        // The topic's message.downconversion.enable decides for consumers; followers never convert.
        rr.down_conversion = v <= 3 && !from_follower;
        rr.read_committed = v >= 4 && req.isolation_level == 1 && !from_follower;
        topic_partition tp{name, fp.partition};
        replication::read_outcome out;
        if (rr.down_conversion) {
          out = co_await read_downconverted(ctx, tp, rr, limit, first_with_data);
        } else {
          out = co_await svc.replicas->read(tp, rr);
          if (v < 10 && !from_follower && out.error == error_code::none) cut_before_zstd(out);
        }
        pr.error_code = code(out.error);
        pr.high_watermark = out.high_watermark;
        pr.last_stable_offset = out.last_stable_offset;
        pr.log_start_offset = out.log_start_offset;
        if (rr.read_committed) {
          auto& aborted = pr.aborted_transactions.emplace();
          for (const auto& a : out.aborted_transactions) {
            auto& entry = aborted.emplace_back();
            entry.producer_id = a.producer_id;
            entry.first_offset = a.first_offset;
          }
        } else {
          pr.aborted_transactions.reset();  // null for read_uncommitted, as Kafka sends it
        }
        if (out.error != error_code::none) {
          respond_now = true;
          continue;
        }
        if (out.diverging_epoch) {
          // Only a v12+ follower fetch (last_fetched_epoch >= 0) can diverge; it gets no records.
          pr.diverging_epoch.epoch = out.diverging_epoch->first;
          pr.diverging_epoch.end_offset = out.diverging_epoch->second;
          respond_now = true;
          continue;
        }
        total += out.records.size();
        if (!out.records.empty()) first_with_data = false;
        pr.records = std::move(out.records);
      }
    }
    co_return total;
  }

  // Fetch v0-3: reads log data and down-converts it (v0-1: magic 0, v2-3: magic 1) within `limit`
  // bytes. v0-2 treat the limit as hard (no oversized first message: a partial one instead, from
  // which old clients learn that their fetch size is too small); v3 returns the first message
  // whole when this is the first partition with data. Data that converts to nothing (transaction
  // markers, emptied batches) is skipped by reading on from the offset after it, a few times at
  // most, so that an old consumer is not stuck at an offset it cannot see.
  static asio::awaitable<replication::read_outcome> read_downconverted(request_context& ctx, topic_partition tp,
                                                                       replication::read_request rr, size_t limit,
                                                                       bool first_with_data) {
    constexpr int max_skips = 8;
    // The converted data is held in memory: bound what one partition reads for it.
    constexpr size_t max_read = 32 << 20;
    int16_t v = ctx.version();
    int64_t fetch_offset = rr.offset;
    bool min_one = v >= 3 && first_with_data;
    bool hard_limit = v <= 2;
    rr.max_bytes = static_cast<int32_t>(std::min(limit, max_read));
    // Read the first batch even when it exceeds the limit: v3 may return it whole, v0-2 a prefix.
    rr.min_one_batch = min_one || hard_limit;
    int8_t magic = legacy_magic_for_fetch(v);
    replication::read_outcome first;
    for (int attempt = 0; attempt <= max_skips; ++attempt) {
      auto out = co_await ctx.services.replicas->read(tp, rr);
      if (attempt == 0) {
        first.error = out.error;
        first.high_watermark = out.high_watermark;
        first.last_stable_offset = out.last_stable_offset;
        first.log_start_offset = out.log_start_offset;
      }
      if (out.error != error_code::none) {
        // A later attempt failing (leadership moved meanwhile) just ends the skipping.
        if (attempt == 0) first.error = out.error;
        break;
      }
      auto converted = downconvert_fetched(out.records, magic, fetch_offset, limit, min_one, hard_limit);
      if (converted.error != error_code::none) {
        if (attempt == 0) first.error = converted.error;
        break;
      }
      if (!converted.records.empty() || out.records.empty() || converted.next_offset <= rr.offset) {
        first.records = std::move(converted.records);
        break;
      }
      rr.offset = converted.next_offset;
      fetch_offset = converted.next_offset;
    }
    co_return first;
  }

  // Fetch v4-9 cannot read zstd: keep only the data before the first zstd batch; if the data
  // starts with one, the partition answers UNSUPPORTED_COMPRESSION_TYPE.
  static void cut_before_zstd(replication::read_outcome& out) {
    if (out.records.empty()) return;
    size_t keep = bytes_before_first_zstd(out.records);
    if (keep == out.records.size()) return;
    if (keep == 0) {
      out.error = error_code::unsupported_compression_type;
      out.records = iobuf();
      return;
    }
    out.records = iobuf_prefix(out.records, keep);
  }

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    int16_t v = ctx.version();
    response resp;
    // Fetch sessions (KIP-227): this broker keeps none and answers every fetch in full with session
    // id 0 ("no session created"). A full fetch (epoch 0 or -1) is served whatever session it names,
    // as Kafka closes that session and serves it; an incremental one (any other epoch) names a
    // session we do not have: FETCH_SESSION_ID_NOT_FOUND, after which clients start over in full.
    if (v >= 7 && req.session_epoch != 0 && req.session_epoch != -1) {
      resp.error_code = code(error_code::fetch_session_id_not_found);
      co_return resp;
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, req.max_wait_ms));
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
      bool waiting = req.max_wait_ms > 0 && req.min_bytes > 0;
      auto waiter = waiting ? std::make_shared<replication::data_waiter>(ex) : nullptr;
      bool respond_now = false;
      size_t bytes = co_await read_all(ctx, req, resp, waiter, respond_now);
      if (!waiting || respond_now || bytes >= static_cast<size_t>(req.min_bytes) ||
          std::chrono::steady_clock::now() >= deadline) {
        break;
      }
      co_await waiter->wait_until(deadline);
      if (!waiter->notified()) {
        // Deadline reached without new data: answer with what the last pass found.
        break;
      }
    }
    resp.session_id = 0;
    co_return resp;
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    resp.error_code = code(e);
    for (const auto& ft : req.topics) {
      auto& tr = resp.responses.emplace_back();
      tr.topic = ft.topic;
      tr.topic_id = ft.topic_id;
      for (const auto& fp : ft.partitions) {
        auto& pr = tr.partitions.emplace_back();
        pr.partition_index = fp.partition;
        pr.error_code = code(e);
        pr.high_watermark = -1;
      }
    }
    return resp;
  }
};

} // namespace

void register_fetch(handler_table& t) { register_handler<fetch_handler>(t); }

} // namespace gregor::server
