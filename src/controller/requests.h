#pragma once
// Builds the controller's requests to brokers: LeaderAndIsr, UpdateMetadata, StopReplica.
// Versions are those of a 3.x ZooKeeper-mode cluster (IBP 3.2+): LeaderAndIsr v6,
// UpdateMetadata v7, StopReplica v3.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gregor/common/iobuf.h"
#include "gregor/common/topic_partition.h"
#include "gregor/common/uuid.h"
#include "gregor/zk/kafka_zk.h"

namespace gregor::controller {

inline constexpr int16_t leader_and_isr_version = 6;
inline constexpr int16_t update_metadata_version = 7;
inline constexpr int16_t stop_replica_version = 3;

struct partition_update {
  topic_partition tp;
  uuid topic_id;
  zk::partition_state state;  // leader -2 in UpdateMetadata marks a partition being deleted
  int32_t zk_version = 0;
  std::vector<int32_t> replicas;          // RS (during a reassignment: target then original replicas)
  std::vector<int32_t> adding_replicas;   // LeaderAndIsr only
  std::vector<int32_t> removing_replicas; // LeaderAndIsr only
  std::vector<int32_t> offline_replicas;  // UpdateMetadata only
  bool is_new = false;
};

struct stop_replica_entry {
  topic_partition tp;
  int32_t leader_epoch = -2;
  bool delete_partition = false;
};

struct request_envelope {
  int32_t controller_id = 0;
  zk::controller_claim claim;
  int64_t broker_epoch = -1;     // the receiver's
  int32_t correlation_id = 0;
};

// `brokers` supplies the endpoints of the leaders named in `partitions` on `listener_name`.
iobuf build_leader_and_isr(const request_envelope& env, const std::vector<partition_update>& partitions,
                           const std::map<int32_t, zk::registered_broker>& brokers,
                           const std::string& listener_name);
iobuf build_update_metadata(const request_envelope& env, const std::vector<partition_update>& partitions,
                            const std::map<int32_t, zk::registered_broker>& live_brokers);
iobuf build_stop_replica(const request_envelope& env, const std::vector<stop_replica_entry>& partitions);

int16_t security_protocol_id(const std::string& name);

} // namespace gregor::controller
