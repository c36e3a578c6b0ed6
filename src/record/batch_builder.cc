#include "gregor/record/batch_builder.h"

#include <algorithm>

#include "gregor/common/endian.h"
#include "gregor/common/varint.h"
#include "gregor/compression/compress.h"
#include "gregor/record/batch_header.h"

namespace gregor::record {
namespace {

size_t nullable_size(std::optional<bytes_view> v) {
  return v ? varint::signed_size(static_cast<int64_t>(v->size())) + v->size() : varint::signed_size(-1);
}

void put_varint(bytes& out, int64_t v) {
  uint8_t tmp[varint::max_size64];
  size_t n = varint::encode_signed(tmp, v);
  out.insert(out.end(), tmp, tmp + n);
}

void put_nullable(bytes& out, std::optional<bytes_view> v) {
  if (!v) {
    put_varint(out, -1);
    return;
  }
  put_varint(out, static_cast<int64_t>(v->size()));
  out.insert(out.end(), v->begin(), v->end());
}

std::optional<bytes_view> view_of(const std::optional<bytes>& b) {
  if (!b) return std::nullopt;
  return bytes_view(*b);
}

} // namespace

batch_builder::batch_builder(compression::codec c, int64_t base_offset)
  : _codec(c), _base_offset(base_offset) {}

void batch_builder::add(int64_t timestamp, std::optional<bytes_view> key, std::optional<bytes_view> value,
                        const std::vector<header>& headers) {
  if (_record_count == 0) {
    _base_timestamp = timestamp;
    _max_timestamp = timestamp;
  }
  _max_timestamp = std::max(_max_timestamp, timestamp);
  int64_t timestamp_delta = timestamp - _base_timestamp;
  auto offset_delta = static_cast<int64_t>(_record_count);

  size_t body = 1 + varint::signed_size(timestamp_delta) + varint::signed_size(offset_delta) +
                nullable_size(key) + nullable_size(value) +
                varint::signed_size(static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    body += varint::signed_size(static_cast<int64_t>(h.key.size())) + h.key.size() +
            nullable_size(view_of(h.value));
  }
  // No reserve() here: an exact reserve per record would reallocate every time (quadratic);
  // push_back's geometric growth keeps building linear.
  put_varint(_records, static_cast<int64_t>(body));
  _records.push_back(0);  // record attributes: unused
  put_varint(_records, timestamp_delta);
  put_varint(_records, offset_delta);
  put_nullable(_records, key);
  put_nullable(_records, value);
  put_varint(_records, static_cast<int64_t>(headers.size()));
  for (const auto& h : headers) {
    put_nullable(_records, as_bytes(h.key));
    put_nullable(_records, view_of(h.value));
  }
  ++_record_count;
}

void batch_builder::set_producer(int64_t id, int16_t epoch, int32_t base_sequence) {
  _producer_id = id;
  _producer_epoch = epoch;
  _base_sequence = base_sequence;
}

void batch_builder::set_transactional(bool on) { _transactional = on; }
void batch_builder::set_control(bool on) { _control = on; }
void batch_builder::set_partition_leader_epoch(int32_t epoch) { _partition_leader_epoch = epoch; }
void batch_builder::set_log_append_time(int64_t ts) { _log_append_time = ts; }

bytes batch_builder::build() {
  compression::codec codec = _codec;
  bytes compressed;
  bytes_view payload = _records;
  if (codec != compression::codec::none) {
    auto r = compression::compress(codec, _records);
    if (r) {
      compressed = std::move(*r);
      payload = compressed;
    } else {
      codec = compression::codec::none;
    }
  }

  int16_t attributes = static_cast<int16_t>(codec);
  if (_log_append_time) attributes |= timestamp_type_bit;
  if (_transactional) attributes |= transactional_bit;
  if (_control) attributes |= control_bit;

  bytes out(batch_header_size + payload.size());
  uint8_t* p = out.data();
  store_be<int64_t>(p + base_offset_offset, _base_offset);
  store_be<int32_t>(p + batch_length_offset, static_cast<int32_t>(out.size() - log_overhead));
  store_be<int32_t>(p + partition_leader_epoch_offset, _partition_leader_epoch);
  p[magic_offset] = static_cast<uint8_t>(current_magic);
  store_be<int16_t>(p + attributes_offset, attributes);
  int32_t last_offset_delta = _record_count == 0 ? 0 : static_cast<int32_t>(_record_count - 1);
  store_be<int32_t>(p + last_offset_delta_offset, last_offset_delta);
  store_be<int64_t>(p + base_timestamp_offset, _base_timestamp);
  store_be<int64_t>(p + max_timestamp_offset, _log_append_time.value_or(_max_timestamp));
  store_be<int64_t>(p + producer_id_offset, _producer_id);
  store_be<int16_t>(p + producer_epoch_offset, _producer_epoch);
  store_be<int32_t>(p + base_sequence_offset, _base_sequence);
  store_be<int32_t>(p + record_count_offset, static_cast<int32_t>(_record_count));
  std::copy(payload.begin(), payload.end(), out.begin() + records_offset);
  store_be<uint32_t>(p + crc_offset, compute_crc(out));
  return out;
}

} // namespace gregor::record
