#pragma once
// reader: decodes Kafka protocol primitives from one received frame.
//
// Failure is sticky: the first malformed or truncated read records a reason, ok() turns false and
// every later read returns a zero value without touching the buffer, so decoders can read a whole
// struct and check ok() once. Every length or count is checked against the bytes left before
// anything is allocated.
//
// Ownership: the reader co-owns the frame. Values returned by read_records() and
// read_shared_bytes() borrow slices of it and keep it alive after the reader is gone.
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

class reader {
public:
  explicit reader(shared_bytes buf);

  bool ok() const { return _error == nullptr; }
  // Bytes left before the current limit (the frame end, or the end of the tagged field being read).
  size_t remaining() const { return _end - _pos; }
  size_t position() const { return _pos; }
  // Why decoding failed; empty while ok().
  std::string_view error() const { return _error ? std::string_view(_error) : std::string_view(); }
  // Marks the reader failed unless it already is (the first reason wins). Returns false.
  // `why` must be a string literal (it is kept by pointer).
  bool fail(const char* why);

  // Fixed-size primitives (big-endian). bool: any non-zero byte is true.
  bool read_bool();
  int8_t read_int8();
  int16_t read_int16();
  int32_t read_int32();
  int64_t read_int64();
  uint16_t read_uint16();
  uint32_t read_uint32();
  double read_float64();
  gregor::uuid read_uuid();

  // Unsigned varints (protocol level): at most 5 bytes for 32 bits, 10 for 64.
  uint32_t read_uvarint();
  uint64_t read_uvarlong();
  // Zigzag varints (record level).
  int32_t read_varint();
  int64_t read_varlong();

  // Strings: classic = int16 length, compact = uvarint(length + 1). A null where the field is not
  // nullable fails the reader.
  std::string read_string(bool compact);
  std::optional<std::string> read_nullable_string(bool compact);
  // Bytes: classic = int32 length, compact = uvarint(length + 1). Copied out of the frame.
  gregor::bytes read_bytes(bool compact);
  std::optional<gregor::bytes> read_nullable_bytes(bool compact);
  // Like read_nullable_bytes but borrowing the frame (no copy).
  std::optional<shared_bytes> read_shared_bytes(bool compact);
  // A records field (nullable bytes on the wire). Borrows large payloads from the frame; small
  // ones are copied by iobuf::append.
  std::optional<gregor::iobuf> read_records(bool compact);

  // Array count: classic int32, compact uvarint(count + 1). Returns -1 for null, and fails (and
  // returns 0) when the count exceeds the bytes left: every element takes at least one byte.
  int32_t read_array_length(bool compact);
  // A safe capacity to reserve for `count` elements: never more than the bytes left.
  size_t bounded_reserve(int32_t count) const;

  // Raw access.
  shared_bytes read_raw(size_t n);
  void skip(size_t n);

  // Tagged-field sections (flexible versions). A section is uvarint count, then per field uvarint
  // tag, uvarint size, and `size` bytes.
  struct tagged_field {
    uint32_t tag = 0;
    uint32_t size = 0;
    size_t saved_end = 0;
  };
  // Reads a field's tag and size and limits the reader to the field's bytes. False on failure.
  bool begin_tagged_field(tagged_field& f);
  // Skips whatever the decoder left unread of the field and lifts the limit.
  void end_tagged_field(const tagged_field& f);
  // Reads a whole section, skipping every field by size (structs with no known tags).
  void skip_tagged_fields();

private:
  const uint8_t* cursor() const { return _buf.data() + _pos; }
  bool need(size_t n, const char* why);
  // Reads a length prefix; returns -1 for null, -2 on failure.
  int64_t read_length(bool compact, bool is_string);

  shared_bytes _buf;
  size_t _pos = 0;
  size_t _end = 0;
  const char* _error = nullptr;
};

} // namespace gregor::protocol
