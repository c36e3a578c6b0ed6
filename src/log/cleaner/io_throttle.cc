#include "gregor/log/cleaner/io_throttle.h"

namespace gregor::log {

namespace {
constexpr auto check_interval = std::chrono::milliseconds(100);
bool is_unlimited(double rate) { return !(rate > 0) || rate >= 1e300; }
} // namespace

io_throttle::io_throttle(double bytes_per_second)
  : _rate(bytes_per_second), _unlimited(is_unlimited(bytes_per_second)) {}

void io_throttle::set_rate(double bytes_per_second) {
  {
    std::lock_guard lock(_mutex);
    _rate = bytes_per_second;
    _unlimited = is_unlimited(bytes_per_second);
    _observed = 0;
    _period_start = std::chrono::steady_clock::now();
  }
  _wake.notify_all();  // a sleeper re-checks against the new rate on its next acquire()
}

bool io_throttle::unlimited() const {
  std::lock_guard lock(_mutex);
  return _unlimited;
}

void io_throttle::acquire(uint64_t bytes) {
  std::unique_lock lock(_mutex);
  if (_unlimited || _cancelled) return;
  _observed += bytes;
  auto elapsed = std::chrono::steady_clock::now() - _period_start;
  std::chrono::duration<double> allowed(static_cast<double>(_observed) / _rate);
  if (allowed > elapsed) {
    // Ahead of the rate: sleep until the bytes of this period are paid for.
    auto pause = std::chrono::duration_cast<std::chrono::steady_clock::duration>(allowed - elapsed);
    _wake.wait_for(lock, pause, [this] { return _cancelled; });
  } else if (elapsed < check_interval) {
    return;  // within the rate; keep accounting this period
  }
  // A new period after each pause or every check_interval: idle time earns no credit for a burst.
  _observed = 0;
  _period_start = std::chrono::steady_clock::now();
}

void io_throttle::cancel() {
  {
    std::lock_guard lock(_mutex);
    _cancelled = true;
  }
  _wake.notify_all();
}

} // namespace gregor::log
