#pragma once
// Values the client's operations take and return. Plain data; no behaviour.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/topic_partition.h"
#include "gregor/record/record.h"

namespace gregor::client {

// ---- admin ----

struct new_topic {
  std::string name;
  int32_t partitions = -1;          // -1: the broker's num.partitions (CreateTopics v4+)
  int16_t replication_factor = -1;  // -1: the broker's default.replication.factor (v4+)
  std::map<int32_t, std::vector<int32_t>> assignment;  // manual; partitions/RF must then be -1
  std::map<std::string, std::string> configs;
};

struct new_partitions {
  std::string topic;
  int32_t total_count = 0;                        // the partition count after the change
  std::vector<std::vector<int32_t>> assignment;   // replicas of each new partition; empty = broker picks
};

// Outcome for one topic of an admin request. `error` is in the kafka category (empty = success);
// `message` is the broker's error message when it sent one.
struct topic_result {
  std::string name;
  std::error_code error;
  std::string message;
};

// ---- controller operations (ElectLeaders, partition reassignments) ----

// ElectLeaders' election type (the wire's int8).
enum class election_type : int8_t { preferred = 0, unclean = 1 };

// Outcome for one partition of ElectLeaders or AlterPartitionReassignments. `error` is in the
// kafka category (empty = success); `message` is the broker's error message when it sent one.
struct partition_outcome {
  std::error_code error;
  std::string message;
};

// A reassignment in progress (ListPartitionReassignments): the full replica set right now and the
// replicas being added and removed.
struct ongoing_reassignment {
  std::vector<int32_t> replicas;
  std::vector<int32_t> adding;
  std::vector<int32_t> removing;
  friend bool operator==(const ongoing_reassignment&, const ongoing_reassignment&) = default;
};

// ---- IncrementalAlterConfigs ----

enum class config_resource_type : int8_t { topic = 2, broker = 4 };
enum class config_op_type : int8_t { set = 0, remove = 1, append = 2, subtract = 3 };

struct config_alteration {
  std::string name;
  config_op_type op = config_op_type::set;
  std::optional<std::string> value;  // nullopt for remove
};

struct config_resource_change {
  config_resource_type type = config_resource_type::topic;
  std::string name;  // topic name, or broker id ("" = the cluster default)
  std::vector<config_alteration> alterations;
};

// Outcome for one resource; `error` in the kafka category (empty = success).
struct config_resource_result {
  config_resource_type type = config_resource_type::topic;
  std::string name;
  std::error_code error;
  std::string message;
};

// Kafka's ConfigSource ids (DescribeConfigs v1+).
enum class config_source : int8_t {
  unknown = 0,
  dynamic_topic = 1,
  dynamic_broker = 2,
  dynamic_default_broker = 3,
  static_broker = 4,
  default_config = 5,
  dynamic_broker_logger = 6,
};

struct config_entry {
  std::string name;
  std::optional<std::string> value;  // nullopt for sensitive values
  config_source source = config_source::unknown;
  bool is_default = false;  // v0: as sent; v1+: source == default_config
  bool read_only = false;
  bool sensitive = false;
};

// ---- data ----

enum class isolation_level : int8_t { read_uncommitted = 0, read_committed = 1 };

// Special ListOffsets timestamps.
inline constexpr int64_t latest_timestamp = -1;
inline constexpr int64_t earliest_timestamp = -2;

// One encoded RecordBatch v2 for one partition (see record::batch_builder).
struct produce_batch {
  std::string topic;
  int32_t partition = 0;
  bytes batch;
  size_t record_count = 0;
};

struct produce_result {
  std::string topic;
  int32_t partition = 0;
  std::error_code error;   // kafka category, or a client/network error
  int64_t base_offset = -1;  // -1 with acks=0
  std::string message;     // the broker's error message, if any
};

enum class timestamp_type : int8_t { create_time = 0, log_append_time = 1 };

struct consumer_record {
  int64_t offset = 0;
  int64_t timestamp = -1;
  timestamp_type ts_type = timestamp_type::create_time;
  std::optional<bytes> key;
  std::optional<bytes> value;
  std::vector<record::header> headers;
};

struct fetch_options {
  int32_t max_wait_ms = 500;
  int32_t min_bytes = 1;
  int32_t max_bytes = 52428800;
  int32_t partition_max_bytes = 1048576;
  isolation_level isolation = isolation_level::read_uncommitted;
};

struct fetched_partition {
  int32_t partition = 0;
  std::error_code error;  // kafka category, or a client/network error for the whole leader
  int64_t high_watermark = -1;
  int64_t last_stable_offset = -1;
  int64_t log_start_offset = -1;
  std::vector<consumer_record> records;  // offsets >= the fetch offset, control records dropped
  int64_t next_offset = 0;  // where the next fetch should start
};

} // namespace gregor::client
