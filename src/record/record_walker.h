#pragma once
// Private: parsing of the records area of a v2 batch (already decompressed), shared by
// validate_batches and decode_records so both apply exactly the same structural rules.
// Every length is checked against the bytes that remain before anything is touched.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>

#include "gregor/common/bytes.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/errc.h"

namespace gregor::record::detail {

// One record, as views into the records area.
struct record_view {
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
  int32_t header_count = 0;
  bytes_view headers;  // the encoded headers; already checked, see for_each_header
};

// Smallest encoded record: length, attributes, timestamp delta, offset delta, key length,
// value length and header count, one byte each.
inline constexpr size_t min_record_size = 7;

// Strict varint readers: false on truncation or a value that does not fit the type.
bool read_varint32(const uint8_t*& p, const uint8_t* end, int32_t& out);
bool read_varint64(const uint8_t*& p, const uint8_t* end, int64_t& out);

// Parses one record at p (advancing p past it) or returns false if it is malformed.
bool parse_record(const uint8_t*& p, const uint8_t* end, record_view& out);

// Calls f(key, optional<bytes_view> value) for each header of a record parse_record accepted.
template <typename F>
void for_each_header(const record_view& r, F&& f) {
  const uint8_t* p = r.headers.data();
  const uint8_t* end = p + r.headers.size();
  for (int32_t i = 0; i < r.header_count; ++i) {
    int32_t klen = 0;
    int32_t vlen = 0;
    read_varint32(p, end, klen);
    bytes_view key(p, static_cast<size_t>(klen));
    p += klen;
    read_varint32(p, end, vlen);
    std::optional<bytes_view> value;
    if (vlen >= 0) {
      value = bytes_view(p, static_cast<size_t>(vlen));
      p += vlen;
    }
    f(key, value);
  }
}

struct walk_rules {
  bool exact_offsets = true;  // deltas must be exactly 0..n-1 (client input)
  bool require_keys = false;
  bool check_timestamps = false;
  int64_t now_ms = 0;
  int64_t max_timestamp_difference_ms = 0;
};

// Walks all h.record_count records of `area`, calling f(const record_view&) for each, and checks
// the count, the offset deltas and that nothing trails the last record.
template <typename F>
std::error_code walk_records(const batch_header& h, bytes_view area, const walk_rules& rules, F&& f) {
  if (h.record_count < 0 || static_cast<size_t>(h.record_count) > area.size() / min_record_size) {
    return make_error_code(batch_errc::invalid_record);
  }
  const uint8_t* p = area.data();
  const uint8_t* end = p + area.size();
  int64_t previous_delta = -1;
  for (int32_t i = 0; i < h.record_count; ++i) {
    record_view r;
    if (!parse_record(p, end, r)) return make_error_code(batch_errc::invalid_record);
    if (rules.exact_offsets ? r.offset_delta != i
                            : (r.offset_delta <= previous_delta || r.offset_delta > h.last_offset_delta)) {
      return make_error_code(batch_errc::invalid_record);
    }
    previous_delta = r.offset_delta;
    if (rules.require_keys && !r.key) return make_error_code(batch_errc::invalid_record);
    // A record without a timestamp (-1, e.g. up-converted from magic 0) is exempt, as in Kafka.
    if (rules.check_timestamps && !(h.base_timestamp == -1 && r.timestamp_delta == 0)) {
      // Wrapping arithmetic: hostile deltas must not be undefined behaviour.
      auto ts = static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) +
                                     static_cast<uint64_t>(r.timestamp_delta));
      __int128 diff = static_cast<__int128>(ts) - rules.now_ms;
      if (diff < 0) diff = -diff;
      if (diff > rules.max_timestamp_difference_ms) {
        return make_error_code(batch_errc::invalid_timestamp);
      }
    }
    f(r);
  }
  if (p != end) return make_error_code(batch_errc::invalid_record);
  return {};
}

} // namespace gregor::record::detail
