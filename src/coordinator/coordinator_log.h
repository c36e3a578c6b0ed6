#pragma once
// What the group and transaction coordinators do with their internal topics' partitions
// (__consumer_offsets, __transaction_state): append a batch of key/value records as the leader
// and wait for the ISR, and replay a partition from its log start to its log end when this
// broker becomes its leader. Private to src/coordinator.
//
// Both are coroutines that may run on any executor; the replica_manager hops to the partition's
// strand for each step.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/bytes.h"
#include "gregor/common/topic_partition.h"
#include "gregor/compression/codec.h"
#include "gregor/protocol/error_code.h"
#include "gregor/record/batch_header.h"

namespace gregor::replication {
class replica_manager;
}

namespace gregor::coordinator_log {

using protocol::error_code;
using record_list = std::vector<std::pair<bytes, std::optional<bytes>>>;

struct append_options {
  compression::codec codec = compression::codec::none;
  int16_t acks = -1;
  // With acks = -1: how long to wait for the ISR (then REQUEST_TIMED_OUT).
  std::chrono::milliseconds timeout{30000};
  int64_t timestamp_ms = 0;  // every record's CreateTime
  // A transactional batch of this producer (TxnOffsetCommit), appended with the coordinator's
  // origin: epoch checked, sequence (0) not. -1: a plain batch.
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};

struct append_written {
  error_code error = error_code::none;  // the replica manager's own code: callers map it
  std::string message;
  int64_t last_offset = -1;
};

// Appends `records` to `tp` as one batch and, with acks = -1, waits until the ISR has it.
boost::asio::awaitable<append_written> append_records(replication::replica_manager& replicas, topic_partition tp,
                                                      const record_list& records, append_options options);

// What a failed append means to the coordinator's client (the mapping Kafka's GroupMetadataManager
// and TransactionStateManager share): no ISR or a timeout is COORDINATOR_NOT_AVAILABLE, a lost
// leadership or storage failure NOT_COORDINATOR, a batch too large `too_large` (where the two
// differ); NONE and any other code pass through.
error_code client_error(error_code appended, error_code too_large);

struct replay_visitor {
  // Asked before every read: false stops the replay (leadership lost meanwhile).
  std::function<bool()> still_wanted;
  // Every record of every data batch, in log order.
  std::function<void(const record::batch_header&, std::optional<bytes_view> key, std::optional<bytes_view> value)>
      on_record;
  // Every control batch (transaction marker), in log order; may be empty.
  std::function<void(const record::batch_header&, bytes_view batch)> on_control;
};

struct replay_summary {
  error_code error = error_code::none;  // a read failed: the partition could not be loaded
  bool abandoned = false;               // still_wanted() said no
  size_t records = 0;
  size_t undecodable_batches = 0;       // skipped (logged by the caller)
};

// Reads `tp` from its log start to its log end in reads of up to `buffer_bytes`.
boost::asio::awaitable<replay_summary> replay_partition(replication::replica_manager& replicas, topic_partition tp,
                                                        int32_t buffer_bytes, const replay_visitor& visitor);

} // namespace gregor::coordinator_log
