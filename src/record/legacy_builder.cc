// legacy_builder (legacy.h): writes magic 0/1 sets as Kafka's legacy writer does, for down-conversion.

#include <algorithm>

#include "gregor/compression/compress.h"
#include "gregor/record/legacy.h"
#include "legacy_message.h"

namespace gregor::record {

legacy_builder::legacy_builder(int8_t magic, compression::codec c, bool log_append_time)
  : _magic(magic), _codec(c), _log_append_time(log_append_time && magic == legacy_magic_v1) {}

void legacy_builder::add(int64_t offset, int64_t timestamp, std::optional<bytes_view> key,
                         std::optional<bytes_view> value) {
  if (_magic == legacy_magic_v0) timestamp = no_timestamp;
  if (_count == 0) _first_offset = offset;
  _last_offset = offset;
  _max_timestamp = _count == 0 ? timestamp : std::max(_max_timestamp, timestamp);
  ++_count;
  // Inside a magic-1 wrapper offsets are relative to the first record (KIP-31); plain messages and
  // magic-0 inner messages carry absolute offsets.
  bool relative = _codec != compression::codec::none && _magic == legacy_magic_v1;
  int64_t stored_offset = relative ? offset - _first_offset : offset;
  // Inner messages are uncompressed; with LogAppendTime they carry the type bit too, as Kafka's
  // legacy writer sets it on every message.
  int8_t attributes = _log_append_time ? legacy_timestamp_type_bit : 0;
  detail::append_legacy_entry(_messages, stored_offset, _magic, attributes, timestamp, key, value);
}

std::error_code legacy_builder::build_into(bytes& out) const {
  if (_count == 0) return {};
  if (_codec == compression::codec::none) {
    out.insert(out.end(), _messages.begin(), _messages.end());
    return {};
  }
  // zstd exists only in v2 batches; an old reader could not decode it.
  if (_codec == compression::codec::zstd) return make_error_code(batch_errc::unsupported_compression);
  auto compressed = compression::compress(_codec, _messages);
  if (!compressed) return make_error_code(batch_errc::unsupported_compression);
  if (_codec == compression::codec::lz4 && _magic == legacy_magic_v0) {
    detail::apply_legacy_lz4_checksum(*compressed);
  }
  auto attributes =
      static_cast<int8_t>(static_cast<int8_t>(_codec) | (_log_append_time ? legacy_timestamp_type_bit : 0));
  detail::append_legacy_entry(out, _last_offset, _magic, attributes, _max_timestamp, std::nullopt,
                              bytes_view(*compressed));
  return {};
}

} // namespace gregor::record
