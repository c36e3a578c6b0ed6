// Produce (key 0): validate each partition's record batch and append it through the partition's
// owner; acks=0 gets no response (and a failure closes the connection, as Kafka does).
// Produce v0-2 carries magic 0/1 message sets: they are up-converted here into one RecordBatch
// v2 (record_conversion.h), which the partition then validates and appends like v3+ input.
// acks=all (-1): after the appends, the request waits (Kafka's DelayedProduce) until every appended
// partition's replication_status is final, or timeout_ms passes (replica_manager::await_replication): the unfinished ones then answer
// REQUEST_TIMED_OUT, keeping their base offset (the records are in the leader's log and may still
// be replicated). NOT_ENOUGH_REPLICAS is the partition's answer before appending.

#include <algorithm>
#include <chrono>

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

  // Where an appended acks=all partition's outcome goes in the response (whose vectors may still
  // grow while it is being built).
  struct response_slot {
    size_t topic_index = 0;
    size_t partition_index = 0;
  };

  static asio::awaitable<response> handle(request_context& ctx, request& req) {
    auto& svc = ctx.services;
    response resp;
    bool any_error = false;
    std::vector<replication::replication_wait> pending;
    std::vector<response_slot> slots;
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
            pending.push_back({tp, outcome.last_offset + 1, outcome.leadership_term});
            slots.push_back({resp.responses.size() - 1, tr.partition_responses.size() - 1});
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
      auto replicated = svc.replicas->await_replication(std::move(pending),
                                                        std::chrono::milliseconds(std::max(0, req.timeout_ms)));
      auto outcomes = co_await std::move(replicated);
      for (size_t i = 0; i < slots.size(); ++i) {
        resp.responses[slots[i].topic_index].partition_responses[slots[i].partition_index].error_code =
          code(outcomes[i]);
      }
    }
    co_return resp;
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
