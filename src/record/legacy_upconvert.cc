// Up-conversion of Produce v0-2 message sets, and decoding of legacy sets. Both walk the set
// with the same private parser (legacy_message.h); see legacy.h for the rules.

#include <vector>

#include "gregor/common/endian.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/legacy.h"
#include "legacy_message.h"

namespace gregor::record {
namespace {

std::error_code err(batch_errc e) { return make_error_code(e); }

std::optional<bytes> copy_of(std::optional<bytes_view> v) {
  if (!v) return std::nullopt;
  return bytes(v->begin(), v->end());
}

// Bounded decompression across a whole set: every wrapper draws from one budget, so a set of
// many small bombs costs no more than one big one.
class decompression_budget {
public:
  explicit decompression_budget(size_t total) : _left(total) {}
  std::error_code expand(const detail::legacy_view& wrapper, bytes& out) {
    if (auto e = detail::decompress_wrapper(wrapper, _left, out)) return e;
    _left -= out.size();
    return {};
  }

private:
  size_t _left;
};

} // namespace

result<bytes> upconvert_message_set(bytes_view set, int8_t expected_magic, const validation_limits& limits) {
  if (set.size() > limits.max_payload_size) return unexpected(err(batch_errc::record_list_too_large));
  if (set.empty()) return unexpected(err(batch_errc::invalid_record));

  // Pass 1: frame, size, magic, CRC and body of every top-level entry, before any decompression.
  std::vector<detail::legacy_view> entries;
  auto codec = compression::codec::none;
  size_t pos = 0;
  while (pos < set.size()) {
    bytes_view rest = set.subspan(pos);
    detail::legacy_view m;
    if (auto e = detail::read_legacy_frame(rest, detail::legacy_context::top_level, m)) return unexpected(e);
    if (m.entry_size > limits.max_batch_size) return unexpected(err(batch_errc::message_too_large));
    if (m.magic != expected_magic) return unexpected(err(batch_errc::invalid_record));
    if (auto e = detail::parse_legacy_body(rest.first(m.entry_size), m)) return unexpected(e);
    // Kafka keeps the producer's codec: that of the (last) compressed wrapper.
    if (m.codec_id() != 0) codec = static_cast<compression::codec>(m.codec_id());
    entries.push_back(m);
    pos += m.entry_size;
  }

  // Pass 2: expand wrappers and feed every record into one v2 batch.
  batch_builder builder(codec);
  decompression_budget budget(limits.max_uncompressed_size);
  bytes inner_bytes;
  std::vector<detail::legacy_view> inner;
  auto timestamp_of = [](const detail::legacy_view& m) {
    return m.magic == legacy_magic_v0 ? no_timestamp : m.timestamp;
  };
  for (const auto& m : entries) {
    if (m.codec_id() == 0) {
      builder.add(timestamp_of(m), m.key, m.value);
      continue;
    }
    if (auto e = budget.expand(m, inner_bytes)) return unexpected(e);
    if (auto e = detail::parse_inner_set(m, inner_bytes, inner)) return unexpected(e);
    for (const auto& r : inner) builder.add(timestamp_of(r), r.key, r.value);
  }
  return builder.build();
}

result<std::vector<legacy_message>> decode_legacy_set(bytes_view set, size_t max_uncompressed) {
  std::vector<legacy_message> out;
  decompression_budget budget(max_uncompressed);
  bytes inner_bytes;
  std::vector<detail::legacy_view> inner;
  auto emit = [&out](const detail::legacy_view& m) {
    out.push_back(legacy_message{.offset = m.offset,
                                 .magic = m.magic,
                                 .timestamp = m.timestamp,
                                 .log_append_time = m.log_append_time(),
                                 .key = copy_of(m.key),
                                 .value = copy_of(m.value)});
  };
  size_t pos = 0;
  while (pos < set.size()) {
    bytes_view rest = set.subspan(pos);
    detail::legacy_view m;
    // Fetched data may end with a partial entry, which readers skip.
    if (rest.size() < log_overhead) break;
    auto size = load_be<int32_t>(rest.data() + batch_length_offset);
    if (size >= 0 && static_cast<size_t>(size) > rest.size() - log_overhead) break;
    if (auto e = detail::read_legacy_frame(rest, detail::legacy_context::top_level, m)) return unexpected(e);
    if (auto e = detail::parse_legacy_body(rest.first(m.entry_size), m)) return unexpected(e);
    pos += m.entry_size;
    if (m.codec_id() == 0) {
      emit(m);
      continue;
    }
    if (auto e = budget.expand(m, inner_bytes)) return unexpected(e);
    if (auto e = detail::parse_inner_set(m, inner_bytes, inner)) return unexpected(e);
    for (const auto& r : inner) emit(r);
  }
  return out;
}

} // namespace gregor::record
