#include "gregor/record/recompress.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "batch_reader.h"
#include "gregor/common/endian.h"
#include "gregor/compression/compress.h"

namespace gregor::record {

result<bytes> recompress_batch(bytes_view batch, compression::codec target, size_t max_uncompressed) {
  batch_header h;
  if (auto e = detail::read_frame(batch, h)) return unexpected(e);
  bytes_view whole = batch.first(h.total_size());
  if (auto e = detail::check_integrity(whole, h)) return unexpected(e);
  bytes scratch;
  bytes_view area;
  if (auto e = detail::records_area(whole, h, max_uncompressed, scratch, area)) return unexpected(e);

  bytes packed_storage;
  bytes_view packed = area;
  if (target != compression::codec::none) {
    auto c = compression::compress(target, area);
    if (!c) return unexpected(make_error_code(batch_errc::invalid_record));
    packed_storage = std::move(*c);
    packed = packed_storage;
  }
  size_t length = batch_header_size - log_overhead + packed.size();
  if (length > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return unexpected(make_error_code(batch_errc::message_too_large));
  }
  bytes out(batch_header_size + packed.size());
  std::memcpy(out.data(), whole.data(), batch_header_size);
  std::copy(packed.begin(), packed.end(), out.begin() + static_cast<std::ptrdiff_t>(batch_header_size));
  auto attributes = static_cast<int16_t>((h.attributes & ~codec_mask) | static_cast<int16_t>(target));
  store_be<int16_t>(out.data() + attributes_offset, attributes);
  store_be<int32_t>(out.data() + batch_length_offset, static_cast<int32_t>(length));
  store_be<uint32_t>(out.data() + crc_offset, compute_crc(out));
  return out;
}

result<std::optional<bytes>> recompress_batches(bytes_view payload, const std::vector<batch_info>& batches,
                                                compression::codec target, size_t max_uncompressed) {
  auto needs = [&](const batch_info& b) { return !b.header.is_control() && b.header.codec() != target; };
  if (std::none_of(batches.begin(), batches.end(), needs)) return std::optional<bytes>();
  bytes out;
  out.reserve(payload.size());
  for (const auto& b : batches) {
    if (b.position > payload.size() || b.header.total_size() > payload.size() - b.position) {
      return unexpected(make_error_code(batch_errc::corrupt_message));
    }
    bytes_view whole = payload.subspan(b.position, b.header.total_size());
    if (!needs(b)) {
      out.insert(out.end(), whole.begin(), whole.end());
      continue;
    }
    auto re = recompress_batch(whole, target, max_uncompressed);
    if (!re) return unexpected(re.error());
    out.insert(out.end(), re->begin(), re->end());
  }
  return std::optional<bytes>(std::move(out));
}

} // namespace gregor::record
