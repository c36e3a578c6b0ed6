#pragma once
// request_batch: the requests one controller event produces (Kafka's ControllerBrokerRequestBatch).
// While an event runs, state changes add LeaderAndIsr, UpdateMetadata and StopReplica entries per
// broker; when it ends the controller takes the batch and sends at most one request of each kind
// to each broker, in the order LeaderAndIsr, UpdateMetadata, StopReplica (a broker's channel keeps
// that order). Pure bookkeeping: the UpdateMetadata partition states are read from the controller
// context when the batch is sent, so they are the event's final ones.
//
// Threading: owned by the controller's strand.

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "gregor/common/topic_partition.h"
#include "requests.h"

namespace gregor::controller {

class request_batch {
public:
  struct for_broker {
    std::vector<partition_update> leader_and_isr;
    bool update_metadata = false;                  // send one (possibly with no partitions: broker list only)
    std::set<topic_partition> metadata_partitions;
    std::vector<stop_replica_entry> stop_replica;
  };

  // A later entry for the same partition and broker replaces an earlier one; is_new sticks.
  void add_leader_and_isr(int32_t broker, partition_update update);
  // delete=true sticks once asked for (the leader epoch then is -2, as Kafka's deletions send).
  void add_stop_replica(int32_t broker, const topic_partition& tp, bool delete_partition, int32_t leader_epoch);
  // An UpdateMetadata to each of `brokers` covering (at least) `partitions`.
  void add_update_metadata(const std::set<int32_t>& brokers, const std::vector<topic_partition>& partitions);

  bool empty() const { return _brokers.empty(); }
  // The batch per broker (ascending ids); leaves this batch empty.
  std::map<int32_t, for_broker> take();
  void clear() { _brokers.clear(); }

private:
  struct pending {
    std::map<topic_partition, partition_update> leader_and_isr;
    bool update_metadata = false;
    std::set<topic_partition> metadata_partitions;
    std::map<topic_partition, stop_replica_entry> stop_replica;
  };
  std::map<int32_t, pending> _brokers;
};

} // namespace gregor::controller
