#pragma once
// RecordBatch v2 header (WIRE-PROTOCOL-NOTES §6): field offsets, a parsed view, and in-place
// patches of the fields the broker owns. A batch is kept as the bytes the client sent; nothing
// here allocates. Pure functions; thread-safe on distinct buffers.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "gregor/common/bytes.h"
#include "gregor/compression/codec.h"

namespace gregor::record {

// Byte offsets of each header field from the start of the batch.
inline constexpr size_t base_offset_offset = 0;
inline constexpr size_t batch_length_offset = 8;
inline constexpr size_t partition_leader_epoch_offset = 12;
inline constexpr size_t magic_offset = 16;
inline constexpr size_t crc_offset = 17;
inline constexpr size_t attributes_offset = 21;
inline constexpr size_t last_offset_delta_offset = 23;
inline constexpr size_t base_timestamp_offset = 27;
inline constexpr size_t max_timestamp_offset = 35;
inline constexpr size_t producer_id_offset = 43;
inline constexpr size_t producer_epoch_offset = 51;
inline constexpr size_t base_sequence_offset = 53;
inline constexpr size_t record_count_offset = 57;
inline constexpr size_t records_offset = 61;

inline constexpr size_t batch_header_size = 61;
// base_offset + batch_length: the bytes before what batch_length counts. The same 12 bytes
// (offset, size) precede every legacy magic 0/1 entry too.
inline constexpr size_t log_overhead = 12;
// Smallest legal batch_length: the header minus log_overhead (a batch with no records).
inline constexpr int32_t min_batch_length = static_cast<int32_t>(batch_header_size - log_overhead);
// The CRC covers [crc_start, end of batch).
inline constexpr size_t crc_start = attributes_offset;

inline constexpr int8_t current_magic = 2;
inline constexpr int64_t no_producer_id = -1;
inline constexpr int16_t no_producer_epoch = -1;
inline constexpr int32_t no_sequence = -1;
inline constexpr int32_t no_partition_leader_epoch = -1;
inline constexpr int64_t no_timestamp = -1;

// Attribute bits.
inline constexpr int16_t codec_mask = 0x07;
inline constexpr int16_t timestamp_type_bit = 0x08;  // 1 = LogAppendTime
inline constexpr int16_t transactional_bit = 0x10;
inline constexpr int16_t control_bit = 0x20;
inline constexpr int16_t delete_horizon_bit = 0x40;

struct batch_header {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = no_partition_leader_epoch;
  int8_t magic = current_magic;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = no_timestamp;
  int64_t max_timestamp = no_timestamp;
  int64_t producer_id = no_producer_id;
  int16_t producer_epoch = no_producer_epoch;
  int32_t base_sequence = no_sequence;
  int32_t record_count = 0;

  // The codec in bits 0-2. Ids 5-7 are not codecs: check codec_id_valid() first on untrusted
  // input (validate_batches does); for them this returns codec::none.
  compression::codec codec() const;
  bool codec_id_valid() const;
  bool log_append_time() const { return (attributes & timestamp_type_bit) != 0; }
  bool is_transactional() const { return (attributes & transactional_bit) != 0; }
  bool is_control() const { return (attributes & control_bit) != 0; }
  bool has_delete_horizon() const { return (attributes & delete_horizon_bit) != 0; }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  // Whole batch in bytes, log overhead included. Meaningful once batch_length >= 0 was checked.
  size_t total_size() const { return static_cast<size_t>(batch_length) + log_overhead; }
};

// Parses the first 61 bytes of `batch`. nullopt if fewer than 61 bytes or magic != 2.
// Checks nothing else (no CRC, no length sanity): see validate_batches for untrusted input.
std::optional<batch_header> parse_batch_header(bytes_view batch);

// The magic byte of a log entry of any format (v2 batch or legacy message: both keep it at
// offset 16), or nullopt if `entry` is shorter than 17 bytes.
std::optional<int8_t> peek_magic(bytes_view entry);

// In-place patches. `batch` points at a whole batch (>= 61 bytes, caller's guarantee).
// base_offset and partition_leader_epoch lie outside the CRC, so the CRC stays valid.
void set_base_offset(uint8_t* batch, int64_t base_offset);
void set_partition_leader_epoch(uint8_t* batch, int32_t epoch);
// Sets the LogAppendTime bit and max_timestamp = `ts`, then recomputes the CRC; this reads the
// batch_length field, so the whole batch (batch_length + 12 bytes) must be addressable.
void set_log_append_time(uint8_t* batch, int64_t ts);

// CRC-32C of [crc_start, total_size) of a whole batch, and whether it matches the stored one.
// `batch` must hold the whole batch (size() == total_size()).
uint32_t compute_crc(bytes_view batch);
bool crc_matches(bytes_view batch);

} // namespace gregor::record
