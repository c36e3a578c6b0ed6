#pragma once
// Decoded records, for readers that need keys and values (console consumer, coordinators reading
// their topics, tests). The data path never decodes records; it keeps batches as bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/record/errc.h"

namespace gregor::record {

struct header {
  std::string key;             // never null on the wire
  std::optional<bytes> value;  // nullopt = null
  friend bool operator==(const header&, const header&) = default;
};

struct record {
  int64_t offset = 0;     // base_offset + offset_delta
  int64_t timestamp = 0;  // base_timestamp + delta, or the batch max_timestamp for LogAppendTime
  std::optional<bytes> key;
  std::optional<bytes> value;
  std::vector<header> headers;
  friend bool operator==(const record&, const record&) = default;
};

// Decodes every record of one whole v2 batch (`batch` = exactly the batch's bytes, or longer:
// bytes past total_size are ignored). Checks structure the same way validate_batches does,
// CRC included, and returns batch_errc values on failure. Control batches decode like any other
// (their key/value hold the marker; see control.h); empty batches yield no records.
result<std::vector<record>> decode_records(bytes_view batch, size_t max_uncompressed = 64 << 20);

// Splits a fetched blob into whole log entries (v2 batches, or legacy magic 0/1 entries: both
// start with offset:int64, size:int32 and keep the magic at byte 16). Stops at the first entry
// that is incomplete (a fetch may end with a partial batch) or whose size field is impossible
// (< 14, or < 49 for magic 2). Views point into `blob`; nothing is checked beyond sizes.
std::vector<bytes_view> split_batches(bytes_view blob);

} // namespace gregor::record
