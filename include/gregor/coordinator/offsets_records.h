#pragma once
// The records the group coordinator keeps in __consumer_offsets, in Kafka's key and value formats
// (ON-DISK-FORMAT.md §10), and the replay that rebuilds a partition's groups and offsets from them.
//
// The key's version selects the record type: 0/1 an offset commit, 2 a group's metadata. A null
// value is a tombstone. We write OffsetCommitKey v1, OffsetCommitValue v3 (v1 when the commit
// carried an explicit expire timestamp), GroupMetadataKey v2 and GroupMetadataValue v3, as Kafka
// 2.3+ does; every version Kafka ever wrote is read.
//
// Pure functions and plain data: no I/O, no threads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"

namespace gregor::group {

// Java's String.hashCode over the UTF-16 code units of `group` (UTF-8 input decoded; invalid
// sequences count one unit per byte), then abs() with abs(INT_MIN) taken as 0, modulo `partitions`.
// The __consumer_offsets partition that owns a group (and, with the transactional id, the
// __transaction_state partition that owns a transaction).
int32_t partition_for_key(std::string_view key, int32_t partitions);

struct committed_offset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::string metadata;
  int64_t commit_timestamp = -1;
  std::optional<int64_t> expire_timestamp;  // only from v1 values (explicit retention)
  friend bool operator==(const committed_offset&, const committed_offset&) = default;
};

struct stored_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;  // Java InetAddress.toString() form: "/127.0.0.1"
  int32_t rebalance_timeout_ms = -1;
  int32_t session_timeout_ms = 0;
  bytes subscription;  // the member's metadata for the selected protocol
  bytes assignment;
  friend bool operator==(const stored_member&, const stored_member&) = default;
};

struct stored_group {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;  // null when the group is Empty
  std::optional<std::string> leader;
  int64_t current_state_timestamp = -1;  // -1 when the value version has none (v0/v1)
  std::vector<stored_member> members;
  friend bool operator==(const stored_group&, const stored_group&) = default;
};

// --- encoding (what the coordinator appends) ---
bytes encode_offset_commit_key(std::string_view group, const topic_partition& tp);
bytes encode_offset_commit_value(const committed_offset& value);  // v3, or v1 if expire_timestamp
bytes encode_group_metadata_key(std::string_view group);
bytes encode_group_metadata_value(const stored_group& value);    // v3

// --- decoding ---
struct offset_commit_key {
  std::string group;
  topic_partition tp;
};
struct group_metadata_key {
  std::string group;
};
// A key of a version we do not know (3.7+ new-protocol records): skipped by the replay.
struct unknown_key {
  int16_t version = -1;
};
using offsets_key = std::variant<offset_commit_key, group_metadata_key, unknown_key>;

// Errors: std::errc::illegal_byte_sequence for truncated or malformed bytes.
result<offsets_key> decode_key(bytes_view key);
result<committed_offset> decode_offset_commit_value(bytes_view value);  // v0-v4
result<stored_group> decode_group_metadata_value(bytes_view value);     // v0-v4

// The state of one __consumer_offsets partition after replaying its records in offset order:
// the last record per key wins, a tombstone removes the key.
struct replayed_partition {
  std::map<std::string, stored_group> groups;
  std::map<std::string, std::map<topic_partition, committed_offset>> offsets;
  // Offsets of transactions with no marker yet: producer id -> group -> partition -> offset.
  std::map<int64_t, std::map<std::string, std::map<topic_partition, committed_offset>>> pending_txn_offsets;
};

class offsets_replay {
public:
  // Applies one record (key and value as stored; nullopt value = tombstone). Undecodable records
  // are counted and skipped (Kafka fails the load instead; we keep serving the rest).
  void apply(std::optional<bytes_view> key, std::optional<bytes_view> value);
  // A record of a transactional batch (TxnOffsetCommit) of `producer_id`: held until the
  // producer's marker.
  void apply_transactional(int64_t producer_id, std::optional<bytes_view> key, std::optional<bytes_view> value);
  // The producer's COMMIT (its pending offsets become committed) or ABORT (dropped) marker.
  void complete_transaction(int64_t producer_id, bool commit);
  size_t skipped() const { return _skipped; }
  replayed_partition take() { return std::move(_state); }

private:
  replayed_partition _state;
  size_t _skipped = 0;
};

} // namespace gregor::group
