#pragma once
// Private to the server module: the message-format work of the Produce and Fetch handlers for
// clients older than RecordBatch v2 (WIRE-PROTOCOL-NOTES §5, §7). The log stores only v2:
//  * Produce v0-2 sends magic 0 (v0-1) or magic 1 (v2) message sets, up-converted here into one
//    v2 batch before the partition validates and appends it;
//  * Fetch v0-1 reads magic 0 and v2-3 magic 1, so fetched data is read into memory and
//    down-converted (the v4+ path stays zero-copy);
//  * Fetch v4-9 cannot read zstd; only the batch headers of the fetched file ranges are read
//    (pread) to find a zstd batch.
// Pure functions over their arguments; thread-safe. They run on the handler's executor.

#include <cstddef>
#include <cstdint>
#include <string>
#include <system_error>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/protocol/error_code.h"

namespace gregor::server {

// The magic a Produce version carries (0 for v0-1, 1 for v2) and a Fetch version reads (0 for
// v0-1, 1 for v2-3).
int8_t legacy_magic_for_produce(int16_t version);
int8_t legacy_magic_for_fetch(int16_t version);

// Produce v0-2: the partition's message set as one v2 batch. The entry size limit is left to the
// partition (it checks the converted batch against the topic's max.message.bytes); decompression
// is bounded by the same default as the partition's validation.
result<shared_bytes> upconvert_produce_records(const iobuf& records, int16_t produce_version);

// Fetch v0-3: what one partition returns.
struct downconverted {
  protocol::error_code error = protocol::error_code::none;
  iobuf records;
  // Offset after the last whole entry of the log data (-1 if there was none). When the data held
  // only entries an old client cannot see (transaction markers, empty batches), the handler
  // reads again from here so that the client is not stuck at the same offset.
  int64_t next_offset = -1;
};

// Converts fetched log data to `target_magic`, dropping records below fetch_offset and
// everything from the first zstd batch on (UNSUPPORTED_COMPRESSION_TYPE if the data starts with
// one: zstd cannot be expressed in magic 0/1), then cuts
// the result to whole messages within `limit` bytes. If none fits: with min_one the first whole
// message is kept anyway (Fetch v3, first partition with data); with hard_limit (Fetch v0-2,
// Kafka's hardMaxBytesLimit) the first `limit` bytes are returned, a partial message, which is
// how old clients learn that a message is larger than their fetch size; otherwise nothing.
downconverted downconvert_fetched(const iobuf& log_data, int8_t target_magic, int64_t fetch_offset, size_t limit,
                                  bool min_one, bool hard_limit);

// Fetch v4-9: the number of leading bytes of `log_data` before the first zstd-compressed batch
// (log_data.size() if there is none). Reads only each entry's header (its first 23 bytes).
size_t bytes_before_first_zstd(const iobuf& log_data);

// The first `n` bytes of `data` (n <= data.size()), sharing its chunks; file ranges stay file
// ranges.
iobuf iobuf_prefix(const iobuf& data, size_t n);

} // namespace gregor::server
