#include "legacy_message.h"

#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/compression/compress.h"
#include "gregor/record/batch_header.h"

// The compression module's XXH32 (src/compression/xxhash32.h, private there): the only other
// user of an lz4 frame-descriptor checksum. Declared here rather than copied so that there is
// one implementation; see apply_legacy_lz4_checksum.
namespace gregor::compression::detail {
uint32_t xxh32(const uint8_t* data, size_t size, uint32_t seed);
}

namespace gregor::record::detail {
namespace {

std::error_code err(batch_errc e) { return make_error_code(e); }

constexpr uint8_t lz4_frame_magic[4] = {0x04, 0x22, 0x4D, 0x18};

// Reads an int32-length-prefixed nullable byte string at p (advancing p). False if the length is
// below -1 or runs past `end`.
bool read_bytes(const uint8_t*& p, const uint8_t* end, std::optional<bytes_view>& out) {
  if (end - p < 4) return false;
  auto len = load_be<int32_t>(p);
  p += 4;
  if (len == -1) {
    out.reset();
    return true;
  }
  if (len < 0 || static_cast<size_t>(len) > static_cast<size_t>(end - p)) return false;
  out = bytes_view(p, static_cast<size_t>(len));
  p += len;
  return true;
}

void put_bytes(uint8_t*& p, std::optional<bytes_view> v) {
  if (!v) {
    store_be<int32_t>(p, -1);
    p += 4;
    return;
  }
  store_be<int32_t>(p, static_cast<int32_t>(v->size()));
  p += 4;
  std::copy(v->begin(), v->end(), p);
  p += v->size();
}

} // namespace

std::error_code read_legacy_frame(bytes_view rest, legacy_context where, legacy_view& out) {
  auto torn = err(where == legacy_context::top_level ? batch_errc::corrupt_message : batch_errc::invalid_record);
  if (rest.size() <= legacy_magic_offset) return torn;
  auto magic = static_cast<int8_t>(rest[legacy_magic_offset]);
  if (magic == current_magic) return err(batch_errc::invalid_record);
  if (magic != legacy_magic_v0 && magic != legacy_magic_v1) return err(batch_errc::corrupt_message);
  auto size = load_be<int32_t>(rest.data() + batch_length_offset);
  if (size < 0 || static_cast<size_t>(size) < legacy_header_size(magic) ||
      static_cast<size_t>(size) > rest.size() - log_overhead) {
    return torn;
  }
  out.offset = load_be<int64_t>(rest.data());
  out.magic = magic;
  out.entry_size = static_cast<size_t>(size) + log_overhead;
  return {};
}

std::error_code parse_legacy_body(bytes_view entry, legacy_view& out) {
  uint32_t stored = load_be<uint32_t>(entry.data() + legacy_crc_offset);
  if (crc32_ieee(entry.subspan(legacy_magic_offset)) != stored) return err(batch_errc::corrupt_message);
  out.attributes = static_cast<int8_t>(entry[legacy_attributes_offset]);
  if (out.codec_id() > static_cast<int>(compression::codec::lz4)) return err(batch_errc::unsupported_compression);
  const uint8_t* p = entry.data() + legacy_attributes_offset + 1;
  const uint8_t* end = entry.data() + entry.size();
  out.timestamp = no_timestamp;
  if (out.magic == legacy_magic_v1) {
    // read_legacy_frame guaranteed the 22-byte header.
    out.timestamp = load_be<int64_t>(p);
    p += 8;
    if (out.timestamp < no_timestamp) return err(batch_errc::invalid_record);
  }
  if (!read_bytes(p, end, out.key) || !read_bytes(p, end, out.value) || p != end) {
    return err(batch_errc::invalid_record);
  }
  return {};
}

std::error_code decompress_wrapper(const legacy_view& wrapper, size_t max_output, bytes& out) {
  if (!wrapper.value) return err(batch_errc::invalid_record);  // a wrapper must carry the inner set
  auto c = static_cast<compression::codec>(wrapper.codec_id());
  bool legacy_lz4 = wrapper.magic == legacy_magic_v0;
  auto r = compression::decompress(c, *wrapper.value, max_output, legacy_lz4);
  if (!r) return err(batch_errc::invalid_record);
  out = std::move(*r);
  return {};
}

std::error_code parse_inner_set(const legacy_view& wrapper, bytes_view inner, std::vector<legacy_view>& out) {
  out.clear();
  size_t pos = 0;
  while (pos < inner.size()) {
    legacy_view m;
    bytes_view rest = inner.subspan(pos);
    // A torn entry, a v2 batch or an unknown magic inside a wrapper is a structural error of the
    // wrapper's content, not corruption of the request's framing.
    if (read_legacy_frame(rest, legacy_context::inner, m)) return err(batch_errc::invalid_record);
    if (m.magic != wrapper.magic) return err(batch_errc::invalid_record);
    if (auto e = parse_legacy_body(rest.first(m.entry_size), m)) {
      return e == make_error_code(batch_errc::corrupt_message) ? e : err(batch_errc::invalid_record);
    }
    if (m.codec_id() != 0) return err(batch_errc::invalid_record);  // sets do not nest
    out.push_back(m);
    pos += m.entry_size;
  }
  if (out.empty()) return err(batch_errc::invalid_record);
  if (wrapper.magic == legacy_magic_v1) {
    // KIP-31: inner offsets are relative, the wrapper holds the absolute offset of the last one.
    int64_t last_relative = out.back().offset;
    for (auto& m : out) {
      m.offset = static_cast<int64_t>(static_cast<uint64_t>(wrapper.offset) - static_cast<uint64_t>(last_relative) +
                                      static_cast<uint64_t>(m.offset));
      if (wrapper.log_append_time()) {
        m.timestamp = wrapper.timestamp;
        m.attributes = static_cast<int8_t>(m.attributes | legacy_timestamp_type_bit);
      }
    }
  }
  return {};
}

void append_legacy_entry(bytes& out, int64_t offset, int8_t magic, int8_t attributes, int64_t timestamp,
                         std::optional<bytes_view> key, std::optional<bytes_view> value) {
  size_t message_size = legacy_header_size(magic) + (key ? key->size() : 0) + (value ? value->size() : 0);
  size_t start = out.size();
  out.resize(start + log_overhead + message_size);
  uint8_t* base = out.data() + start;
  store_be<int64_t>(base, offset);
  store_be<int32_t>(base + batch_length_offset, static_cast<int32_t>(message_size));
  base[legacy_magic_offset] = static_cast<uint8_t>(magic);
  base[legacy_attributes_offset] = static_cast<uint8_t>(attributes);
  uint8_t* p = base + legacy_attributes_offset + 1;
  if (magic == legacy_magic_v1) {
    store_be<int64_t>(p, timestamp);
    p += 8;
  }
  put_bytes(p, key);
  put_bytes(p, value);
  bytes_view covered(base + legacy_magic_offset, log_overhead + message_size - legacy_magic_offset);
  store_be<uint32_t>(base + legacy_crc_offset, crc32_ieee(covered));
}

void apply_legacy_lz4_checksum(bytes& frame) {
  if (frame.size() < 7 || !std::equal(std::begin(lz4_frame_magic), std::end(lz4_frame_magic), frame.begin())) {
    return;
  }
  uint8_t flg = frame[4];
  size_t descriptor = 2;              // FLG, BD
  if (flg & 0x08) descriptor += 8;    // content size
  if (flg & 0x01) descriptor += 4;    // dictionary id
  size_t hc = 4 + descriptor;
  if (frame.size() <= hc) return;
  // Old Kafka hashed from the start of the frame (magic number included) instead of from FLG.
  frame[hc] = static_cast<uint8_t>((compression::detail::xxh32(frame.data(), hc, 0) >> 8) & 0xff);
}

} // namespace gregor::record::detail
