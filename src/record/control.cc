#include "gregor/record/control.h"

#include "gregor/common/endian.h"
#include "gregor/record/batch_builder.h"

namespace gregor::record {
namespace {
constexpr int16_t control_key_version = 0;
constexpr int16_t marker_value_version = 0;
constexpr size_t control_key_size = 4;    // version, type
constexpr size_t marker_value_size = 6;   // version, coordinator epoch
} // namespace

bytes build_end_txn_marker_batch(int64_t producer_id, int16_t producer_epoch, const end_txn_marker& marker,
                                 int64_t timestamp, int64_t base_offset, int32_t partition_leader_epoch) {
  uint8_t key[control_key_size];
  store_be<int16_t>(key, control_key_version);
  store_be<int16_t>(key + 2, static_cast<int16_t>(marker.type));
  uint8_t value[marker_value_size];
  store_be<int16_t>(value, marker_value_version);
  store_be<int32_t>(value + 2, marker.coordinator_epoch);

  batch_builder b(compression::codec::none, base_offset);
  b.set_producer(producer_id, producer_epoch, -1);
  b.set_transactional(true);
  b.set_control(true);
  b.set_partition_leader_epoch(partition_leader_epoch);
  b.add(timestamp, bytes_view(key), bytes_view(value));
  return b.build();
}

std::optional<control_type> parse_control_type(const std::optional<bytes>& key) {
  if (!key || key->size() < control_key_size) return std::nullopt;
  if (load_be<int16_t>(key->data()) != control_key_version) return std::nullopt;
  auto type = load_be<int16_t>(key->data() + 2);
  if (type == static_cast<int16_t>(control_type::abort)) return control_type::abort;
  if (type == static_cast<int16_t>(control_type::commit)) return control_type::commit;
  return std::nullopt;
}

std::optional<end_txn_marker> parse_end_txn_marker(const record& r) {
  auto type = parse_control_type(r.key);
  if (!type || !r.value || r.value->size() < marker_value_size) return std::nullopt;
  if (load_be<int16_t>(r.value->data()) != marker_value_version) return std::nullopt;
  return end_txn_marker{*type, load_be<int32_t>(r.value->data() + 2)};
}

} // namespace gregor::record
