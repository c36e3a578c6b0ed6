// gzip (RFC 1952) through zlib. Decoding accepts concatenated members, as Java's
// GZIPInputStream does, but rejects trailing bytes that are not another gzip member.

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "codecs.h"
#include "gregor/compression/errc.h"
#include "output_buffer.h"

namespace gregor::compression::detail {
namespace {

constexpr int gzip_window_bits = 15 + 16;  // 32 KiB window, gzip wrapper only
constexpr size_t max_chunk = UINT_MAX;     // zlib counts in uInt

class inflater {
public:
  inflater() { _ok = inflateInit2(&_s, gzip_window_bits) == Z_OK; }
  ~inflater() {
    if (_ok) inflateEnd(&_s);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
  bool ok() const { return _ok; }
  z_stream& s() { return _s; }

private:
  z_stream _s{};
  bool _ok = false;
};

std::error_code err(errc e) { return make_error_code(e); }

} // namespace

result<bytes> gzip_compress(bytes_view input) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip_window_bits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return unexpected(err(errc::unsupported));
  }
  bytes out(deflateBound(&s, static_cast<uLong>(input.size())) + 64);
  s.next_in = const_cast<Bytef*>(input.data());
  s.next_out = out.data();
  size_t in_left = input.size();
  size_t out_left = out.size();
  int rc = Z_OK;
  while (rc == Z_OK) {
    auto in_now = static_cast<uInt>(std::min(in_left, max_chunk));
    auto out_now = static_cast<uInt>(std::min(out_left, max_chunk));
    s.avail_in = in_now;
    s.avail_out = out_now;
    rc = deflate(&s, in_now == in_left ? Z_FINISH : Z_NO_FLUSH);
    in_left -= in_now - s.avail_in;
    out_left -= out_now - s.avail_out;
    if (rc == Z_BUF_ERROR && out_left > 0) rc = Z_OK;  // made no progress this round; retry
  }
  deflateEnd(&s);
  if (rc != Z_STREAM_END) return unexpected(err(errc::corrupt));
  out.resize(out.size() - out_left);
  return out;
}

result<bytes> gzip_decompress(bytes_view input, size_t max_output) {
  if (input.empty()) return unexpected(err(errc::corrupt));
  inflater inf;
  if (!inf.ok()) return unexpected(err(errc::unsupported));
  z_stream& s = inf.s();
  output_buffer out(probe_limit(max_output), input.size() * 4);
  const uint8_t* in = input.data();
  size_t in_left = input.size();

  while (true) {
    if (!out.ensure_room()) return unexpected(err(errc::too_large));
    auto in_now = static_cast<uInt>(std::min(in_left, max_chunk));
    auto out_now = static_cast<uInt>(std::min(out.room(), max_chunk));
    s.next_in = const_cast<Bytef*>(in);
    s.avail_in = in_now;
    s.next_out = out.write_ptr();
    s.avail_out = out_now;
    int rc = inflate(&s, Z_NO_FLUSH);
    size_t consumed = in_now - s.avail_in;
    in += consumed;
    in_left -= consumed;
    out.commit(out_now - s.avail_out);
    if (out.written() > max_output) return unexpected(err(errc::too_large));

    if (rc == Z_STREAM_END) {
      if (in_left == 0) break;
      // Another member must follow; anything else is trailing garbage.
      if (in_left < 2 || in[0] != 0x1f || in[1] != 0x8b) return unexpected(err(errc::corrupt));
      if (inflateReset(&s) != Z_OK) return unexpected(err(errc::corrupt));
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR) {
      // No progress: either input ran out mid-stream (truncated) or output is full (loop grows it).
      if (in_left == 0 && s.avail_in == 0 && out.room() > 0) return unexpected(err(errc::corrupt));
      if (consumed == 0 && out.room() > 0) return unexpected(err(errc::corrupt));
      continue;
    }
    return unexpected(err(errc::corrupt));  // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR...
  }
  return out.take();
}

} // namespace gregor::compression::detail
