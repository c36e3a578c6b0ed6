#pragma once
// Private: decodes the few header fields of log entries that the log needs. Every entry in a .log
// starts with offset:int64, size:int32 (the 12-byte log overhead) and has its magic at byte 16
// (ON-DISK-FORMAT §2); magic 2 is the 61-byte batch header, magic 0/1 are legacy messages.
// TODO(lead): switch to record::parse_batch_header once the record module lands.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "gregor/common/bytes.h"
#include "gregor/common/endian.h"

namespace gregor::log::detail {

inline constexpr size_t log_overhead = 12;
inline constexpr size_t magic_offset = 16;
inline constexpr size_t v2_header_size = 61;
// Bytes to read to decode any entry's header.
inline constexpr size_t header_probe_size = v2_header_size;
// Smallest possible size field (a magic-0 message with null key and value), Kafka's
// MIN_RECORD_OVERHEAD; anything smaller is corrupt.
inline constexpr int32_t min_size_field = 14;

// v2 header field offsets.
inline constexpr size_t partition_leader_epoch_offset = 12;
inline constexpr size_t crc_offset = 17;
inline constexpr size_t attributes_offset = 21;
inline constexpr size_t last_offset_delta_offset = 23;
inline constexpr size_t base_timestamp_offset = 27;
inline constexpr size_t max_timestamp_offset = 35;
inline constexpr size_t producer_id_offset = 43;
inline constexpr size_t producer_epoch_offset = 51;
inline constexpr size_t base_sequence_offset = 53;
inline constexpr size_t record_count_offset = 57;
inline constexpr int16_t transactional_bit = 0x10;
inline constexpr int16_t control_bit = 0x20;
// The v2 CRC covers bytes [21, end); the legacy CRC-32 (stored at 12) covers [16, end).
inline constexpr size_t v2_crc_start = attributes_offset;
inline constexpr size_t legacy_crc_offset = 12;
inline constexpr size_t legacy_crc_start = magic_offset;

struct entry_header {
  int64_t offset = 0;       // bytes 0-7: v2 base offset; legacy: the (last) offset
  int32_t size_field = 0;   // bytes 8-11: bytes after this field
  int8_t magic = 2;
  uint32_t crc = 0;
  int32_t last_offset_delta = 0;  // v2 only
  int64_t max_timestamp = -1;     // v2 max timestamp, v1 timestamp, v0 -1
  int32_t record_count = 1;       // v2 only
  int32_t partition_leader_epoch = -1;  // v2 only
  // v2 only: the producer fields (idempotence and transactions).
  int16_t attributes = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;

  bool is_transactional() const { return (attributes & transactional_bit) != 0; }
  bool is_control() const { return (attributes & control_bit) != 0; }

  int64_t first_offset() const { return offset; }
  int64_t last_offset() const { return magic >= 2 ? offset + last_offset_delta : offset; }
  uint64_t total_size() const { return log_overhead + static_cast<uint64_t>(size_field); }
};

// Decodes the header at the start of `data`. nullopt when `data` is too short for the header of
// its magic, the magic is unknown, or the size field is impossible for that magic. Does not check
// that the whole entry is present.
inline std::optional<entry_header> decode_entry_header(bytes_view data) {
  if (data.size() < magic_offset + 1) return std::nullopt;
  entry_header h;
  h.offset = load_be<int64_t>(data.data());
  h.size_field = load_be<int32_t>(data.data() + 8);
  h.magic = static_cast<int8_t>(data[magic_offset]);
  if (h.size_field < min_size_field) return std::nullopt;
  switch (h.magic) {
  case 2:
    if (data.size() < v2_header_size) return std::nullopt;
    if (h.size_field < static_cast<int32_t>(v2_header_size - log_overhead)) return std::nullopt;
    h.crc = load_be<uint32_t>(data.data() + crc_offset);
    h.last_offset_delta = load_be<int32_t>(data.data() + last_offset_delta_offset);
    h.max_timestamp = load_be<int64_t>(data.data() + max_timestamp_offset);
    h.record_count = load_be<int32_t>(data.data() + record_count_offset);
    h.partition_leader_epoch = load_be<int32_t>(data.data() + partition_leader_epoch_offset);
    h.attributes = load_be<int16_t>(data.data() + attributes_offset);
    h.producer_id = load_be<int64_t>(data.data() + producer_id_offset);
    h.producer_epoch = load_be<int16_t>(data.data() + producer_epoch_offset);
    h.base_sequence = load_be<int32_t>(data.data() + base_sequence_offset);
    if (h.last_offset_delta < 0) return std::nullopt;
    return h;
  case 1:
    // offset, size, crc, magic, attributes, timestamp:int64, key, value
    if (data.size() < 26) return std::nullopt;
    if (h.size_field < 22) return std::nullopt;
    h.crc = load_be<uint32_t>(data.data() + legacy_crc_offset);
    h.max_timestamp = load_be<int64_t>(data.data() + 18);
    return h;
  case 0:
    h.crc = load_be<uint32_t>(data.data() + legacy_crc_offset);
    return h;
  default:
    return std::nullopt;
  }
}

} // namespace gregor::log::detail
