#pragma once
// Frames: int32 size (bytes after it), header, body. Builds whole response/request frames and
// parses headers. Header versions come from api.h (WIRE-PROTOCOL-NOTES §2).
// Stateless functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "gregor/common/iobuf.h"
#include "gregor/protocol/api.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::protocol {

struct request_header {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;  // absent in header v0 (ControlledShutdown v0)

  friend bool operator==(const request_header&, const request_header&) = default;
};

// Reads a request header from `r` (positioned after the size prefix). Reads key and version
// first and derives the header version itself, so the header of an ApiVersions request of any
// version, even one we do not know, is parsed: client_id is a classic int16 string in every
// header version, and header v2 adds a tagged-field section (skipped). False if malformed.
bool decode_request_header(reader& r, request_header& out);

// Reads a response header (correlation id, plus tagged fields for header v1).
bool decode_response_header(reader& r, int16_t api_key, int16_t api_version, int32_t& correlation_id);

// Writes the header of the given version (0, 1 or 2).
void encode_request_header(writer& w, const request_header& h, int16_t header_version);
void encode_response_header(writer& w, int32_t correlation_id, int16_t header_version);

// Reserves the int32 size prefix at the tail of `out` and returns its position.
size_t begin_frame(iobuf& out);
// Fills in the size prefix reserved by begin_frame with the bytes written after it.
void end_frame(iobuf& out, size_t prefix_pos);

// A full response frame: size prefix, response header (version from response_header_version),
// body encoded at `api_version`. Record data in the body is shared, not copied.
template <class Msg>
iobuf encode_response_frame(int32_t correlation_id, int16_t api_key, int16_t api_version, const Msg& body) {
  iobuf out;
  size_t prefix = begin_frame(out);
  writer w(out);
  encode_response_header(w, correlation_id, response_header_version(api_key, api_version));
  body.encode(w, api_version);
  end_frame(out, prefix);
  return out;
}

// A full request frame: size prefix, request header (version from request_header_version), body.
template <class Msg>
iobuf encode_request_frame(const request_header& h, const Msg& body) {
  iobuf out;
  size_t prefix = begin_frame(out);
  writer w(out);
  encode_request_header(w, h, request_header_version(h.api_key, h.api_version));
  body.encode(w, h.api_version);
  end_frame(out, prefix);
  return out;
}

} // namespace gregor::protocol
