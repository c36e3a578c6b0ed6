#pragma once
// Control records (transaction markers) inside control batches (WIRE-PROTOCOL-NOTES §6):
// key = int16 version (0), int16 type; value = int16 version (0), int32 coordinator_epoch.

#include <cstdint>
#include <optional>

#include "gregor/common/bytes.h"
#include "gregor/record/record.h"

namespace gregor::record {

enum class control_type : int16_t { abort = 0, commit = 1 };

struct end_txn_marker {
  control_type type = control_type::abort;
  int32_t coordinator_epoch = 0;
};

// One control batch holding one ABORT/COMMIT marker for `producer_id`/`producer_epoch`,
// transactional + control bits set, base_sequence -1.
bytes build_end_txn_marker_batch(int64_t producer_id, int16_t producer_epoch,
                                 const end_txn_marker& marker, int64_t timestamp,
                                 int64_t base_offset = 0, int32_t partition_leader_epoch = -1);

// The control type in a control record's key, or nullopt if the key is too short, null or
// of an unknown version. Types other than 0/1 (KRaft-only) return nullopt too.
std::optional<control_type> parse_control_type(const std::optional<bytes>& key);

// The whole marker from a decoded control record, or nullopt if malformed.
std::optional<end_txn_marker> parse_end_txn_marker(const record& r);

} // namespace gregor::record
