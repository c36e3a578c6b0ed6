#include "isr_change_batcher.h"

namespace gregor::app {

isr_change_batcher::isr_change_batcher(int64_t now_ms) : _last_change_ms(now_ms), _last_propagation_ms(now_ms) {}

void isr_change_batcher::add(const topic_partition& tp, int64_t now_ms) {
  std::lock_guard lock(_mutex);
  _changed.insert(tp);
  _last_change_ms = now_ms;
}

std::vector<topic_partition> isr_change_batcher::take_due(int64_t now_ms) {
  std::lock_guard lock(_mutex);
  if (_changed.empty()) return {};
  const bool quiet = _last_change_ms + quiet_period_ms < now_ms;
  const bool overdue = _last_propagation_ms + max_delay_ms < now_ms;
  if (!quiet && !overdue) return {};
  return take_locked(now_ms);
}

std::vector<topic_partition> isr_change_batcher::take_all(int64_t now_ms) {
  std::lock_guard lock(_mutex);
  if (_changed.empty()) return {};
  return take_locked(now_ms);
}

void isr_change_batcher::restore(const std::vector<topic_partition>& tps) {
  std::lock_guard lock(_mutex);
  _changed.insert(tps.begin(), tps.end());
  // Due at the next check: a failed write must not wait for another quiet period. Only the
  // propagation time is rolled back; changes that came meanwhile keep their own time.
  _last_propagation_ms -= max_delay_ms;
}

size_t isr_change_batcher::size() const {
  std::lock_guard lock(_mutex);
  return _changed.size();
}

std::vector<topic_partition> isr_change_batcher::take_locked(int64_t now_ms) {
  std::vector<topic_partition> out(_changed.begin(), _changed.end());
  _changed.clear();
  _last_propagation_ms = now_ms;
  return out;
}

} // namespace gregor::app
