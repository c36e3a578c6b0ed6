#include "record_walker.h"

#include "gregor/common/varint.h"

namespace gregor::record::detail {

bool read_varint32(const uint8_t*& p, const uint8_t* end, int32_t& out) {
  uint64_t u = 0;
  size_t n = varint::decode_unsigned(p, end, u, varint::max_size32);
  if (n == 0 || u > 0xffffffffULL) return false;
  out = static_cast<int32_t>(varint::zigzag_decode(u));
  p += n;
  return true;
}

bool read_varint64(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  uint64_t u = 0;
  size_t n = varint::decode_unsigned(p, end, u, varint::max_size64);
  // The tenth byte carries only bit 63; anything more overflows.
  if (n == 0 || (n == varint::max_size64 && p[n - 1] > 1)) return false;
  out = varint::zigzag_decode(u);
  p += n;
  return true;
}

namespace {

// A nullable length-prefixed field: -1 is null, other negatives and overruns are malformed.
bool read_nullable(const uint8_t*& p, const uint8_t* end, std::optional<bytes_view>& out) {
  int32_t len = 0;
  if (!read_varint32(p, end, len) || len < -1) return false;
  if (len == -1) {
    out.reset();
    return true;
  }
  if (static_cast<size_t>(len) > static_cast<size_t>(end - p)) return false;
  out = bytes_view(p, static_cast<size_t>(len));
  p += len;
  return true;
}

} // namespace

bool parse_record(const uint8_t*& p, const uint8_t* end, record_view& out) {
  int32_t length = 0;
  if (!read_varint32(p, end, length)) return false;
  if (length < static_cast<int32_t>(min_record_size - 1)) return false;
  if (static_cast<size_t>(length) > static_cast<size_t>(end - p)) return false;
  const uint8_t* q = p;
  const uint8_t* rec_end = p + length;
  ++q;  // attributes: unused by every magic-2 writer; not checked, as Kafka does not
  if (!read_varint64(q, rec_end, out.timestamp_delta)) return false;
  if (!read_varint32(q, rec_end, out.offset_delta)) return false;
  if (!read_nullable(q, rec_end, out.key)) return false;
  if (!read_nullable(q, rec_end, out.value)) return false;
  int32_t count = 0;
  if (!read_varint32(q, rec_end, count) || count < 0) return false;
  // Each header takes at least two bytes (two lengths).
  if (static_cast<size_t>(count) > static_cast<size_t>(rec_end - q) / 2) return false;
  const uint8_t* headers_begin = q;
  for (int32_t i = 0; i < count; ++i) {
    int32_t klen = 0;
    if (!read_varint32(q, rec_end, klen) || klen < 0) return false;  // header keys are never null
    if (static_cast<size_t>(klen) > static_cast<size_t>(rec_end - q)) return false;
    q += klen;
    std::optional<bytes_view> value;
    if (!read_nullable(q, rec_end, value)) return false;
  }
  if (q != rec_end) return false;
  out.header_count = count;
  out.headers = bytes_view(headers_begin, static_cast<size_t>(q - headers_begin));
  p = rec_end;
  return true;
}

} // namespace gregor::record::detail
