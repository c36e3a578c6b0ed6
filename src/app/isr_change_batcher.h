#pragma once
// isr_change_batcher: the rule that decides when a leader's ISR changes are announced through
// /isr_change_notification (Kafka's ReplicaManager.recordIsrChange / maybePropagateIsrChanges).
//
// Changed partitions collect in a set. A check (every check_interval_ms) hands the whole set out
// for one isr_change_<seq> znode when it is not empty and either no change came for
// quiet_period_ms (a burst of shrinks and expands is over) or the last hand-out is more than
// max_delay_ms ago (a steady trickle still gets through). The set holds each partition once, so
// it is bounded by the partitions this broker leads.
//
// Pure bookkeeping, no I/O: the caller passes the time. Threading: every method is thread-safe.

#include <cstdint>
#include <mutex>
#include <set>
#include <vector>

#include "gregor/common/topic_partition.h"

namespace gregor::app {

class isr_change_batcher {
public:
  static constexpr int64_t check_interval_ms = 2500;  // Kafka: isr-change-propagation schedule
  static constexpr int64_t quiet_period_ms = 5000;    // Kafka: IsrChangePropagationBlackOut
  static constexpr int64_t max_delay_ms = 60000;      // Kafka: IsrChangePropagationInterval

  // `now_ms` is the time the batcher starts from (the last hand-out counts as now).
  explicit isr_change_batcher(int64_t now_ms);

  // Records a change of `tp`'s ISR at `now_ms`.
  void add(const topic_partition& tp, int64_t now_ms);
  // The partitions to announce now (and forgets them), or empty when the rule says wait.
  std::vector<topic_partition> take_due(int64_t now_ms);
  // Everything queued, whatever the rule says (shutdown flush); counts as a hand-out.
  std::vector<topic_partition> take_all(int64_t now_ms);
  // Puts back partitions whose announcement failed; they are due again at the next check.
  void restore(const std::vector<topic_partition>& tps);
  size_t size() const;

private:
  std::vector<topic_partition> take_locked(int64_t now_ms);

  mutable std::mutex _mutex;
  std::set<topic_partition> _changed;
  int64_t _last_change_ms;
  int64_t _last_propagation_ms;
};

} // namespace gregor::app
