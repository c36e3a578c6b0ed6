// Produce (key 0): validate each partition's record batch and append it through the partition's
// owner; acks=0 gets no response (and a failure closes the connection, as Kafka does).
// Produce v0-2 carries magic 0/1 message sets: they are up-converted here into one RecordBatch
// v2 (record_conversion.h), which the partition then validates and appends like v3+ input.
// acks=all (-1): after the appends, the request waits (Kafka's DelayedProduce) until every appended
// partition's replication_status is final, or timeout_ms passes: the unfinished ones then answer
// REQUEST_TIMED_OUT, keeping their base offset (the records are in the leader's log and may still
// be replicated). NOT_ENOUGH_REPLICAS is the partition's answer before appending.

#include <chrono>

#include <boost/asio/this_coro.hpp>

#include "gregor/metadata/metadata_cache.h"
#include "gregor/metadata/topic_name.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/replication/error_mapping.h"
#include "gregor/replication/replica_manager.h"
#include "handler.h"
#include "record_conversion.h"

namespace gregor::server {
namespace {

using protocol::error_code;

struct produce_handler {
  using request = protocol::produce_request;
  using response = protocol::produce_response;
  static constexpr int16_t api_key = 0;
  static constexpr int16_t min_version = 0;
  static constexpr int16_t max_version = 11;

  // An appended acks=all partition that waits for its replicas; indexes into the response (whose
  // vectors may still grow while it is being built).
  struct pending_ack {
    topic_partition tp;
    size_t topic_index = 0;
    size_t partition_index = 0;
    int64_t required_offset = 0;  // the appended records' last offset + 1
    uint64_t leadership_term = 0;  // the partition's, when the records were appended
  };

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    response resp;
    bool any_error = false;
    std::vector<pending_ack> pending;
    auto snap = svc.metadata->snapshot();
    for (auto& td : req.topic_data) {
      auto& tr = resp.responses.emplace_back();
      tr.name = td.name;
      for (auto& pd : td.partition_data) {
        auto& pr = tr.partition_responses.emplace_back();
        pr.index = pd.index;
        pr.base_offset = -1;
        error_code e = error_code::none;
        if (req.acks != 0 && req.acks != 1 && req.acks != -1) {
          e = error_code::invalid_required_acks;
        } else if (snap->find_partition(td.name, pd.index) == nullptr) {
          e = error_code::unknown_topic_or_partition;
        } else if (metadata::is_internal_topic(td.name)) {
          e = error_code::invalid_topic_exception;  // internal topics are written by the broker only
        } else if (!pd.records || pd.records->empty()) {
          e = error_code::invalid_record;
        }
        shared_bytes records;
        if (e == error_code::none) {
          if (ctx.version() < 3) {
            auto converted = upconvert_produce_records(*pd.records, ctx.version());
            if (converted) {
              records = std::move(*converted);
            } else {
              e = replication::to_kafka_error(converted.error());  // v0-2 responses carry no message
            }
          } else {
            // The codec borrowed the records from the request frame: one contiguous slice.
            records = contiguous(*pd.records);
          }
        }
        if (e == error_code::none) {
          replication::append_request ar;
          ar.records = std::move(records);
          ar.produce_version = ctx.version();
          ar.acks = req.acks;
          topic_partition tp{td.name, pd.index};
          auto outcome = co_await svc.replicas->append(tp, std::move(ar));
          e = outcome.error;
          // The partition exists (the metadata said so) but is not hosted here: not the leader.
          if (e == error_code::unknown_topic_or_partition) e = error_code::not_leader_or_follower;
          pr.base_offset = outcome.base_offset;
          pr.log_append_time_ms = outcome.log_append_time;
          pr.log_start_offset = outcome.log_start_offset;
          if (e != error_code::none && !outcome.error_message.empty()) pr.error_message = outcome.error_message;
          if (e == error_code::none && req.acks == -1) {
            pending.push_back({tp, resp.responses.size() - 1, tr.partition_responses.size() - 1,
                               outcome.last_offset + 1, outcome.leadership_term});
          }
        }
        pr.error_code = code(e);
        if (e != error_code::none) any_error = true;
      }
    }
    if (req.acks == 0) {
      ctx.send_response = false;
      ctx.close_connection = any_error;
    }
    if (!pending.empty()) {
      // Named first: GCC 12 mishandles temporaries with destructors inside a co_await expression.
      auto replicated = await_replication(ctx, resp, std::move(pending), req.timeout_ms);
      co_await std::move(replicated);
    }
    co_return resp;
  }

  // acks=all: waits until each pending partition's replication_status is final or `timeout_ms`
  // passes, and writes each outcome into `resp`. One data_waiter per round, registered with every
  // partition still pending BEFORE their status is checked, so that a high-watermark move between
  // the check and the wait still wakes us (the partition notifies on HW advance and state change).
  static asio::awaitable<void> await_replication(request_context& ctx, response& resp,
                                                 std::vector<pending_ack> pending, int32_t timeout_ms) {
    auto& svc = ctx.services;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(0, timeout_ms));
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
      auto waiter = std::make_shared<replication::data_waiter>(ex);
      for (const auto& p : pending) {
        if (auto part = svc.replicas->get(p.tp)) part->add_waiter(waiter);
      }
      std::vector<pending_ack> still;
      for (auto& p : pending) {
        const topic_partition& tp = p.tp;
        int64_t required = p.required_offset;
        std::optional<error_code> status = co_await svc.replicas->replication_status(tp, required, p.leadership_term);
        if (!status) {
          still.push_back(std::move(p));
          continue;
        }
        error_code e = *status;
        // No longer hosted here (StopReplica meanwhile): leadership moved away.
        if (e == error_code::unknown_topic_or_partition) e = error_code::not_leader_or_follower;
        response_of(resp, p).error_code = code(e);
      }
      pending = std::move(still);
      if (pending.empty()) co_return;
      if (std::chrono::steady_clock::now() >= deadline) break;
      co_await waiter->wait_until(deadline);
    }
    for (const auto& p : pending) response_of(resp, p).error_code = code(error_code::request_timed_out);
  }

  static protocol::produce_response::topic_produce_response::partition_produce_response& response_of(
      response& resp, const pending_ack& p) {
    return resp.responses[p.topic_index].partition_responses[p.partition_index];
  }

  // The records of one partition as one contiguous, shared buffer. The decoder normally hands us a
  // single borrowed slice; anything else is copied once.
  static shared_bytes contiguous(const iobuf& records) {
    if (records.chunks().size() == 1) {
      if (const auto* s = std::get_if<shared_bytes>(&records.chunks().front())) return *s;
    }
    return shared_bytes(records.linearize());
  }

  static response error_response(const request& req, int16_t, error_code e) {
    response resp;
    for (const auto& td : req.topic_data) {
      auto& tr = resp.responses.emplace_back();
      tr.name = td.name;
      for (const auto& pd : td.partition_data) {
        auto& pr = tr.partition_responses.emplace_back();
        pr.index = pd.index;
        pr.error_code = code(e);
        pr.base_offset = -1;
      }
    }
    return resp;
  }
};

} // namespace

void register_produce(handler_table& t) { register_handler<produce_handler>(t); }

} // namespace gregor::server
