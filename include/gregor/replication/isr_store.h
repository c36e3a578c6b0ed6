#pragma once
// isr_store: where a partition leader records ISR changes (issue 6). In ZooKeeper mode that is the
// partition state znode /brokers/topics/<t>/partitions/<p>/state, written with a compare-and-set on
// its zkVersion, plus /isr_change_notification/isr_change_<seq> so the controller re-reads the
// state and tells every broker (ZOOKEEPER-LAYOUT §2.5, §2.8). The replication module knows only
// this interface; the app implements it over kafka_zk (so replication never includes zk).
//
// Threading: write_isr() may be awaited from any executor; notify_isr_changed() is thread-safe.

#include <cstdint>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/replication/partition.h"

namespace gregor::replication {

// One leader-side ISR update: the partition's state with the new ISR (leader, leader epoch and
// controller epoch unchanged from the LeaderAndIsr the leader runs under).
struct isr_write {
  topic_partition tp;
  partition_state state;         // state.isr is the new ISR
  int32_t expected_zk_version;   // the zkVersion the leader knows (LeaderAndIsr's partition epoch)
};

class isr_store {
public:
  virtual ~isr_store() = default;

  // CAS-writes the state znode. Returns the new zkVersion. A version mismatch whose znode already
  // holds exactly the wanted state (an earlier write whose reply was lost) counts as success with
  // the znode's version, as Kafka's checker does; any other mismatch is zk bad_version: the leader
  // keeps its old ISR and waits for the controller's next LeaderAndIsr.
  virtual boost::asio::awaitable<result<int32_t>> write_isr(isr_write w) = 0;

  // Queues `tp` for the next ISR change notification. Kafka batches them: the queued set is written
  // as one isr_change_<seq> once no change came for 5 s or 60 s passed since the last write, checked
  // every 2.5 s (ReplicaManager.maybePropagateIsrChanges).
  virtual void notify_isr_changed(const topic_partition& tp) = 0;
};

} // namespace gregor::replication
