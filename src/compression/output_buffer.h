#pragma once
// A growable output buffer with a hard cap, shared by the streaming decoders. It grows by
// doubling but never past `limit`, so a decoder that keeps asking for room eventually learns the
// output would be too large without the buffer ever exceeding the cap.

#include <cstddef>

#include "gregor/common/bytes.h"

namespace gregor::compression::detail {

class output_buffer {
public:
  // `limit`: the most bytes the buffer may ever hold. `size_hint`: a first guess (clamped).
  output_buffer(size_t limit, size_t size_hint);

  // Free room after the written bytes; grows if none is left. Returns false when the buffer is
  // full at `limit` and cannot grow.
  bool ensure_room();
  uint8_t* write_ptr() { return _buf.data() + _written; }
  size_t room() const { return _buf.size() - _written; }
  void commit(size_t n) { _written += n; }
  size_t written() const { return _written; }
  size_t limit() const { return _limit; }

  // The written bytes; the buffer is spent afterwards.
  bytes take();

private:
  bytes _buf;
  size_t _written = 0;
  size_t _limit;
};

// max_output + 1: decoders decode into this many bytes so that "exactly max_output" succeeds and
// one byte more is detected as too large.
inline size_t probe_limit(size_t max_output) {
  return max_output == static_cast<size_t>(-1) ? max_output : max_output + 1;
}

} // namespace gregor::compression::detail
