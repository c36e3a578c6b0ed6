#pragma once
// The follower's side of the wire (private to the replica fetcher): the Fetch v12 request a fetcher
// sends for a set of follower positions, the leader's answer read into one outcome per partition
// (records cut to whole batches, errors classified into what the fetcher does next), and the
// ListOffsets v4 round trip used after OFFSET_OUT_OF_RANGE.
//
// Pure functions without I/O; thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/topic_partition.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/replication/partition.h"
#include "gregor/replication/replica_fetcher_manager.h"

namespace gregor::replication::fetch_wire {

// Fetch v12: topic names, current_leader_epoch, last_fetched_epoch and diverging_epoch (KIP-320),
// the last version that still carries names (v13 switches to topic ids).
inline constexpr int16_t fetch_version = 12;
// ListOffsets v4: current_leader_epoch in the request, leader_epoch in the answer; served by every
// broker of ours (handlers/list_offsets.cc: v0-6).
inline constexpr int16_t list_offsets_version = 4;
inline constexpr int16_t fetch_key = 1;
inline constexpr int16_t list_offsets_key = 2;
inline constexpr int64_t latest_timestamp = -1;
inline constexpr int64_t earliest_timestamp = -2;

// One partition to fetch and the position it is fetched from.
struct fetch_target {
  topic_partition tp;
  follower_position position;
};

// The Fetch request of a follower (replica_id = `broker_id`, no fetch session, read_uncommitted).
// Partitions of one topic are grouped under one topic entry, in the order of their first
// appearance in `targets`.
protocol::fetch_request build_fetch_request(int32_t broker_id, const replica_fetcher_options& options,
                                            const std::vector<fetch_target>& targets);
// The whole frame (size prefix, request header v2, body at fetch_version).
iobuf encode_fetch_frame(const protocol::fetch_request& request, int32_t correlation_id,
                         const std::string& client_id);

// What the fetcher does with one partition of the answer.
enum class reaction {
  append,        // no error: append_from_leader (possibly no records: the high watermark moves)
  truncate,      // no error and a diverging_epoch: truncate_on_divergence, then fetch again
  out_of_range,  // OFFSET_OUT_OF_RANGE: ask the leader for its offsets, then handle_out_of_range
  back_off,      // any other error: wait replica.fetch.backoff.ms (the controller will move it)
};
reaction classify(protocol::error_code error, int32_t diverging_epoch);

struct partition_answer {
  topic_partition tp;
  protocol::error_code error = protocol::error_code::none;
  reaction what = reaction::back_off;
  shared_bytes records;  // whole batches only (a trailing partial batch is cut off)
  int64_t high_watermark = -1;
  int64_t log_start_offset = -1;
  int32_t diverging_epoch = -1;
  int64_t diverging_end_offset = -1;
};

struct fetch_answer {
  protocol::error_code error = protocol::error_code::none;  // top-level error_code
  std::vector<partition_answer> partitions;
};

// Reads a Fetch v12 response frame (the bytes after the size prefix). nullopt when the frame is
// malformed or its correlation id is not `correlation_id` (the connection cannot be trusted then).
std::optional<fetch_answer> read_fetch_response(shared_bytes frame, int32_t correlation_id);

// Length of the longest prefix of `records` made of whole batches, judged by the batch length at
// bytes 8-11 of each batch header. A length below the smallest legal batch ends the prefix too
// (the rest is not something append_from_leader could take).
size_t whole_batches_size(bytes_view records);
// The whole batches of a fetched record set as one contiguous buffer: borrowed from the response
// frame when the set is a single memory chunk, copied otherwise.
shared_bytes whole_batches(const iobuf& records);

// ListOffsets for one partition of the leader, asked as a follower (replica_id = `broker_id`, so the
// leader answers "latest" with its log end offset, not its high watermark).
iobuf encode_list_offsets_frame(int32_t broker_id, const topic_partition& tp, int32_t current_leader_epoch,
                                int64_t timestamp, int32_t correlation_id, const std::string& client_id);

struct offset_answer {
  protocol::error_code error = protocol::error_code::none;
  int64_t offset = -1;
};
// Reads the ListOffsets v4 answer for `tp`. nullopt when malformed, the correlation id differs or
// `tp` is missing from it.
std::optional<offset_answer> read_list_offsets_response(shared_bytes frame, int32_t correlation_id,
                                                        const topic_partition& tp);

// Kafka's fetcher placement: abs(31 * topic.hashCode() + partition) % num_fetchers, with Java's
// String.hashCode over the (ASCII) topic name and Kafka's abs (INT_MIN -> 0).
int32_t fetcher_index(const topic_partition& tp, int32_t num_fetchers);

} // namespace gregor::replication::fetch_wire
