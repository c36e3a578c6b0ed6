#include "gregor/record/batch_header.h"

#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"

namespace gregor::record {

compression::codec batch_header::codec() const {
  return compression::codec_from_id(attributes & codec_mask).value_or(compression::codec::none);
}

bool batch_header::codec_id_valid() const {
  return compression::codec_from_id(attributes & codec_mask).has_value();
}

std::optional<batch_header> parse_batch_header(bytes_view batch) {
  if (batch.size() < batch_header_size) return std::nullopt;
  const uint8_t* p = batch.data();
  batch_header h;
  h.magic = static_cast<int8_t>(p[magic_offset]);
  if (h.magic != current_magic) return std::nullopt;
  h.base_offset = load_be<int64_t>(p + base_offset_offset);
  h.batch_length = load_be<int32_t>(p + batch_length_offset);
  h.partition_leader_epoch = load_be<int32_t>(p + partition_leader_epoch_offset);
  h.crc = load_be<uint32_t>(p + crc_offset);
  h.attributes = load_be<int16_t>(p + attributes_offset);
  h.last_offset_delta = load_be<int32_t>(p + last_offset_delta_offset);
  h.base_timestamp = load_be<int64_t>(p + base_timestamp_offset);
  h.max_timestamp = load_be<int64_t>(p + max_timestamp_offset);
  h.producer_id = load_be<int64_t>(p + producer_id_offset);
  h.producer_epoch = load_be<int16_t>(p + producer_epoch_offset);
  h.base_sequence = load_be<int32_t>(p + base_sequence_offset);
  h.record_count = load_be<int32_t>(p + record_count_offset);
  return h;
}

std::optional<int8_t> peek_magic(bytes_view entry) {
  if (entry.size() <= magic_offset) return std::nullopt;
  return static_cast<int8_t>(entry[magic_offset]);
}

void set_base_offset(uint8_t* batch, int64_t base_offset) {
  store_be<int64_t>(batch + base_offset_offset, base_offset);
}

void set_partition_leader_epoch(uint8_t* batch, int32_t epoch) {
  store_be<int32_t>(batch + partition_leader_epoch_offset, epoch);
}

void set_log_append_time(uint8_t* batch, int64_t ts) {
  auto attributes = load_be<int16_t>(batch + attributes_offset);
  store_be<int16_t>(batch + attributes_offset, static_cast<int16_t>(attributes | timestamp_type_bit));
  store_be<int64_t>(batch + max_timestamp_offset, ts);
  auto length = static_cast<size_t>(load_be<int32_t>(batch + batch_length_offset));
  bytes_view whole(batch, length + log_overhead);
  store_be<uint32_t>(batch + crc_offset, compute_crc(whole));
}

uint32_t compute_crc(bytes_view batch) { return crc32c(batch.subspan(crc_start)); }

bool crc_matches(bytes_view batch) {
  return batch.size() >= batch_header_size &&
         load_be<uint32_t>(batch.data() + crc_offset) == compute_crc(batch);
}

} // namespace gregor::record
