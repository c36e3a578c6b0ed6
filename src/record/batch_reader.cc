#include "batch_reader.h"

#include "gregor/common/endian.h"
#include "gregor/compression/compress.h"
#include "gregor/record/errc.h"

namespace gregor::record::detail {

std::error_code read_frame(bytes_view rest, batch_header& h) {
  if (rest.size() <= magic_offset) return make_error_code(batch_errc::corrupt_message);
  auto magic = static_cast<int8_t>(rest[magic_offset]);
  if (magic == 0 || magic == 1) return make_error_code(batch_errc::unsupported_magic);
  if (magic != current_magic) return make_error_code(batch_errc::corrupt_message);
  auto length = load_be<int32_t>(rest.data() + batch_length_offset);
  if (length < min_batch_length || static_cast<size_t>(length) > rest.size() - log_overhead) {
    return make_error_code(batch_errc::corrupt_message);
  }
  // length >= 49 and it fits, so all 61 header bytes are present.
  h = *parse_batch_header(rest);
  return {};
}

std::error_code check_integrity(bytes_view whole, const batch_header& h) {
  if (compute_crc(whole) != h.crc) return make_error_code(batch_errc::corrupt_message);
  if (!h.codec_id_valid()) return make_error_code(batch_errc::unsupported_compression);
  return {};
}

std::error_code check_header_fields(const batch_header& h, bool from_client) {
  auto bad = make_error_code(batch_errc::invalid_record);
  if (h.record_count < 0) return bad;
  if (from_client) {
    if (h.is_control()) return bad;  // only the transaction coordinator writes markers
    if (h.record_count == 0 || h.last_offset_delta != h.record_count - 1) return bad;
    if (h.producer_id >= 0 && h.base_sequence < 0) return bad;
    if (h.is_transactional() && h.producer_id < 0) return bad;
  } else {
    // Compaction may drop records but keeps last_offset_delta; it never shrinks below count - 1.
    if (h.last_offset_delta < 0 || h.last_offset_delta < h.record_count - 1) return bad;
  }
  return {};
}

std::error_code records_area(bytes_view whole, const batch_header& h, size_t max_uncompressed, bytes& scratch,
                             bytes_view& area) {
  area = whole.subspan(records_offset);
  if (h.codec() == compression::codec::none) return {};
  auto out = compression::decompress(h.codec(), area, max_uncompressed);
  if (!out) return make_error_code(batch_errc::invalid_record);
  scratch = std::move(*out);
  area = scratch;
  return {};
}

} // namespace gregor::record::detail
