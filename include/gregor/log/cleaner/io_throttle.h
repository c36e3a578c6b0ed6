#pragma once
// log.cleaner.io.max.bytes.per.second: the cleaner threads together read and write at most this
// many bytes per second (Kafka's Throttler). Each read or write reports its bytes; a caller ahead
// of the rate sleeps until its bytes are paid for. Accounting restarts after each pause and every
// 100 ms, so idle time earns no credit for a later burst.
//
// Thread-safe: one throttle is shared by all cleaner threads. cancel() (at shutdown) ends every
// sleep at once and turns acquire() into a no-op.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace gregor::log {

class io_throttle {
public:
  // A rate <= 0 or >= 1e300 (Kafka's default is Double.MaxValue) means unlimited.
  explicit io_throttle(double bytes_per_second);

  void acquire(uint64_t bytes);
  void cancel();
  // A new limit (dynamic broker config); applies from the next acquire().
  void set_rate(double bytes_per_second);
  bool unlimited() const;

private:
  mutable std::mutex _mutex;
  double _rate;
  bool _unlimited;
  std::condition_variable _wake;
  bool _cancelled = false;
  uint64_t _observed = 0;
  std::chrono::steady_clock::time_point _period_start = std::chrono::steady_clock::now();
};

} // namespace gregor::log
