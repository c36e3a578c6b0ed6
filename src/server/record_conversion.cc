#include "record_conversion.h"

#include "gregor/replication/error_mapping.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <variant>

#include "gregor/common/endian.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/errc.h"
#include "gregor/record/legacy.h"
#include "gregor/record/validate.h"

namespace gregor::server {

using protocol::error_code;

namespace {

// The bomb bound of the partition's produce validation (validation_limits' default): data in
// the log decompressed within it once, so it does again.
const size_t max_uncompressed = record::validation_limits{}.max_uncompressed_size;

// Reads `n` bytes at logical position `pos` of `data` into `out`, across chunks; false if the
// range is not inside `data` or a file read fails.
bool read_at(const iobuf& data, size_t pos, uint8_t* out, size_t n) {
  if (pos > data.size() || n > data.size() - pos) return false;
  size_t chunk_start = 0;
  for (const auto& c : data.chunks()) {
    if (n == 0) break;
    size_t chunk_size = 0;
    if (const auto* o = std::get_if<iobuf::owned>(&c)) {
      chunk_size = (*o)->size();
    } else if (const auto* s = std::get_if<shared_bytes>(&c)) {
      chunk_size = s->size();
    } else {
      chunk_size = static_cast<size_t>(std::get<file_slice>(c).length);
    }
    size_t chunk_end = chunk_start + chunk_size;
    if (pos < chunk_end) {
      size_t within = pos - chunk_start;
      size_t take = std::min(n, chunk_size - within);
      if (const auto* o = std::get_if<iobuf::owned>(&c)) {
        std::memcpy(out, (*o)->data() + within, take);
      } else if (const auto* s = std::get_if<shared_bytes>(&c)) {
        std::memcpy(out, s->data() + within, take);
      } else {
        const auto& f = std::get<file_slice>(c);
        size_t done = 0;
        while (done < take) {
          ssize_t r = ::pread(f.file->fd(), out + done, take - done,
                              static_cast<off_t>(f.offset + within + done));
          if (r < 0 && errno == EINTR) continue;
          if (r <= 0) return false;
          done += static_cast<size_t>(r);
        }
      }
      out += take;
      pos += take;
      n -= take;
    }
    chunk_start = chunk_end;
  }
  return n == 0;
}

// Offset after the last whole entry of `log_data` (v2 batch or legacy entry), or -1.
int64_t next_offset_after(bytes_view log_data) {
  int64_t next = -1;
  size_t pos = 0;
  while (log_data.size() - pos > record::magic_offset) {
    bytes_view rest = log_data.subspan(pos);
    auto size = load_be<int32_t>(rest.data() + record::batch_length_offset);
    if (size < 0 || static_cast<size_t>(size) > rest.size() - record::log_overhead) break;
    if (rest[record::magic_offset] == record::current_magic) {
      if (size < record::min_batch_length) break;
      auto h = record::parse_batch_header(rest);
      next = h->last_offset() + 1;
    } else {
      next = load_be<int64_t>(rest.data()) + 1;  // a wrapper carries its last inner offset
    }
    pos += static_cast<size_t>(size) + record::log_overhead;
  }
  return next;
}

// Position of the first zstd-compressed v2 batch among the whole entries of `log_data`, or
// log_data.size() if there is none.
size_t first_zstd_position(bytes_view log_data) {
  size_t pos = 0;
  while (log_data.size() - pos >= record::attributes_offset + 2) {
    bytes_view rest = log_data.subspan(pos);
    auto size = load_be<int32_t>(rest.data() + record::batch_length_offset);
    if (size < 0) break;
    if (rest[record::magic_offset] == record::current_magic) {
      auto attributes = load_be<int16_t>(rest.data() + record::attributes_offset);
      if ((attributes & record::codec_mask) == static_cast<int16_t>(compression::codec::zstd)) return pos;
    }
    if (static_cast<size_t>(size) > rest.size() - record::log_overhead) break;
    pos += static_cast<size_t>(size) + record::log_overhead;
  }
  return log_data.size();
}

// Length of the longest run of whole legacy entries at the start of `set` within `limit` bytes.
size_t whole_entries_within(bytes_view set, size_t limit, size_t& first_entry_size) {
  size_t pos = 0;
  first_entry_size = 0;
  while (set.size() - pos >= record::log_overhead) {
    auto size = load_be<int32_t>(set.data() + pos + record::batch_length_offset);
    size_t entry = static_cast<size_t>(std::max(size, 0)) + record::log_overhead;
    if (entry > set.size() - pos) break;
    if (pos == 0) first_entry_size = entry;
    if (pos + entry > limit) break;
    pos += entry;
  }
  return pos;
}

} // namespace

int8_t legacy_magic_for_produce(int16_t version) {
  return version < 2 ? record::legacy_magic_v0 : record::legacy_magic_v1;
}

int8_t legacy_magic_for_fetch(int16_t version) {
  return version < 2 ? record::legacy_magic_v0 : record::legacy_magic_v1;
}

result<shared_bytes> upconvert_produce_records(const iobuf& records, int16_t produce_version) {
  // The decoder hands over one borrowed slice of the request frame; anything else is copied once.
  bytes copy;
  bytes_view set;
  const auto& chunks = records.chunks();
  const shared_bytes* single = chunks.size() == 1 ? std::get_if<shared_bytes>(&chunks.front()) : nullptr;
  if (single != nullptr) {
    set = single->view();
  } else {
    copy = records.linearize();
    set = copy;
  }
  record::validation_limits limits;
  // Per-message size: the partition checks the converted batch against the topic's limit, which
  // this handler does not know. The set itself is bounded by the request frame.
  limits.max_batch_size = std::numeric_limits<size_t>::max();
  auto batch = record::upconvert_message_set(set, legacy_magic_for_produce(produce_version), limits);
  if (!batch) return unexpected(batch.error());
  return shared_bytes(std::move(*batch));
}

downconverted downconvert_fetched(const iobuf& log_data, int8_t target_magic, int64_t fetch_offset, size_t limit,
                                  bool min_one, bool hard_limit) {
  downconverted out;
  if (log_data.empty()) return out;
  bytes raw = log_data.linearize();
  // zstd cannot be expressed in magic 0/1: convert what precedes the first zstd batch; a fetch
  // that starts at one fails, as on the v4-9 path.
  size_t usable = first_zstd_position(raw);
  if (usable == 0) {
    out.error = error_code::unsupported_compression_type;
    return out;
  }
  raw.resize(usable);
  out.next_offset = next_offset_after(raw);
  auto converted = record::downconvert_batches(raw, target_magic, max_uncompressed, fetch_offset);
  if (!converted) {
    out.error = replication::to_kafka_error(converted.error());
    return out;
  }
  bytes& set = *converted;
  size_t first_entry = 0;
  size_t keep = whole_entries_within(set, limit, first_entry);
  if (keep == 0 && first_entry > 0) {
    if (min_one) {
      keep = first_entry;
    } else if (hard_limit) {
      keep = std::min(limit, first_entry);
    }
  }
  set.resize(keep);
  if (!set.empty()) out.records.append(shared_bytes(std::move(set)));
  return out;
}

size_t bytes_before_first_zstd(const iobuf& log_data) {
  // Through the attributes of a v2 batch; a legacy entry's attributes byte comes earlier.
  constexpr size_t header_prefix = record::attributes_offset + 2;
  size_t pos = 0;
  const size_t total = log_data.size();
  uint8_t h[header_prefix];
  while (total - pos >= header_prefix) {
    if (!read_at(log_data, pos, h, header_prefix)) break;
    auto size = load_be<int32_t>(h + record::batch_length_offset);
    if (size < 0) break;
    if (h[record::magic_offset] == record::current_magic) {
      auto attributes = load_be<int16_t>(h + record::attributes_offset);
      if ((attributes & record::codec_mask) == static_cast<int16_t>(compression::codec::zstd)) return pos;
    }
    size_t entry = static_cast<size_t>(size) + record::log_overhead;
    if (entry > total - pos) break;  // a partial entry ends the data
    pos += entry;
  }
  return total;
}

iobuf iobuf_prefix(const iobuf& data, size_t n) {
  iobuf out;
  for (const auto& c : data.chunks()) {
    if (n == 0) break;
    if (const auto* o = std::get_if<iobuf::owned>(&c)) {
      size_t take = std::min(n, (*o)->size());
      out.append(bytes_view((*o)->data(), take));
      n -= take;
    } else if (const auto* s = std::get_if<shared_bytes>(&c)) {
      size_t take = std::min(n, s->size());
      out.append(s->slice(0, take));
      n -= take;
    } else {
      const auto& f = std::get<file_slice>(c);
      auto take = std::min<uint64_t>(n, f.length);
      out.append(file_slice{f.file, f.offset, take});
      n -= static_cast<size_t>(take);
    }
  }
  return out;
}

} // namespace gregor::server
