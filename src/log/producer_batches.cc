#include "producer_batches.h"

#include "gregor/common/endian.h"
#include "gregor/common/varint.h"

namespace gregor::log::detail {
namespace {

constexpr int16_t abort_type = 0;
constexpr int16_t commit_type = 1;
constexpr size_t marker_key_size = 4;    // version, type
constexpr size_t marker_value_size = 6;  // version, coordinator epoch

// Reads one zigzag varint from [p, end) and advances p; false if truncated.
bool next_varint(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  const size_t n = varint::decode_signed(p, end, out);
  if (n == 0) return false;
  p += n;
  return true;
}

} // namespace

std::optional<txn_marker> parse_marker(bytes_view batch) {
  if (batch.size() <= v2_header_size) return std::nullopt;
  if (load_be<int32_t>(batch.data() + record_count_offset) < 1) return std::nullopt;
  const uint8_t* p = batch.data() + v2_header_size;
  const uint8_t* end = batch.data() + batch.size();
  int64_t length = 0, timestamp_delta = 0, offset_delta = 0, key_length = 0, value_length = 0;
  if (!next_varint(p, end, length) || p == end) return std::nullopt;
  ++p;  // record attributes
  if (!next_varint(p, end, timestamp_delta) || !next_varint(p, end, offset_delta)) return std::nullopt;
  if (!next_varint(p, end, key_length) || key_length < static_cast<int64_t>(marker_key_size) ||
      end - p < key_length) {
    return std::nullopt;
  }
  // Kafka reads a newer key or value version as version 0.
  if (load_be<int16_t>(p) < 0) return std::nullopt;
  const int16_t type = load_be<int16_t>(p + 2);
  if (type != abort_type && type != commit_type) return std::nullopt;
  p += key_length;
  if (!next_varint(p, end, value_length) || value_length < static_cast<int64_t>(marker_value_size) ||
      end - p < static_cast<int64_t>(marker_value_size)) {
    return std::nullopt;
  }
  if (load_be<int16_t>(p) < 0) return std::nullopt;
  return txn_marker{.commit = type == commit_type, .coordinator_epoch = load_be<int32_t>(p + 2)};
}

producer_batch_fields producer_fields(const entry_header& h, int64_t first_offset, int64_t last_offset,
                                      bytes_view batch) {
  producer_batch_fields f{.producer_id = h.producer_id,
                          .producer_epoch = h.producer_epoch,
                          .base_sequence = h.base_sequence,
                          .first_offset = first_offset,
                          .last_offset = last_offset,
                          .max_timestamp = h.max_timestamp,
                          .transactional = h.is_transactional(),
                          .control = h.is_control()};
  if (f.control && f.has_producer_id()) f.marker = parse_marker(batch);
  return f;
}

producer_batch_fields producer_fields(const batch_position& b, bytes_view probe) {
  producer_batch_fields f{.producer_id = b.producer_id,
                          .producer_epoch = b.producer_epoch,
                          .base_sequence = b.base_sequence,
                          .first_offset = b.base_offset,
                          .last_offset = b.last_offset,
                          .max_timestamp = b.max_timestamp,
                          .transactional = b.transactional,
                          .control = b.control};
  if (f.control && f.has_producer_id()) f.marker = parse_marker(probe);
  return f;
}

} // namespace gregor::log::detail
