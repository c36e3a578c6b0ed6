#include "gregor/record/validate.h"

#include "batch_reader.h"
#include "record_walker.h"

namespace gregor::record {

result<std::vector<batch_info>> validate_batches(bytes_view payload, const validation_limits& limits) {
  if (payload.size() > limits.max_payload_size) {
    return unexpected(make_error_code(batch_errc::record_list_too_large));
  }
  detail::walk_rules rules;
  rules.exact_offsets = limits.from_client;
  rules.require_keys = limits.require_keys;
  rules.now_ms = limits.now_ms;
  rules.max_timestamp_difference_ms = limits.max_timestamp_difference_ms;

  std::vector<batch_info> batches;
  bytes scratch;  // reused across batches to keep one decompression buffer alive at a time
  size_t pos = 0;
  while (pos < payload.size()) {
    if (limits.single_batch && !batches.empty()) {
      return unexpected(make_error_code(batch_errc::invalid_record));
    }
    bytes_view rest = payload.subspan(pos);
    batch_info info{.header = {}, .position = pos};
    batch_header& h = info.header;
    if (auto e = detail::read_frame(rest, h)) return unexpected(e);
    if (h.total_size() > limits.max_batch_size) {
      return unexpected(make_error_code(batch_errc::message_too_large));
    }
    bytes_view whole = rest.first(h.total_size());
    if (auto e = detail::check_integrity(whole, h)) return unexpected(e);
    if (auto e = detail::check_header_fields(h, limits.from_client)) return unexpected(e);
    bytes_view area;
    if (auto e = detail::records_area(whole, h, limits.max_uncompressed_size, scratch, area)) {
      return unexpected(e);
    }
    rules.check_timestamps = !h.log_append_time() &&
                             limits.max_timestamp_difference_ms != std::numeric_limits<int64_t>::max();
    if (auto e = detail::walk_records(h, area, rules, [](const detail::record_view&) {})) {
      return unexpected(e);
    }
    batches.push_back(info);
    pos += h.total_size();
  }
  return batches;
}

} // namespace gregor::record
