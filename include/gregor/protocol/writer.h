#pragma once
// writer: encodes Kafka protocol primitives at the tail of an iobuf.
//
// The writer borrows `out`, which must outlive it. Writes cannot fail; a value that does not fit
// its wire form (a string longer than 32767 bytes in a classic field) is a caller bug: it asserts
// in debug builds and is truncated in release builds, so the frame stays well-formed.
// Not thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/uuid.h"

namespace gregor::protocol {

class writer {
public:
  explicit writer(iobuf& out) : _out(out) {}

  iobuf& out() { return _out; }
  size_t size() const { return _out.size(); }

  void write_bool(bool v);
  void write_int8(int8_t v);
  void write_int16(int16_t v);
  void write_int32(int32_t v);
  void write_int64(int64_t v);
  void write_uint16(uint16_t v);
  void write_uint32(uint32_t v);
  void write_float64(double v);
  void write_uuid(const gregor::uuid& v);

  void write_uvarint(uint64_t v);
  void write_varint(int64_t v);  // zigzag

  // Strings: classic = int16 length, compact = uvarint(length + 1).
  void write_string(std::string_view v, bool compact);
  void write_null_string(bool compact);
  void write_nullable_string(const std::optional<std::string>& v, bool compact);
  // Bytes: classic = int32 length, compact = uvarint(length + 1).
  void write_bytes(bytes_view v, bool compact);
  void write_null_bytes(bool compact);
  void write_nullable_bytes(const std::optional<gregor::bytes>& v, bool compact);
  // Records: a length prefix, then the iobuf's chunks shared (not copied), file slices included.
  void write_records(const std::optional<gregor::iobuf>& v, bool compact);

  // Arrays: classic int32 count, compact uvarint(count + 1); null = -1 / 0.
  void write_array_length(size_t n, bool compact);
  void write_null_array(bool compact);

  // One tagged field: uvarint tag, uvarint size, then `body` (appended without copying).
  void write_tagged_field(uint32_t tag, iobuf&& body);

  void write_raw(bytes_view v) { _out.append(v); }

private:
  void write_length(int64_t n, bool compact, bool is_string);

  iobuf& _out;
};

} // namespace gregor::protocol
