// Down-conversion of fetched log data to magic 0/1 for Fetch v0-3; see legacy.h for the rules.

#include "batch_reader.h"
#include "gregor/common/endian.h"
#include "gregor/record/legacy.h"
#include "legacy_message.h"
#include "record_walker.h"

namespace gregor::record {
namespace {

std::error_code downconvert_err(batch_errc e) { return make_error_code(e); }

// One v2 batch (`whole` = exactly its bytes) appended to `out` as legacy messages.
std::error_code convert_v2_batch(bytes_view whole, int8_t target_magic, size_t max_uncompressed, int64_t first_offset,
                                 bytes& scratch, bytes& out) {
  batch_header h;
  if (auto e = detail::read_frame(whole, h)) return e;
  if (auto e = detail::check_integrity(whole, h)) return e;
  if (auto e = detail::check_header_fields(h, /*from_client=*/false)) return e;
  // Transaction markers mean nothing to a reader without transactions; compaction may leave
  // batches with no records.
  if (h.is_control() || h.record_count == 0) return {};
  if (h.codec() == compression::codec::zstd) return downconvert_err(batch_errc::unsupported_compression);
  bytes_view area;
  if (auto e = detail::records_area(whole, h, max_uncompressed, scratch, area)) return e;

  legacy_builder builder(target_magic, h.codec(), h.log_append_time());
  detail::walk_rules rules;
  rules.exact_offsets = false;  // log data: compaction leaves gaps
  auto e = detail::walk_records(h, area, rules, [&](const detail::record_view& r) {
    int64_t offset = h.base_offset + r.offset_delta;
    if (offset < first_offset) return;
    int64_t timestamp = h.log_append_time() ? h.max_timestamp
                                            : static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) +
                                                                   static_cast<uint64_t>(r.timestamp_delta));
    builder.add(offset, timestamp, r.key, r.value);  // headers cannot be expressed: dropped
  });
  if (e) return e;
  return builder.build_into(out);
}

// A magic-1 entry rewritten as magic 0 (same codec, offsets made absolute, timestamps dropped).
std::error_code convert_v1_entry(bytes_view entry, detail::legacy_view m, size_t max_uncompressed, bytes& out) {
  if (auto e = detail::parse_legacy_body(entry, m)) return e;
  auto codec = static_cast<compression::codec>(m.codec_id());
  legacy_builder builder(legacy_magic_v0, codec);
  if (codec == compression::codec::none) {
    builder.add(m.offset, no_timestamp, m.key, m.value);
    return builder.build_into(out);
  }
  bytes inner_bytes;
  std::vector<detail::legacy_view> inner;
  if (auto e = detail::decompress_wrapper(m, max_uncompressed, inner_bytes)) return e;
  if (auto e = detail::parse_inner_set(m, inner_bytes, inner)) return e;
  for (const auto& r : inner) builder.add(r.offset, no_timestamp, r.key, r.value);
  return builder.build_into(out);
}

} // namespace

result<bytes> downconvert_batches(bytes_view v2_blob, int8_t target_magic, size_t max_uncompressed,
                                  int64_t first_offset) {
  if (target_magic != legacy_magic_v0 && target_magic != legacy_magic_v1) {
    return unexpected(downconvert_err(batch_errc::unsupported_magic));
  }
  bytes out;
  bytes scratch;  // one decompression buffer, reused batch after batch
  size_t pos = 0;
  while (pos < v2_blob.size()) {
    bytes_view rest = v2_blob.subspan(pos);
    // A fetch may end with a partial entry: stop there, as a client would.
    if (rest.size() <= magic_offset) break;
    auto size = load_be<int32_t>(rest.data() + batch_length_offset);
    if (size >= 0 && static_cast<size_t>(size) > rest.size() - log_overhead) break;
    auto magic = static_cast<int8_t>(rest[magic_offset]);
    if (magic == current_magic) {
      if (size < min_batch_length) return unexpected(downconvert_err(batch_errc::corrupt_message));
      bytes_view whole = rest.first(static_cast<size_t>(size) + log_overhead);
      if (auto e = convert_v2_batch(whole, target_magic, max_uncompressed, first_offset, scratch, out)) {
        return unexpected(e);
      }
      pos += whole.size();
      continue;
    }
    detail::legacy_view m;
    if (auto e = detail::read_legacy_frame(rest, detail::legacy_context::top_level, m)) return unexpected(e);
    bytes_view entry = rest.first(m.entry_size);
    if (m.magic <= target_magic) {
      out.insert(out.end(), entry.begin(), entry.end());
    } else if (auto e = convert_v1_entry(entry, m, max_uncompressed, out)) {
      return unexpected(e);
    }
    pos += m.entry_size;
  }
  return out;
}

} // namespace gregor::record
