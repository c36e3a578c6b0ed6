#include "gregor/log/producer_snapshot.h"

#include <algorithm>
#include <limits>
#include <string_view>

#include "file_util.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/log/errc.h"
#include "gregor/log/filenames.h"

namespace gregor::log {
namespace {

constexpr size_t crc_field = 2;
constexpr size_t crc_covered_from = 6;

// The first sequence of a batch from its last sequence and offset delta (sequences wrap at
// INT32_MAX to 0).
int32_t first_sequence(int32_t last_seq, int32_t delta) {
  if (last_seq < delta) return std::numeric_limits<int32_t>::max() - (delta - last_seq) + 1;
  return last_seq - delta;
}

} // namespace

bytes encode_producer_snapshot(std::span<const producer_entry> entries) {
  bytes out(producer_snapshot_header_size + entries.size() * producer_snapshot_entry_size);
  uint8_t* p = out.data();
  store_be<int16_t>(p, producer_snapshot_version);
  store_be<int32_t>(p + 6, static_cast<int32_t>(entries.size()));
  p += producer_snapshot_header_size;
  for (const auto& e : entries) {
    store_be<int64_t>(p, e.producer_id);
    store_be<int16_t>(p + 8, e.epoch);
    store_be<int32_t>(p + 10, e.last_seq());
    store_be<int64_t>(p + 14, e.last_data_offset());
    store_be<int32_t>(p + 22, e.last_offset_delta());
    store_be<int64_t>(p + 26, e.last_timestamp);
    store_be<int32_t>(p + 34, e.coordinator_epoch);
    store_be<int64_t>(p + 38, e.current_txn_first_offset);
    p += producer_snapshot_entry_size;
  }
  const uint32_t crc = crc32c(bytes_view(out).subspan(crc_covered_from));
  store_be<uint32_t>(out.data() + crc_field, crc);
  return out;
}

result<std::vector<producer_entry>> decode_producer_snapshot(bytes_view data) {
  const auto corrupt = unexpected(make_error_code(errc::corrupt_producer_state));
  if (data.size() < producer_snapshot_header_size) return corrupt;
  if (load_be<int16_t>(data.data()) != producer_snapshot_version) return corrupt;
  const int32_t count = load_be<int32_t>(data.data() + 6);
  if (count < 0) return corrupt;
  if ((data.size() - producer_snapshot_header_size) / producer_snapshot_entry_size != static_cast<size_t>(count) ||
      (data.size() - producer_snapshot_header_size) % producer_snapshot_entry_size != 0) {
    return corrupt;
  }
  if (crc32c(data.subspan(crc_covered_from)) != load_be<uint32_t>(data.data() + crc_field)) return corrupt;
  std::vector<producer_entry> out;
  out.reserve(static_cast<size_t>(count));
  const uint8_t* p = data.data() + producer_snapshot_header_size;
  for (int32_t i = 0; i < count; ++i, p += producer_snapshot_entry_size) {
    producer_entry e(load_be<int64_t>(p));
    const int16_t epoch = load_be<int16_t>(p + 8);
    const int32_t last_seq = load_be<int32_t>(p + 10);
    const int64_t last_offset = load_be<int64_t>(p + 14);
    const int32_t delta = load_be<int32_t>(p + 22);
    const int64_t timestamp = load_be<int64_t>(p + 26);
    if (delta < 0) return corrupt;
    e.epoch = epoch;
    if (last_offset >= 0 && last_seq >= 0) {
      e.add_batch(epoch, producer_batch{.first_seq = first_sequence(last_seq, delta),
                                        .last_seq = last_seq,
                                        .last_offset = last_offset,
                                        .offset_delta = delta,
                                        .timestamp = timestamp});
    }
    e.last_timestamp = timestamp;
    e.coordinator_epoch = load_be<int32_t>(p + 34);
    e.current_txn_first_offset = load_be<int64_t>(p + 38);
    out.push_back(e);
  }
  return out;
}

result<void> write_producer_snapshot(const std::filesystem::path& dir, int64_t offset,
                                     std::span<const producer_entry> entries, bool sync) {
  const bytes content = encode_producer_snapshot(entries);
  const std::string_view view(reinterpret_cast<const char*>(content.data()), content.size());
  const auto file = filenames::snapshot_file(dir, offset);
  return detail::write_file_atomically(file, view, sync);
}

result<std::vector<producer_entry>> read_producer_snapshot(const std::filesystem::path& file) {
  auto content = detail::read_small_file(file, max_producer_snapshot_bytes);
  if (!content) {
    if (content.error() == std::errc::file_too_large) return unexpected(make_error_code(errc::corrupt_producer_state));
    return unexpected(content.error());
  }
  return decode_producer_snapshot(as_bytes(*content));
}

result<std::vector<int64_t>> list_producer_snapshots(const std::filesystem::path& dir) {
  auto listing = detail::list_dir(dir);
  if (!listing) return unexpected(listing.error());
  std::vector<int64_t> offsets;
  for (const auto& entry : *listing) {
    if (!entry.is_regular_file) continue;
    const std::string name = entry.path.filename().string();
    auto parsed = filenames::parse_segment_file_name(name);
    if (parsed && parsed->kind == filenames::segment_file_kind::snapshot && parsed->suffix.empty()) {
      offsets.push_back(parsed->offset);
    }
  }
  std::sort(offsets.begin(), offsets.end());
  return offsets;
}

} // namespace gregor::log
