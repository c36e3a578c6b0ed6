#include "gregor/protocol/writer.h"

#include <bit>
#include <cassert>
#include <cstdint>

#include "gregor/common/endian.h"
#include "gregor/common/varint.h"

namespace gregor::protocol {

void writer::write_bool(bool v) { write_int8(v ? 1 : 0); }

void writer::write_int8(int8_t v) { *_out.append_uninitialized(1) = static_cast<uint8_t>(v); }
void writer::write_int16(int16_t v) { store_be(_out.append_uninitialized(2), v); }
void writer::write_int32(int32_t v) { store_be(_out.append_uninitialized(4), v); }
void writer::write_int64(int64_t v) { store_be(_out.append_uninitialized(8), v); }
void writer::write_uint16(uint16_t v) { store_be(_out.append_uninitialized(2), v); }
void writer::write_uint32(uint32_t v) { store_be(_out.append_uninitialized(4), v); }
void writer::write_float64(double v) { write_int64(static_cast<int64_t>(std::bit_cast<uint64_t>(v))); }
void writer::write_uuid(const gregor::uuid& v) { _out.append(bytes_view(v.bytes.data(), v.bytes.size())); }

void writer::write_uvarint(uint64_t v) {
  uint8_t tmp[varint::max_size64];
  size_t n = varint::encode_unsigned(tmp, v);
  _out.append(bytes_view(tmp, n));
}

void writer::write_varint(int64_t v) { write_uvarint(varint::zigzag_encode(v)); }

void writer::write_length(int64_t n, bool compact, bool is_string) {
  if (compact) {
    write_uvarint(static_cast<uint64_t>(n + 1));
  } else if (is_string) {
    write_int16(static_cast<int16_t>(n));
  } else {
    write_int32(static_cast<int32_t>(n));
  }
}

void writer::write_string(std::string_view v, bool compact) {
  if (!compact && v.size() > INT16_MAX) {
    assert(false && "string too long for an int16 length");
    v = v.substr(0, INT16_MAX);
  }
  write_length(static_cast<int64_t>(v.size()), compact, true);
  _out.append(as_bytes(v));
}

void writer::write_null_string(bool compact) { write_length(-1, compact, true); }

void writer::write_nullable_string(const std::optional<std::string>& v, bool compact) {
  if (v) write_string(*v, compact);
  else write_null_string(compact);
}

void writer::write_bytes(bytes_view v, bool compact) {
  write_length(static_cast<int64_t>(v.size()), compact, false);
  _out.append(v);
}

void writer::write_null_bytes(bool compact) { write_length(-1, compact, false); }

void writer::write_nullable_bytes(const std::optional<gregor::bytes>& v, bool compact) {
  if (v) write_bytes(*v, compact);
  else write_null_bytes(compact);
}

void writer::write_records(const std::optional<gregor::iobuf>& v, bool compact) {
  if (!v) {
    write_null_bytes(compact);
    return;
  }
  write_length(static_cast<int64_t>(v->size()), compact, false);
  for (const auto& c : v->chunks()) {
    if (const auto* o = std::get_if<iobuf::owned>(&c)) {
      // Share the owned chunk instead of copying it: the aliasing shared_bytes keeps it alive.
      // Small chunks are copied by iobuf::append, which is cheaper than another chunk.
      _out.append(shared_bytes(std::shared_ptr<const bytes>(*o), 0, (*o)->size()));
    } else if (const auto* s = std::get_if<shared_bytes>(&c)) {
      _out.append(*s);
    } else {
      _out.append(std::get<file_slice>(c));
    }
  }
}

void writer::write_array_length(size_t n, bool compact) {
  assert(n <= static_cast<size_t>(INT32_MAX - 1) && "array too long");
  write_length(static_cast<int64_t>(n), compact, false);
}

void writer::write_null_array(bool compact) { write_length(-1, compact, false); }

void writer::write_tagged_field(uint32_t tag, iobuf&& body) {
  write_uvarint(tag);
  write_uvarint(body.size());
  _out.append(std::move(body));
}

} // namespace gregor::protocol
