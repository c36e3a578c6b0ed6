#pragma once
// `<offset>.snapshot` files: a partition's producer state as it was after every batch below
// <offset> (ON-DISK-FORMAT §4). Big-endian:
//   version:int16 = 1, crc:uint32 (CRC-32C of bytes [6, end)), count:int32, then per producer
//   producerId:int64, epoch:int16, lastSequence:int32, lastOffset:int64, offsetDelta:int32,
//   timestamp:int64, coordinatorEpoch:int32, currentTxnFirstOffset:int64   (46 bytes)
// Only each producer's last batch is kept, so a producer loaded from a snapshot deduplicates
// against that batch alone until it appends more (as in Kafka).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/log/producer_state.h"

namespace gregor::log {

inline constexpr int16_t producer_snapshot_version = 1;
inline constexpr size_t producer_snapshot_header_size = 10;
inline constexpr size_t producer_snapshot_entry_size = 46;
// Largest snapshot read back (about 5.8 million producers); a larger file is treated as corrupt.
inline constexpr size_t max_producer_snapshot_bytes = 256u << 20;

bytes encode_producer_snapshot(std::span<const producer_entry> entries);
// errc::corrupt_producer_state when the version, the size (header + count x 46), or the CRC is wrong.
result<std::vector<producer_entry>> decode_producer_snapshot(bytes_view data);

// Writes `<dir>/<offset>.snapshot` through a temporary file renamed into place. With `sync` the
// file and the directory are fsync'd (roll); without, the caller makes the directory durable
// (clean shutdown syncs each log dir's filesystem once).
result<void> write_producer_snapshot(const std::filesystem::path& dir, int64_t offset,
                                     std::span<const producer_entry> entries, bool sync);
// Reads and decodes one snapshot file (errors as decode_producer_snapshot, or the read's errno).
result<std::vector<producer_entry>> read_producer_snapshot(const std::filesystem::path& file);
// The offsets of the `<offset>.snapshot` files in `dir`, ascending (suffixed files not included).
result<std::vector<int64_t>> list_producer_snapshots(const std::filesystem::path& dir);

} // namespace gregor::log
