#include "gregor/protocol/framing.h"

#include <array>
#include <cassert>

#include "gregor/common/endian.h"

namespace gregor::protocol {

bool decode_request_header(reader& r, request_header& out) {
  out = request_header{};
  out.api_key = r.read_int16();
  out.api_version = r.read_int16();
  out.correlation_id = r.read_int32();
  if (!r.ok()) return false;
  const int16_t header_version = request_header_version(out.api_key, out.api_version);
  if (header_version >= 1) out.client_id = r.read_nullable_string(false);
  if (header_version >= 2) r.skip_tagged_fields();
  return r.ok();
}

bool decode_response_header(reader& r, int16_t api_key, int16_t api_version, int32_t& correlation_id) {
  correlation_id = r.read_int32();
  if (response_header_version(api_key, api_version) >= 1) r.skip_tagged_fields();
  return r.ok();
}

void encode_request_header(writer& w, const request_header& h, int16_t header_version) {
  w.write_int16(h.api_key);
  w.write_int16(h.api_version);
  w.write_int32(h.correlation_id);
  if (header_version >= 1) w.write_nullable_string(h.client_id, false);
  if (header_version >= 2) w.write_uvarint(0);
}

void encode_response_header(writer& w, int32_t correlation_id, int16_t header_version) {
  w.write_int32(correlation_id);
  if (header_version >= 1) w.write_uvarint(0);
}

size_t begin_frame(iobuf& out) {
  size_t pos = out.size();
  store_be<int32_t>(out.append_uninitialized(4), 0);
  return pos;
}

void end_frame(iobuf& out, size_t prefix_pos) {
  const size_t body = out.size() - prefix_pos - 4;
  assert(body <= static_cast<size_t>(INT32_MAX) && "frame too large");
  std::array<uint8_t, 4> size{};
  store_be<int32_t>(size.data(), static_cast<int32_t>(body));
  out.write_at(prefix_pos, bytes_view(size.data(), size.size()));
}

} // namespace gregor::protocol
