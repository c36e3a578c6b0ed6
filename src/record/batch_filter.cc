#include "gregor/record/batch_filter.h"

#include <vector>

#include "batch_reader.h"
#include "gregor/common/endian.h"
#include "gregor/common/varint.h"
#include "gregor/compression/compress.h"
#include "record_walker.h"

namespace gregor::record {
namespace {

void filter_put_varint(bytes& out, int64_t v) {
  uint8_t tmp[varint::max_size64];
  size_t n = varint::encode_signed(tmp, v);
  out.insert(out.end(), tmp, tmp + n);
}

// A kept record: its encoded bytes in the records area and its absolute timestamp.
struct kept_record {
  const uint8_t* begin;
  const uint8_t* end;
  int64_t timestamp;
};

// Re-encodes one record with a new timestamp delta. The record body is
// attributes:int8, timestampDelta:varlong, then fields that do not depend on the batch's base
// timestamp; only the delta and the leading length change.
bool reencode_record(const kept_record& r, int64_t new_delta, bytes& out) {
  const uint8_t* p = r.begin;
  int32_t length = 0;
  if (!detail::read_varint32(p, r.end, length)) return false;
  const uint8_t* body = p;
  ++p;  // attributes
  int64_t old_delta = 0;
  if (!detail::read_varint64(p, r.end, old_delta)) return false;
  size_t rest = static_cast<size_t>(r.end - p);
  size_t new_length = 1 + varint::signed_size(new_delta) + rest;
  filter_put_varint(out, static_cast<int64_t>(new_length));
  out.push_back(*body);
  filter_put_varint(out, new_delta);
  out.insert(out.end(), p, r.end);
  return true;
}

} // namespace

result<filter_result> filter_batch(bytes_view batch, const std::function<bool(const filter_record&)>& keep,
                                   const filter_options& options) {
  batch_header h;
  if (auto e = detail::read_frame(batch, h)) return unexpected(e);
  bytes_view whole = batch.first(h.total_size());
  if (auto e = detail::check_integrity(whole, h)) return unexpected(e);
  if (auto e = detail::check_header_fields(h, /*from_client=*/false)) return unexpected(e);
  bytes scratch;
  bytes_view area;
  if (auto e = detail::records_area(whole, h, options.max_uncompressed, scratch, area)) return unexpected(e);

  auto bad = make_error_code(batch_errc::invalid_record);
  if (h.record_count < 0 || static_cast<size_t>(h.record_count) > area.size() / detail::min_record_size) {
    return unexpected(bad);
  }
  std::vector<kept_record> kept;
  const uint8_t* p = area.data();
  const uint8_t* end = p + area.size();
  int64_t previous_delta = -1;
  bool kept_tombstone = false;
  for (int32_t i = 0; i < h.record_count; ++i) {
    const uint8_t* start = p;
    detail::record_view r;
    if (!detail::parse_record(p, end, r)) return unexpected(bad);
    if (r.offset_delta <= previous_delta || r.offset_delta > h.last_offset_delta) return unexpected(bad);
    previous_delta = r.offset_delta;
    filter_record fr;
    fr.offset = h.base_offset + r.offset_delta;
    fr.timestamp = h.log_append_time() ? h.max_timestamp
                                       : static_cast<int64_t>(static_cast<uint64_t>(h.base_timestamp) +
                                                              static_cast<uint64_t>(r.timestamp_delta));
    fr.key = r.key;
    fr.value = r.value;
    if (keep(fr)) {
      kept.push_back({start, p, fr.timestamp});
      if (!r.value) kept_tombstone = true;
    }
  }
  if (p != end) return unexpected(bad);

  filter_result out;
  out.kept = static_cast<int32_t>(kept.size());
  bool set_horizon = (kept_tombstone || options.horizon_without_tombstone) && options.delete_horizon_ms.has_value() &&
                     !h.has_delete_horizon();
  if (kept.empty() && !options.keep_if_empty) {
    out.outcome = filter_result::kind::dropped;
    return out;
  }
  const bool clear_producer = options.clear_producer_if_empty && kept.empty() &&
                              (h.producer_id != no_producer_id || h.is_transactional());
  if (kept.size() == static_cast<size_t>(h.record_count) && !set_horizon && !clear_producer) {
    out.outcome = filter_result::kind::unchanged;
    return out;
  }

  int64_t base_timestamp = set_horizon ? *options.delete_horizon_ms : h.base_timestamp;
  bytes records;
  for (const auto& r : kept) {
    if (set_horizon && !h.log_append_time()) {
      // Wrapping arithmetic, as the decoder's: hostile timestamps must not be undefined behaviour.
      auto delta = static_cast<int64_t>(static_cast<uint64_t>(r.timestamp) - static_cast<uint64_t>(base_timestamp));
      if (!reencode_record(r, delta, records)) return unexpected(bad);
    } else {
      // LogAppendTime records take the batch max timestamp whatever their delta says.
      records.insert(records.end(), r.begin, r.end);
    }
  }

  int16_t attributes = h.attributes;
  if (set_horizon) attributes |= delete_horizon_bit;
  if (clear_producer) attributes = static_cast<int16_t>(attributes & ~transactional_bit);
  bytes compressed;
  bytes_view payload = records;
  if (kept.empty()) {
    attributes = static_cast<int16_t>(attributes & ~codec_mask);  // an empty batch has no stream to decode
  } else if (h.codec() != compression::codec::none) {
    auto c = compression::compress(h.codec(), records);
    if (c) {
      compressed = std::move(*c);
      payload = compressed;
    } else {
      attributes = static_cast<int16_t>(attributes & ~codec_mask);  // store uncompressed rather than fail
    }
  }

  bytes& nb = out.batch;
  nb.resize(batch_header_size + payload.size());
  std::copy(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(batch_header_size), nb.begin());
  uint8_t* q = nb.data();
  store_be<int32_t>(q + batch_length_offset, static_cast<int32_t>(nb.size() - log_overhead));
  store_be<int16_t>(q + attributes_offset, attributes);
  store_be<int64_t>(q + base_timestamp_offset, base_timestamp);
  store_be<int32_t>(q + record_count_offset, static_cast<int32_t>(kept.size()));
  if (clear_producer) {
    store_be<int64_t>(q + producer_id_offset, no_producer_id);
    store_be<int16_t>(q + producer_epoch_offset, no_producer_epoch);
    store_be<int32_t>(q + base_sequence_offset, no_sequence);
  }
  std::copy(payload.begin(), payload.end(), nb.begin() + static_cast<ptrdiff_t>(records_offset));
  store_be<uint32_t>(q + crc_offset, compute_crc(nb));
  out.outcome = filter_result::kind::rewritten;
  return out;
}

} // namespace gregor::record
