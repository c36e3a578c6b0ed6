#pragma once
// Helpers for the record tests: a batch written byte by byte from WIRE-PROTOCOL-NOTES §6 (so it
// does not depend on our builder), and small mutation utilities.

#include <string>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/record/batch_header.h"

namespace gregor::record::testing {

// One record, key "k", value "v", timestamp 1000, no producer, CreateTime, codec none.
inline bytes hand_built_batch() {
  const bytes record = {
      0x10,        // length 8 (zigzag)
      0x00,        // attributes
      0x00,        // timestamp delta 0
      0x00,        // offset delta 0
      0x02, 'k',   // key length 1, key
      0x02, 'v',   // value length 1, value
      0x00,        // header count 0
  };
  bytes b = {
      0, 0, 0, 0, 0, 0, 0, 0,                         // base offset 0
      0, 0, 0, 58,                                    // batch length: 49 + 9
      0xff, 0xff, 0xff, 0xff,                         // partition leader epoch -1
      2,                                              // magic
      0, 0, 0, 0,                                     // crc, filled below
      0, 0,                                           // attributes
      0, 0, 0, 0,                                     // last offset delta 0
      0, 0, 0, 0, 0, 0, 0x03, 0xe8,                   // base timestamp 1000
      0, 0, 0, 0, 0, 0, 0x03, 0xe8,                   // max timestamp 1000
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producer id -1
      0xff, 0xff,                                     // producer epoch -1
      0xff, 0xff, 0xff, 0xff,                         // base sequence -1
      0, 0, 0, 1,                                     // record count 1
  };
  b.insert(b.end(), record.begin(), record.end());
  store_be<uint32_t>(b.data() + 17, crc32c(bytes_view(b).subspan(21)));
  return b;
}

// Recomputes the CRC after a deliberate edit, so a test reaches the structural checks.
inline void fix_crc(bytes& batch) {
  store_be<uint32_t>(batch.data() + crc_offset, crc32c(bytes_view(batch).subspan(crc_start)));
}

inline void set_batch_length(bytes& batch) {
  store_be<int32_t>(batch.data() + batch_length_offset, static_cast<int32_t>(batch.size() - log_overhead));
}

inline bytes concat(const std::vector<bytes>& parts) {
  bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline bytes str(std::string_view s) { return bytes(s.begin(), s.end()); }

} // namespace gregor::record::testing

namespace gregor::record::testing {

// A batch around an arbitrary records area (already compressed if `attributes` says so), with a
// correct batch length and CRC, so that tests exercise the record-level checks.
inline bytes batch_with_records(bytes_view area, int32_t record_count, int32_t last_offset_delta,
                                int16_t attributes = 0) {
  bytes b(batch_header_size, 0);
  store_be<int32_t>(b.data() + partition_leader_epoch_offset, -1);
  b[magic_offset] = 2;
  store_be<int16_t>(b.data() + attributes_offset, attributes);
  store_be<int32_t>(b.data() + last_offset_delta_offset, last_offset_delta);
  store_be<int64_t>(b.data() + base_timestamp_offset, 1000);
  store_be<int64_t>(b.data() + max_timestamp_offset, 1000);
  store_be<int64_t>(b.data() + producer_id_offset, -1);
  store_be<int16_t>(b.data() + producer_epoch_offset, -1);
  store_be<int32_t>(b.data() + base_sequence_offset, -1);
  store_be<int32_t>(b.data() + record_count_offset, record_count);
  b.insert(b.end(), area.begin(), area.end());
  set_batch_length(b);
  fix_crc(b);
  return b;
}

// Encodes one record by hand: zigzag varints throughout (values given as already-encoded bytes
// where a test wants something malformed).
inline bytes simple_record(int32_t offset_delta, std::string_view key, std::string_view value) {
  bytes body = {0x00, 0x00, static_cast<uint8_t>(offset_delta * 2),
                static_cast<uint8_t>(key.size() * 2)};
  body.insert(body.end(), key.begin(), key.end());
  body.push_back(static_cast<uint8_t>(value.size() * 2));
  body.insert(body.end(), value.begin(), value.end());
  body.push_back(0x00);
  bytes out = {static_cast<uint8_t>(body.size() * 2)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

} // namespace gregor::record::testing
