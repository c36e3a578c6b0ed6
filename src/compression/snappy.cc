// Snappy in the two shapes Kafka clients write (WIRE-PROTOCOL-NOTES §8):
//  * xerial framing (Java, kafka-python): 8-byte magic, int32 version, int32 min-compatible
//    version, then blocks of int32 BE compressed length + raw snappy block. snappy-java also
//    reads a second header appearing mid-stream (concatenated streams), so we do too;
//  * one raw snappy block (librdkafka, Sarama).
// Each raw block states its uncompressed length up front, so we check it against the budget
// before allocating anything.

#include <snappy.h>

#include <algorithm>
#include <cstring>

#include "codecs.h"
#include "gregor/common/endian.h"
#include "gregor/compression/errc.h"

namespace gregor::compression::detail {
namespace {

constexpr uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00};
constexpr size_t xerial_header_size = 16;  // magic + version + min-compatible version
constexpr int32_t xerial_version = 1;
constexpr int32_t xerial_min_compatible = 1;
constexpr size_t xerial_block_input = 32 * 1024;  // snappy-java's default block size

std::error_code snappy_err(errc e) { return make_error_code(e); }

bool starts_with_magic(bytes_view in) {
  return in.size() >= sizeof xerial_magic && std::memcmp(in.data(), xerial_magic, sizeof xerial_magic) == 0;
}

// Appends the decoded raw block `block` to `out`, keeping out.size() <= max_output.
std::error_code append_raw_block(bytes_view block, size_t max_output, bytes& out) {
  const char* src = reinterpret_cast<const char*>(block.data());
  size_t n = 0;
  if (!snappy::GetUncompressedLength(src, block.size(), &n)) return snappy_err(errc::corrupt);
  if (n > max_output - out.size()) return snappy_err(errc::too_large);
  size_t at = out.size();
  if (out.capacity() < at + n) {
    // Grow geometrically but never past the budget, so the allocation stays O(max_output).
    out.reserve(std::min(max_output, std::max(at + n, out.capacity() * 2)));
  }
  out.resize(at + n);
  if (!snappy::RawUncompress(src, block.size(), reinterpret_cast<char*>(out.data() + at))) {
    return snappy_err(errc::corrupt);
  }
  return {};
}

} // namespace

result<bytes> snappy_compress(bytes_view input) {
  bytes out;
  out.reserve(xerial_header_size + snappy::MaxCompressedLength(input.size()) +
              4 * (input.size() / xerial_block_input + 1));
  out.insert(out.end(), std::begin(xerial_magic), std::end(xerial_magic));
  out.resize(xerial_header_size);
  store_be<int32_t>(out.data() + 8, xerial_version);
  store_be<int32_t>(out.data() + 12, xerial_min_compatible);
  for (size_t pos = 0; pos < input.size(); pos += xerial_block_input) {
    size_t n = std::min(xerial_block_input, input.size() - pos);
    size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data() + pos), n,
                        reinterpret_cast<char*>(out.data() + at + 4), &written);
    store_be<int32_t>(out.data() + at, static_cast<int32_t>(written));
    out.resize(at + 4 + written);
  }
  return out;
}

result<bytes> snappy_decompress(bytes_view input, size_t max_output) {
  bytes out;
  if (!starts_with_magic(input)) {
    if (auto e = append_raw_block(input, max_output, out)) return unexpected(e);
    return out;
  }
  size_t pos = 0;
  while (pos < input.size()) {
    bytes_view rest = input.subspan(pos);
    if (starts_with_magic(rest)) {
      if (rest.size() < xerial_header_size) return unexpected(snappy_err(errc::corrupt));
      // Version fields are informational; snappy-java only requires min-compatible <= 1.
      if (load_be<int32_t>(rest.data() + 12) > xerial_version) return unexpected(snappy_err(errc::unsupported));
      pos += xerial_header_size;
      continue;
    }
    if (rest.size() < 4) return unexpected(snappy_err(errc::corrupt));
    int32_t len = load_be<int32_t>(rest.data());
    if (len < 0 || static_cast<size_t>(len) > rest.size() - 4) return unexpected(snappy_err(errc::corrupt));
    if (auto e = append_raw_block(rest.subspan(4, static_cast<size_t>(len)), max_output, out)) {
      return unexpected(e);
    }
    pos += 4 + static_cast<size_t>(len);
  }
  return out;
}

} // namespace gregor::compression::detail
