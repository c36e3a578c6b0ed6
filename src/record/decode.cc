#include "gregor/record/record.h"

#include "batch_reader.h"
#include "gregor/common/endian.h"
#include "record_walker.h"

namespace gregor::record {

result<std::vector<record>> decode_records(bytes_view batch, size_t max_uncompressed) {
  batch_header h;
  if (auto e = detail::read_frame(batch, h)) return unexpected(e);
  bytes_view whole = batch.first(h.total_size());
  if (auto e = detail::check_integrity(whole, h)) return unexpected(e);
  // Log data: compacted and control batches are legitimate here.
  if (auto e = detail::check_header_fields(h, /*from_client=*/false)) return unexpected(e);
  bytes scratch;
  bytes_view area;
  if (auto e = detail::records_area(whole, h, max_uncompressed, scratch, area)) return unexpected(e);

  std::vector<record> out;
  detail::walk_rules rules;
  rules.exact_offsets = false;
  // walk_records has bounded record_count by the area size, so this reserve is bounded too.
  if (h.record_count > 0 && static_cast<size_t>(h.record_count) <= area.size() / detail::min_record_size) {
    out.reserve(static_cast<size_t>(h.record_count));
  }
  auto to_bytes = [](std::optional<bytes_view> v) -> std::optional<bytes> {
    if (!v) return std::nullopt;
    return bytes(v->begin(), v->end());
  };
  auto e = detail::walk_records(h, area, rules, [&](const detail::record_view& r) {
    record rec;
    rec.offset = h.base_offset + r.offset_delta;
    rec.timestamp = h.log_append_time()
                        ? h.max_timestamp
                        : static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) +
                                               static_cast<uint64_t>(r.timestamp_delta));
    rec.key = to_bytes(r.key);
    rec.value = to_bytes(r.value);
    rec.headers.reserve(static_cast<size_t>(r.header_count));
    detail::for_each_header(r, [&](bytes_view k, std::optional<bytes_view> v) {
      rec.headers.push_back(header{std::string(as_string_view(k)), to_bytes(v)});
    });
    out.push_back(std::move(rec));
  });
  if (e) return unexpected(e);
  return out;
}

std::vector<bytes_view> split_batches(bytes_view blob) {
  constexpr int32_t min_legacy_size = 14;  // crc, magic, attributes, key and value lengths
  std::vector<bytes_view> out;
  size_t pos = 0;
  while (blob.size() - pos > magic_offset) {
    bytes_view rest = blob.subspan(pos);
    auto size = load_be<int32_t>(rest.data() + batch_length_offset);
    int8_t magic = static_cast<int8_t>(rest[magic_offset]);
    int32_t minimum = magic >= current_magic ? min_batch_length : min_legacy_size;
    if (size < minimum || static_cast<size_t>(size) > rest.size() - log_overhead) break;
    out.push_back(rest.first(static_cast<size_t>(size) + log_overhead));
    pos += static_cast<size_t>(size) + log_overhead;
  }
  return out;
}

} // namespace gregor::record
