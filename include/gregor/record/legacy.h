#pragma once
// Legacy message sets (magic 0 and 1; WIRE-PROTOCOL-NOTES §7, ON-DISK-FORMAT §2). The log stores
// only RecordBatch v2, so legacy data exists only at the edges:
//  * up-conversion: Produce v0-2 carries a message set, which becomes ONE v2 batch before it is
//    appended (the partition then validates that batch like any v3+ input);
//  * down-conversion: Fetch v0-3 clients cannot read v2, so fetched batches become messages.
// A legacy entry is `offset:int64, size:int32, crc:uint32, magic:int8, attributes:int8,
// [timestamp:int64 (magic 1)], key:int32-length bytes, value:int32-length bytes`; CRC-32 (IEEE)
// covers magic .. end of value. Compressed sets nest one level: the inner set is the compressed
// value of a wrapper message.
//
// Pure functions and a value-type builder; thread-safe on distinct inputs. Every length read from
// input is checked against the bytes that remain, and decompression is bounded, before anything
// is allocated.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/compression/codec.h"
#include "gregor/record/errc.h"
#include "gregor/record/validate.h"

namespace gregor::record {

inline constexpr int8_t legacy_magic_v0 = 0;
inline constexpr int8_t legacy_magic_v1 = 1;

// Message header sizes: crc, magic, attributes, [timestamp], key length, value length. They are
// also the smallest legal messageSize of each magic.
inline constexpr size_t legacy_header_size_v0 = 14;
inline constexpr size_t legacy_header_size_v1 = 22;
inline constexpr size_t legacy_header_size(int8_t magic) {
  return magic == legacy_magic_v0 ? legacy_header_size_v0 : legacy_header_size_v1;
}

// Field offsets from the start of a legacy entry (after offset:int64 and size:int32).
inline constexpr size_t legacy_crc_offset = 12;
inline constexpr size_t legacy_magic_offset = 16;  // same place as a v2 batch's magic
inline constexpr size_t legacy_attributes_offset = 17;
inline constexpr size_t legacy_timestamp_offset = 18;  // magic 1 only

// Attribute bits (int8): codec in bits 0-2; magic 1 adds the timestamp type in bit 3.
inline constexpr int8_t legacy_codec_mask = 0x07;
inline constexpr int8_t legacy_timestamp_type_bit = 0x08;  // 1 = LogAppendTime

// One logical (inner, uncompressed) message of a legacy set.
struct legacy_message {
  int64_t offset = 0;  // absolute (wrappers resolved)
  int8_t magic = 0;
  int64_t timestamp = no_timestamp;  // magic 0: always no_timestamp
  bool log_append_time = false;      // magic 1: timestamp type from the message or its wrapper
  std::optional<bytes> key;
  std::optional<bytes> value;
  friend bool operator==(const legacy_message&, const legacy_message&) = default;
};

// Produce v0-2: validates the whole message set `set` and returns ONE v2 batch holding all its
// records (base offset 0, no producer id, CreateTime). Kafka's rules, in order per top-level entry:
//  - whole entry present and messageSize >= the header size of its magic (corrupt_message);
//  - entry size <= limits.max_batch_size (message_too_large);
//  - magic == expected_magic (0 for Produce v0-1, 1 for v2), else invalid_record; a magic that
//    is none of 0/1/2 is corrupt_message;
//  - CRC-32 (corrupt_message); codec id 4-7 (unsupported_compression: no zstd in magic 0/1);
//  - key/value lengths -1 or inside the message, ending exactly at its end (invalid_record);
//  - magic 1 timestamps >= -1 (invalid_record);
//  - compressed wrappers: non-null value, decompressed under limits.max_uncompressed_size for
//    the WHOLE set (a bomb or bad stream is invalid_record); the inner set holds at least one
//    message, each uncompressed, of the wrapper's magic, passing the same checks (CRC ->
//    corrupt_message, the rest invalid_record).
// The whole set larger than limits.max_payload_size -> record_list_too_large; an empty set is
// invalid_record. The v2 batch uses the codec of the last compressed wrapper (Kafka keeps the
// producer's codec), or none. Timestamps: magic 1 keeps each record's (a LogAppendTime wrapper
// gives its own to every inner record); magic 0 has none (-1). Offsets inside the set are
// ignored: the log assigns them. Headers do not exist in magic 0/1.
// limits.from_client/single_batch/require_keys/timestamp window are NOT applied here: the
// partition validates the resulting batch with the topic's limits.
result<bytes> upconvert_message_set(bytes_view set, int8_t expected_magic, const validation_limits& limits);

// Fetch v0-3: turns fetched log data into a legacy message set of `target_magic` (0 or 1).
//  - the blob may end with a partial entry: it is dropped;
//  - control batches and empty batches are dropped (old fetchers read uncommitted: every other
//    record is kept, aborted transactional data included);
//  - records with offset < first_offset are dropped (a fetch starts inside a batch);
//  - headers are dropped; producer ids/sequences are lost;
//  - an uncompressed batch becomes plain messages; a compressed one becomes one wrapper per
//    batch with the same codec (inner offsets relative for magic 1, absolute for magic 0;
//    wrapper offset = last inner offset; magic-0 lz4 written with Kafka's old header checksum);
//  - magic 1 keeps each timestamp and the batch's timestamp type; magic 0 has no timestamp;
//  - legacy entries already in the blob are copied when their magic <= target_magic, else
//    converted the same way.
// Errors: a zstd batch -> unsupported_compression (zstd cannot be expressed in magic 0/1); a
// batch that fails its CRC or structure checks -> corrupt_message/invalid_record; decompression
// bounded by max_uncompressed per batch (invalid_record beyond).
result<bytes> downconvert_batches(bytes_view v2_blob, int8_t target_magic, size_t max_uncompressed,
                                  int64_t first_offset = std::numeric_limits<int64_t>::min());

// Decodes a legacy message set into its logical messages, wrappers expanded and offsets made
// absolute. Stops silently at a trailing partial entry (fetched data may end with one). Checks
// CRCs and structure like upconvert_message_set (but accepts any mix of magic 0/1 at the top
// level). For tests, tools and the conversion of legacy entries during down-conversion.
result<std::vector<legacy_message>> decode_legacy_set(bytes_view set, size_t max_uncompressed = 64 << 20);

// Builds a legacy message set the way Kafka's legacy writer does.
//  codec none: one plain message per record;
//  otherwise: one wrapper message whose value is the compressed inner set (inner offsets relative
//    for magic 1, absolute for magic 0), wrapper offset = last record's offset, wrapper timestamp
//    = max record timestamp (magic 1), key null. lz4 in magic 0 carries the KAFKA-3160 header
//    checksum (computed over the magic number too), as old Kafka wrote it.
// log_append_time sets the timestamp-type bit (magic 1) on every message. Not thread-safe; one
// builder per set. Records must be added in increasing offset order.
class legacy_builder {
public:
  legacy_builder(int8_t magic, compression::codec c = compression::codec::none, bool log_append_time = false);

  // Copies key and value. `timestamp` is ignored for magic 0.
  void add(int64_t offset, int64_t timestamp, std::optional<bytes_view> key, std::optional<bytes_view> value);

  size_t record_count() const { return _count; }

  // Appends the encoded set to `out` (nothing if no record was added). Fails only if the codec
  // cannot compress (unsupported, e.g. zstd) -> unsupported_compression.
  std::error_code build_into(bytes& out) const;

private:
  int8_t _magic;
  compression::codec _codec;
  bool _log_append_time;
  size_t _count = 0;
  int64_t _first_offset = 0;
  int64_t _last_offset = 0;
  int64_t _max_timestamp = no_timestamp;
  bytes _messages;  // encoded entries, offsets already as they go into the (inner) set
};

} // namespace gregor::record
