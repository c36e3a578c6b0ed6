#pragma once
// Private: parsing and encoding of single legacy messages (magic 0/1), shared by up-conversion,
// down-conversion and decode_legacy_set so all three apply exactly the same checks.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <system_error>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/compression/codec.h"
#include "gregor/record/legacy.h"

namespace gregor::record::detail {

// One legacy entry, as views into the bytes it was parsed from.
struct legacy_view {
  int64_t offset = 0;
  int8_t magic = 0;
  int8_t attributes = 0;
  int64_t timestamp = no_timestamp;  // magic 0: no_timestamp
  std::optional<bytes_view> key;
  std::optional<bytes_view> value;
  size_t entry_size = 0;  // log overhead included

  int codec_id() const { return attributes & legacy_codec_mask; }
  bool log_append_time() const { return magic > 0 && (attributes & legacy_timestamp_type_bit) != 0; }
};

// Where a message sits decides which error a short or malformed one gets: in the request
// itself a torn entry is corrupt_message (as for v2 batches); inside a decompressed wrapper
// value it is invalid_record.
enum class legacy_context { top_level, inner };

// Reads the frame of the entry at the start of `rest`: offset, size, magic. Fails with
// corrupt_message (top level) / invalid_record (inner) if the entry is torn or its size is below
// the header size of its magic; with corrupt_message if the magic is not 0, 1 or 2; with
// invalid_record if the magic is 2 (a v2 batch where a legacy message must be). On success
// out.offset, out.magic and out.entry_size are set and entry_size <= rest.size().
std::error_code read_legacy_frame(bytes_view rest, legacy_context where, legacy_view& out);

// Checks the CRC-32 (corrupt_message) and the codec id (unsupported_compression for ids 4-7,
// since zstd cannot appear in magic 0/1), then parses attributes, timestamp, key and value
// (invalid_record if they do not fill the message exactly, or a magic-1 timestamp < -1).
// `entry` = exactly the entry read_legacy_frame accepted.
std::error_code parse_legacy_body(bytes_view entry, legacy_view& out);

// Decompresses a wrapper's value (bound: max_output). Magic-0 lz4 frames carry the KAFKA-3160
// header checksum, which is not verified. Any failure is invalid_record.
std::error_code decompress_wrapper(const legacy_view& wrapper, size_t max_output, bytes& out);

// Parses the decompressed inner set of `wrapper` into `out` (cleared first): every inner message
// must be whole (invalid_record), pass parse_legacy_body, have the wrapper's magic and no codec
// (invalid_record), and there must be at least one (invalid_record). Offsets come out absolute
// (magic 1: wrapper offset - last relative + relative; magic 0: as stored) and timestamps
// resolved (a magic-1 LogAppendTime wrapper gives its timestamp and type bit to every message).
std::error_code parse_inner_set(const legacy_view& wrapper, bytes_view inner, std::vector<legacy_view>& out);

// Appends one encoded legacy entry to `out`.
void append_legacy_entry(bytes& out, int64_t offset, int8_t magic, int8_t attributes, int64_t timestamp,
                         std::optional<bytes_view> key, std::optional<bytes_view> value);

// Rewrites the header checksum byte of the lz4 frame in `frame` the way Kafka's magic-0 writer
// computed it (xxh32 over the magic number and the descriptor instead of the descriptor alone,
// KAFKA-3160). No-op if `frame` does not start with an lz4 frame header.
void apply_legacy_lz4_checksum(bytes& frame);

} // namespace gregor::record::detail
