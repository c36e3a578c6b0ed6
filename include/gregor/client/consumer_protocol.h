#pragma once
// The "consumer" embedded protocol of the classic group protocol: the bytes a consumer puts in
// JoinGroup (its subscription) and the bytes the group leader hands out through SyncGroup (each
// member's assignment), plus the range assignor. Both payloads are an int16 version followed by
// the ConsumerProtocolSubscription / ConsumerProtocolAssignment struct at that version, exactly as
// Kafka's Java client writes them, so Java, librdkafka and kafka-python members can share a group
// with ours. Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"

namespace gregor::client {

inline constexpr const char* consumer_protocol_type = "consumer";
inline constexpr const char* range_assignor_name = "range";

// topic -> partitions, topics sorted.
using partition_map = std::map<std::string, std::vector<int32_t>>;

struct consumer_subscription {
  std::vector<std::string> topics;
  std::optional<bytes> user_data;
  partition_map owned_partitions;  // v1+
  int32_t generation_id = -1;      // v2+
  std::optional<std::string> rack_id;  // v3+
  friend bool operator==(const consumer_subscription&, const consumer_subscription&) = default;
};

struct consumer_assignment {
  partition_map partitions;
  std::optional<bytes> user_data;
  friend bool operator==(const consumer_assignment&, const consumer_assignment&) = default;
};

// `version` 0-3 (fields of later versions are dropped at earlier ones). We send v1, as Kafka's
// eager assignors do.
bytes encode_subscription(const consumer_subscription& s, int16_t version = 1);
bytes encode_assignment(const consumer_assignment& a, int16_t version = 1);

// Reads any version: a version above the newest we know is read as the newest (later versions
// only append fields, so the known prefix is valid, as in Java's ConsumerProtocol).
// Errors: client_errc::malformed_response when the bytes do not decode.
result<consumer_subscription> decode_subscription(bytes_view data);
// An empty buffer is an empty assignment (what the coordinator gives a member the leader left out).
result<consumer_assignment> decode_assignment(bytes_view data);

// One member as the assignor sees it.
struct assignor_member {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::string> topics;
};

// Kafka's RangeAssignor: for each topic, its subscribers in order (static members by instance id
// first, then dynamic members by member id) each get a contiguous range of partitions; the first
// (partitions % subscribers) get one extra. `partition_counts` is topic -> number of partitions;
// topics missing from it are skipped. Every member gets an entry, possibly empty.
std::map<std::string, partition_map> range_assign(const std::vector<assignor_member>& members,
                                                  const std::map<std::string, int32_t>& partition_counts);

} // namespace gregor::client
