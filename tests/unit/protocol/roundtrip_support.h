#pragma once
// Support for the generated round-trip tests (tests are generated from the schemas by
// src/protocol/codegen/generate.py --tests): a deterministic value source and the per-message
// check run at every valid version.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/uuid.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::protocol::test_support {

// Deterministic pseudo-random values; never the field's default.
class filler {
public:
  explicit filler(uint32_t seed) : _state(seed * 2654435761u + 0x9e3779b9u) {}

  uint32_t next() {
    _state ^= _state << 13;
    _state ^= _state >> 17;
    _state ^= _state << 5;
    return _state;
  }

  template <class T>
  T next_int(T default_value) {
    // Mix small and wide values so both fixed-width ends get exercised.
    T v = (next() % 3 == 0) ? static_cast<T>(next() * 2654435761u) : static_cast<T>(next() % 100 + 1);
    if (v == default_value) v = static_cast<T>(v + 1);
    return v;
  }
  double next_double() { return static_cast<double>(next() % 10000) + 0.25; }
  gregor::uuid next_uuid() { return gregor::uuid::from_parts(next() | 1u, next()); }
  std::string next_string() { return "s" + std::to_string(next() % 100000); }
  gregor::bytes next_bytes() {
    gregor::bytes b(1 + next() % 8);
    for (auto& x : b) x = static_cast<uint8_t>(next());
    return b;
  }
  // Record data; sometimes larger than iobuf's borrow threshold so decode borrows the frame.
  gregor::iobuf records() {
    gregor::bytes b((next() % 3 == 0) ? 300 + next() % 50 : 1 + next() % 20);
    for (auto& x : b) x = static_cast<uint8_t>(next());
    gregor::iobuf out;
    out.append(bytes_view(b));
    return out;
  }
  size_t count() { return next() % 4; }
  bool null_now() { return next() % 4 == 0; }

private:
  uint32_t _state;
};

inline gregor::bytes encode_to_bytes(const auto& m, int16_t version) {
  gregor::iobuf out;
  writer w(out);
  m.encode(w, version);
  return out.linearize();
}

// What one fill/encode/decode cycle observed. Kept free of gtest so the per-message template
// stays small to compile; roundtrip_support.cc turns it into assertions.
struct roundtrip_outcome {
  bool decoded = false;
  std::string error;
  size_t left_over = 0;
  bool equal = false;
  bool reencoded_same = false;
  bool equals_default = false;  // a filled message that still compares equal to M{}
  size_t prefixes_accepted = 0;
};

template <class M, class Fill>
roundtrip_outcome run_roundtrip(Fill fill, int16_t v, uint32_t seed, bool check_prefixes) {
  roundtrip_outcome out;
  filler f(seed * 131u + static_cast<uint32_t>(v));
  M m;
  fill(m, v, f);
  const gregor::bytes wire = encode_to_bytes(m, v);
  out.equals_default = wire != encode_to_bytes(M{}, v) && m == M{};
  const shared_bytes frame(wire);
  reader r(frame);
  M decoded;
  out.decoded = decoded.decode(r, v);
  out.error = std::string(r.error());
  out.left_over = r.remaining();
  out.equal = decoded == m;
  out.reencoded_same = encode_to_bytes(decoded, v) == wire;
  if (check_prefixes) {
    for (size_t n = 0; n < wire.size(); ++n) {
      reader pr(frame.slice(0, n));
      M partial;
      if (partial.decode(pr, v) || pr.ok()) ++out.prefixes_accepted;
    }
  }
  return out;
}

using run_fn = roundtrip_outcome (*)(int16_t version, uint32_t seed, bool check_prefixes);

// For every version in [min, max] and a few seeds: the decode succeeds, consumes everything,
// equals what was encoded and re-encodes to the same bytes; every strict prefix fails (seed 0).
void check_all_versions(int16_t min_version, int16_t max_version, run_fn run);

} // namespace gregor::protocol::test_support
