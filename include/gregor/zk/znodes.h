#pragma once
// Kafka's ZooKeeper layout (ZooKeeper mode, Kafka 2.x-3.x): every znode path and the JSON codecs of
// their data, byte-compatible with what Kafka and its tools (kafka-topics, CMAK, Burrow) write/read.
// This is the only code that knows znode names and formats.
//
// Encoders produce compact JSON in the key order Kafka writes. Decoders accept any key order, ignore
// unknown keys, and return nullopt on anything malformed (they never throw).
// Paths are relative to the chroot (the session applies it).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "gregor/common/uuid.h"

namespace gregor::zk {

// ------------------------------------------------------------------------------------------------
// Paths
// ------------------------------------------------------------------------------------------------
namespace paths {

std::string cluster_id();                        // /cluster/id
std::string brokers_ids();                       // /brokers/ids
std::string broker(int32_t id);                  // /brokers/ids/<id>  (ephemeral)
std::string brokers_seqid();                     // /brokers/seqid
std::string brokers_topics();                    // /brokers/topics
std::string topic(std::string_view t);           // /brokers/topics/<t>
std::string topic_partitions(std::string_view t);               // /brokers/topics/<t>/partitions
std::string partition(std::string_view t, int32_t p);           // .../partitions/<p>
std::string partition_state(std::string_view t, int32_t p);     // .../partitions/<p>/state
std::string controller();                        // /controller (ephemeral)
std::string controller_epoch();                  // /controller_epoch
std::string admin_delete_topics();               // /admin/delete_topics
std::string delete_topic(std::string_view t);    // /admin/delete_topics/<t> (null data)
std::string reassign_partitions();               // /admin/reassign_partitions
std::string preferred_replica_election();        // /admin/preferred_replica_election
std::string isr_change_notification();           // /isr_change_notification
std::string isr_change_prefix();                 // /isr_change_notification/isr_change_
std::string log_dir_event_notification();        // /log_dir_event_notification
std::string log_dir_event_prefix();              // /log_dir_event_notification/log_dir_event_
std::string config_changes();                    // /config/changes
std::string config_change_prefix();              // /config/changes/config_change_
// entity types: "topics", "brokers", "clients", "users", "ips"; default name: "<default>";
// nested: entity_config("users", "alice/clients/app1").
std::string entity_type(std::string_view type);                      // /config/<type>
std::string entity_config(std::string_view type, std::string_view name);  // /config/<type>/<name>
std::string topic_config(std::string_view t);    // /config/topics/<t>
std::string broker_config(std::string_view id_or_default);  // /config/brokers/<id>
std::string latest_producer_id_block();          // /latest_producer_id_block
std::string feature();                           // /feature
std::string consumers();                         // /consumers
std::string consumer_offset(std::string_view group, std::string_view t, int32_t p);  // /consumers/<g>/offsets/<t>/<p>
std::string kafka_acl();                         // /kafka-acl
std::string kafka_acl_changes();                 // /kafka-acl-changes
std::string kafka_acl_extended_prefixed();       // /kafka-acl-extended/prefixed
std::string kafka_acl_extended_changes();        // /kafka-acl-extended-changes

// The persistent paths a broker pre-creates at startup (null data), in Kafka's order.
std::vector<std::string> base_paths();

// Sequence number of a sequential child name ("config_change_0000000042" -> 42); nullopt if the
// name has no 10-digit suffix after `prefix`. `prefix` may be the bare child prefix
// ("config_change_") or a full path prefix such as paths::config_change_prefix().
std::optional<int64_t> sequence_of(std::string_view child_name, std::string_view prefix);

}  // namespace paths

// ------------------------------------------------------------------------------------------------
// /brokers/ids/<id>
// ------------------------------------------------------------------------------------------------
struct endpoint {
  std::string listener_name;       // e.g. "PLAINTEXT", "INTERNAL"
  std::string host;
  int32_t port = 0;
  std::string security_protocol;   // PLAINTEXT / SSL / SASL_PLAINTEXT / SASL_SSL
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

struct broker_registration {
  int32_t id = -1;                 // not stored in the JSON (it is the znode name)
  std::vector<endpoint> endpoints;
  std::optional<std::string> rack;
  int32_t jmx_port = -1;
  int64_t timestamp_ms = 0;
  std::map<std::string, std::pair<int16_t, int16_t>> features;  // name -> (min_version, max_version)
  friend bool operator==(const broker_registration&, const broker_registration&) = default;
};

// Version 5 (host/port of the first PLAINTEXT endpoint, or null/-1).
std::string encode_broker_registration(const broker_registration& r);
// Accepts versions 1, 2, 3, 4, 5. `id` is the znode name.
std::optional<broker_registration> decode_broker_registration(int32_t id, std::string_view json);

// ------------------------------------------------------------------------------------------------
// /brokers/topics/<t>
// ------------------------------------------------------------------------------------------------
struct topic_assignment {
  std::map<int32_t, std::vector<int32_t>> partitions;         // partition -> replicas (preferred first)
  std::map<int32_t, std::vector<int32_t>> adding_replicas;    // only partitions mid-reassignment
  std::map<int32_t, std::vector<int32_t>> removing_replicas;
  std::optional<uuid> topic_id;
  friend bool operator==(const topic_assignment&, const topic_assignment&) = default;
};

// Version 3 ("topic_id" omitted when absent).
std::string encode_topic_assignment(const topic_assignment& a);
// Accepts versions 1, 2, 3.
std::optional<topic_assignment> decode_topic_assignment(std::string_view json);

// ------------------------------------------------------------------------------------------------
// /brokers/topics/<t>/partitions/<p>/state
// ------------------------------------------------------------------------------------------------
struct partition_state {
  int32_t controller_epoch = 0;
  int32_t leader = -1;
  int32_t leader_epoch = 0;
  std::vector<int32_t> isr;
  int32_t leader_recovery_state = 0;  // written only when != 0
  friend bool operator==(const partition_state&, const partition_state&) = default;
};

std::string encode_partition_state(const partition_state& s);
std::optional<partition_state> decode_partition_state(std::string_view json);

// ------------------------------------------------------------------------------------------------
// /controller, /controller_epoch
// ------------------------------------------------------------------------------------------------
struct controller_info {
  int32_t broker_id = -1;
  int64_t timestamp_ms = 0;
  std::optional<int32_t> kraft_controller_epoch;  // v2 only (3.4+); > 0 means a KRaft controller
  friend bool operator==(const controller_info&, const controller_info&) = default;
};

// Version 1: {"version":1,"brokerid":N,"timestamp":"<ms>"}
std::string encode_controller(const controller_info& c);
// Accepts versions 1 and 2.
std::optional<controller_info> decode_controller(std::string_view json);

// Plain decimal text, not JSON.
std::string encode_controller_epoch(int32_t epoch);
std::optional<int32_t> decode_controller_epoch(std::string_view text);

// ------------------------------------------------------------------------------------------------
// /cluster/id  {"version":"1","id":"<22-char base64url>"}
// ------------------------------------------------------------------------------------------------
std::string encode_cluster_id(std::string_view id);
std::optional<std::string> decode_cluster_id(std::string_view json);

// ------------------------------------------------------------------------------------------------
// /config/<type>/<name>  {"version":1,"config":{...}} (values are strings)
// ------------------------------------------------------------------------------------------------
std::string encode_entity_config(const std::map<std::string, std::string>& config);
std::optional<std::map<std::string, std::string>> decode_entity_config(std::string_view json);

// /config/changes/config_change_<seq>: v2 {"version":2,"entity_path":"topics/orders"}.
// Decoding also accepts v1 {"version":1,"entity_type":"topics","entity_name":"orders"}.
// Returns the entity path "<type>/<name>".
std::string encode_config_change(std::string_view entity_path);
std::optional<std::string> decode_config_change(std::string_view json);

// ------------------------------------------------------------------------------------------------
// Partition lists: /isr_change_notification/isr_change_<seq>, /admin/preferred_replica_election
//   {"version":1,"partitions":[{"topic":"t","partition":0},...]}
// ------------------------------------------------------------------------------------------------
std::string encode_isr_change_notification(const std::vector<topic_partition>& partitions);
std::optional<std::vector<topic_partition>> decode_isr_change_notification(std::string_view json);
std::optional<std::vector<topic_partition>> decode_preferred_replica_election(std::string_view json);
std::string encode_preferred_replica_election(const std::vector<topic_partition>& partitions);

// /admin/reassign_partitions {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[..]}]}
// ("log_dirs" and unknown keys ignored.) Written by tools; the controller rewrites it without the
// partitions whose reassignment completed or was refused.
std::optional<std::map<topic_partition, std::vector<int32_t>>> decode_reassignment(std::string_view json);
std::string encode_reassignment(const std::map<topic_partition, std::vector<int32_t>>& reassignment);

// /admin/delete_topics/<t> carries null data: the marker is the znode itself (no codec).

// /log_dir_event_notification/log_dir_event_<seq> {"version":1,"broker":<id>,"event":1}
std::string encode_log_dir_event(int32_t broker_id);
std::optional<int32_t> decode_log_dir_event(std::string_view json);  // -> broker id

// /latest_producer_id_block {"version":1,"broker":0,"block_start":"0","block_end":"999"} (strings!)
struct producer_id_block {
  int32_t broker = 0;
  int64_t block_start = 0;  // inclusive
  int64_t block_end = 0;    // inclusive
  friend bool operator==(const producer_id_block&, const producer_id_block&) = default;
};
std::string encode_producer_id_block(const producer_id_block& b);
std::optional<producer_id_block> decode_producer_id_block(std::string_view json);

// /feature  v2 {"version":2,"status":1,"features":{"f":{"max_version_level":n}}};
// decoding also accepts v1 (min_version_level ignored).
struct feature_znode {
  int32_t status = 1;  // 1 = enabled, 0 = disabled
  std::map<std::string, int16_t> max_version_levels;
  friend bool operator==(const feature_znode&, const feature_znode&) = default;
};
std::string encode_feature_znode(const feature_znode& f);
std::optional<feature_znode> decode_feature_znode(std::string_view json);

} // namespace gregor::zk
