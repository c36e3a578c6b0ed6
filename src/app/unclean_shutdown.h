#pragma once
// The unclean-shutdown rule (issue 6 point 5; docs/DURABILITY.md, "Unclean shutdown").
//
// A broker that starts without the clean-shutdown marker in a log dir may have lost the unflushed
// tail of every log in that dir (a power cut drops the page cache), yet ZooKeeper may still list it
// in those partitions' ISRs, and the controller elects leaders from the ISR. So before it
// registers in /brokers/ids (before any controller can pick it), it takes itself out of the ISR of
// every partition of such a dir whose ISR has another member, with a CAS write of the state znode;
// where it is the recorded leader it also writes leader -1, so the controller elects a leader from
// the remaining ISR. Then one isr_change notification lists the partitions it changed. It rejoins
// each ISR the ordinary way, by fetching from the leader until caught up. Alone in an ISR it stays:
// no replica has more history.
//
// Threading: the coroutine runs before the broker serves anything; kafka_zk is thread-safe.

#include <cstdint>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/zk/znodes.h"

namespace gregor::log {
class log_manager;
}
namespace gregor::zk {
class kafka_zk;
}

namespace gregor::app {

// The state `self` writes after an unclean shutdown: out of the ISR, leader -1 if it led; leader
// epoch, controller epoch and recovery state unchanged. nullopt when there is nothing to write:
// not in the ISR, or its only member.
std::optional<zk::partition_state> state_without_unclean_replica(const zk::partition_state& current, int32_t self);

// Applies the rule to every partition whose log dir had no clean-shutdown marker (compare-and-set,
// retried on version conflicts), then writes the isr_change notification(s). Returns the
// partitions written. An error (ZooKeeper unreachable, a write that keeps failing) means the rule
// could not be applied: the broker must not register.
boost::asio::awaitable<result<std::vector<topic_partition>>> leave_isrs_after_unclean_shutdown(
    zk::kafka_zk& zk, const log::log_manager& logs, int32_t self);

} // namespace gregor::app
