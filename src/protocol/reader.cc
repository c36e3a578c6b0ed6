#include "gregor/protocol/reader.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstring>

#include "gregor/common/endian.h"
#include "gregor/common/varint.h"

namespace gregor::protocol {

reader::reader(shared_bytes buf) : _buf(std::move(buf)), _pos(0), _end(_buf.size()) {}

bool reader::fail(const char* why) {
  if (_error == nullptr) _error = why;
  return false;
}

bool reader::need(size_t n, const char* why) {
  if (!ok()) return false;
  if (remaining() < n) return fail(why);
  return true;
}

bool reader::read_bool() { return read_int8() != 0; }

int8_t reader::read_int8() {
  if (!need(1, "truncated int8")) return 0;
  return static_cast<int8_t>(_buf.data()[_pos++]);
}

int16_t reader::read_int16() {
  if (!need(2, "truncated int16")) return 0;
  auto v = load_be<int16_t>(cursor());
  _pos += 2;
  return v;
}

int32_t reader::read_int32() {
  if (!need(4, "truncated int32")) return 0;
  auto v = load_be<int32_t>(cursor());
  _pos += 4;
  return v;
}

int64_t reader::read_int64() {
  if (!need(8, "truncated int64")) return 0;
  auto v = load_be<int64_t>(cursor());
  _pos += 8;
  return v;
}

uint16_t reader::read_uint16() { return static_cast<uint16_t>(read_int16()); }
uint32_t reader::read_uint32() { return static_cast<uint32_t>(read_int32()); }

double reader::read_float64() { return std::bit_cast<double>(static_cast<uint64_t>(read_int64())); }

gregor::uuid reader::read_uuid() {
  gregor::uuid id;
  if (!need(16, "truncated uuid")) return id;
  std::memcpy(id.bytes.data(), cursor(), 16);
  _pos += 16;
  return id;
}

uint32_t reader::read_uvarint() {
  if (!ok()) return 0;
  uint64_t v = 0;
  size_t n = varint::decode_unsigned(cursor(), cursor() + remaining(), v, varint::max_size32);
  if (n == 0 || v > UINT32_MAX) {
    fail("bad or truncated unsigned varint");
    return 0;
  }
  _pos += n;
  return static_cast<uint32_t>(v);
}

uint64_t reader::read_uvarlong() {
  if (!ok()) return 0;
  uint64_t v = 0;
  size_t n = varint::decode_unsigned(cursor(), cursor() + remaining(), v, varint::max_size64);
  if (n == 0) {
    fail("bad or truncated unsigned varlong");
    return 0;
  }
  _pos += n;
  return v;
}

int32_t reader::read_varint() {
  if (!ok()) return 0;
  uint64_t v = 0;
  size_t n = varint::decode_unsigned(cursor(), cursor() + remaining(), v, varint::max_size32);
  if (n == 0 || v > UINT32_MAX) {
    fail("bad or truncated varint");
    return 0;
  }
  _pos += n;
  return static_cast<int32_t>(varint::zigzag_decode(v));
}

int64_t reader::read_varlong() {
  if (!ok()) return 0;
  int64_t v = 0;
  size_t n = varint::decode_signed(cursor(), cursor() + remaining(), v, varint::max_size64);
  if (n == 0) {
    fail("bad or truncated varlong");
    return 0;
  }
  _pos += n;
  return v;
}

int64_t reader::read_length(bool compact, bool is_string) {
  int64_t len;
  if (compact) {
    uint32_t n = read_uvarint();
    if (!ok()) return -2;
    len = static_cast<int64_t>(n) - 1;
  } else {
    len = is_string ? read_int16() : read_int32();
    if (!ok()) return -2;
    if (len < -1) {
      fail("negative length");
      return -2;
    }
  }
  if (len > static_cast<int64_t>(remaining())) {
    fail("length exceeds the bytes left");
    return -2;
  }
  return len;
}

std::string reader::read_string(bool compact) {
  int64_t len = read_length(compact, true);
  if (len == -1) fail("null string for a non-nullable field");
  if (len < 0) return {};
  std::string s(reinterpret_cast<const char*>(cursor()), static_cast<size_t>(len));
  _pos += static_cast<size_t>(len);
  return s;
}

std::optional<std::string> reader::read_nullable_string(bool compact) {
  int64_t len = read_length(compact, true);
  if (len < 0) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(cursor()), static_cast<size_t>(len));
  _pos += static_cast<size_t>(len);
  return s;
}

gregor::bytes reader::read_bytes(bool compact) {
  int64_t len = read_length(compact, false);
  if (len == -1) fail("null bytes for a non-nullable field");
  if (len < 0) return {};
  gregor::bytes b(cursor(), cursor() + len);
  _pos += static_cast<size_t>(len);
  return b;
}

std::optional<gregor::bytes> reader::read_nullable_bytes(bool compact) {
  int64_t len = read_length(compact, false);
  if (len < 0) return std::nullopt;
  gregor::bytes b(cursor(), cursor() + len);
  _pos += static_cast<size_t>(len);
  return b;
}

std::optional<shared_bytes> reader::read_shared_bytes(bool compact) {
  int64_t len = read_length(compact, false);
  if (len < 0) return std::nullopt;
  return read_raw(static_cast<size_t>(len));
}

std::optional<gregor::iobuf> reader::read_records(bool compact) {
  auto slice = read_shared_bytes(compact);
  if (!slice) return std::nullopt;
  std::optional<gregor::iobuf> out(std::in_place);
  out->append(std::move(*slice));
  return out;
}

int32_t reader::read_array_length(bool compact) {
  int64_t n;
  if (compact) {
    uint32_t v = read_uvarint();
    if (!ok()) return 0;
    n = static_cast<int64_t>(v) - 1;
  } else {
    n = read_int32();
    if (!ok()) return 0;
    if (n < -1) {
      fail("negative array count");
      return 0;
    }
  }
  if (n > static_cast<int64_t>(remaining()) || n > INT32_MAX) {
    fail("array count exceeds the bytes left");
    return 0;
  }
  return static_cast<int32_t>(n);
}

size_t reader::bounded_reserve(int32_t count) const {
  if (count <= 0) return 0;
  // Elements are at least one byte on the wire but may be much larger in memory; cap the
  // up-front reservation so a hostile count cannot multiply into a huge allocation.
  constexpr size_t max_reserve = 1024;
  return std::min({static_cast<size_t>(count), remaining(), max_reserve});
}

shared_bytes reader::read_raw(size_t n) {
  if (!need(n, "truncated raw bytes")) return {};
  shared_bytes s = _buf.slice(_pos, n);
  _pos += n;
  return s;
}

void reader::skip(size_t n) {
  if (!need(n, "truncated data to skip")) return;
  _pos += n;
}

bool reader::begin_tagged_field(tagged_field& f) {
  f.tag = read_uvarint();
  f.size = read_uvarint();
  if (!ok()) return false;
  if (f.size > remaining()) return fail("tagged field size exceeds the bytes left");
  f.saved_end = _end;
  _end = _pos + f.size;
  return true;
}

void reader::end_tagged_field(const tagged_field& f) {
  if (ok()) _pos = _end;  // skip what the decoder did not read (e.g. a newer struct layout)
  _end = f.saved_end;
}

void reader::skip_tagged_fields() {
  uint32_t count = read_uvarint();
  for (uint32_t i = 0; i < count && ok(); ++i) {
    tagged_field f;
    if (!begin_tagged_field(f)) return;
    end_tagged_field(f);
  }
}

} // namespace gregor::protocol
