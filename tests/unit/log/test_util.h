#pragma once
// Test helpers for the log module: temp dirs and hand-built magic-2 record batches.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gregor/common/bytes.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/common/varint.h"

namespace gregor::log::test {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gregor_log_XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    _path = p;
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(_path, ec);
  }
  const std::filesystem::path& path() const { return _path; }

private:
  std::filesystem::path _path;
};

// A valid magic-2 batch of `count` records (null key, `value_size`-byte value, no headers),
// record i at timestamp first_ts + i. max_timestamp defaults to the last record's timestamp.
// base_offset and partition_leader_epoch are left 0 and -1 for the log to stamp.
inline bytes make_batch(int32_t count, int64_t first_ts, size_t value_size = 16, int64_t max_ts = INT64_MIN) {
  bytes records;
  for (int32_t i = 0; i < count; ++i) {
    bytes body;
    uint8_t tmp[varint::max_size64];
    body.push_back(0);  // attributes
    body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, i));       // timestamp delta
    body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, i));       // offset delta
    body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, -1));      // null key
    body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, static_cast<int64_t>(value_size)));
    for (size_t j = 0; j < value_size; ++j) body.push_back(static_cast<uint8_t>('a' + (i + j) % 26));
    body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 0));       // no headers
    records.insert(records.end(), tmp, tmp + varint::encode_signed(tmp, static_cast<int64_t>(body.size())));
    records.insert(records.end(), body.begin(), body.end());
  }
  bytes b(61, 0);
  b.insert(b.end(), records.begin(), records.end());
  uint8_t* p = b.data();
  store_be<int64_t>(p, 0);
  store_be<int32_t>(p + 8, static_cast<int32_t>(b.size() - 12));
  store_be<int32_t>(p + 12, -1);
  p[16] = 2;
  store_be<int16_t>(p + 21, 0);
  store_be<int32_t>(p + 23, count - 1);
  store_be<int64_t>(p + 27, first_ts);
  store_be<int64_t>(p + 35, max_ts == INT64_MIN ? first_ts + count - 1 : max_ts);
  store_be<int64_t>(p + 43, -1);
  store_be<int16_t>(p + 51, -1);
  store_be<int32_t>(p + 53, -1);
  store_be<int32_t>(p + 57, count);
  store_be<uint32_t>(p + 17, crc32c(bytes_view(b).subspan(21)));
  return b;
}

// `batch` with producer fields set (idempotent or transactional producer), CRC recomputed.
inline bytes with_producer(bytes batch, int64_t producer_id, int16_t epoch, int32_t base_sequence,
                           bool transactional = false) {
  uint8_t* p = batch.data();
  store_be<int64_t>(p + 43, producer_id);
  store_be<int16_t>(p + 51, epoch);
  store_be<int32_t>(p + 53, base_sequence);
  int16_t attributes = load_be<int16_t>(p + 21);
  if (transactional) attributes = static_cast<int16_t>(attributes | 0x10);
  store_be<int16_t>(p + 21, attributes);
  store_be<uint32_t>(p + 17, crc32c(bytes_view(batch).subspan(21)));
  return batch;
}

// A control batch with one COMMIT or ABORT marker (WIRE-PROTOCOL-NOTES §6), built by hand:
// key = int16 version 0, int16 type; value = int16 version 0, int32 coordinator epoch.
inline bytes make_marker_batch(int64_t producer_id, int16_t epoch, bool commit, int32_t coordinator_epoch,
                               int64_t ts) {
  const uint8_t key[4] = {0, 0, 0, static_cast<uint8_t>(commit ? 1 : 0)};
  uint8_t value[6] = {0, 0};
  store_be<int32_t>(value + 2, coordinator_epoch);
  bytes body;
  uint8_t tmp[varint::max_size64];
  body.push_back(0);                                                   // attributes
  body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 0));   // timestamp delta
  body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 0));   // offset delta
  body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 4));
  body.insert(body.end(), key, key + 4);
  body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 6));
  body.insert(body.end(), value, value + 6);
  body.insert(body.end(), tmp, tmp + varint::encode_signed(tmp, 0));   // no headers
  bytes b(61, 0);
  b.insert(b.end(), tmp, tmp + varint::encode_signed(tmp, static_cast<int64_t>(body.size())));
  b.insert(b.end(), body.begin(), body.end());
  uint8_t* p = b.data();
  store_be<int32_t>(p + 8, static_cast<int32_t>(b.size() - 12));
  store_be<int32_t>(p + 12, -1);
  p[16] = 2;
  store_be<int16_t>(p + 21, 0x30);  // transactional + control
  store_be<int32_t>(p + 23, 0);
  store_be<int64_t>(p + 27, ts);
  store_be<int64_t>(p + 35, ts);
  store_be<int64_t>(p + 43, producer_id);
  store_be<int16_t>(p + 51, epoch);
  store_be<int32_t>(p + 53, -1);
  store_be<int32_t>(p + 57, 1);
  store_be<uint32_t>(p + 17, crc32c(bytes_view(b).subspan(21)));
  return b;
}

// `batch` as the log stores it: base offset and leader epoch stamped.
inline bytes stamped(bytes batch, int64_t base_offset, int32_t leader_epoch) {
  store_be<int64_t>(batch.data(), base_offset);
  store_be<int32_t>(batch.data() + 12, leader_epoch);
  return batch;
}

inline bool crc_ok(bytes_view batch) {
  return load_be<uint32_t>(batch.data() + 17) == crc32c(batch.subspan(21));
}

inline bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void append_to_file(const std::filesystem::path& p, bytes_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::app);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

} // namespace gregor::log::test
