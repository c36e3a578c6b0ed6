#pragma once
// Time source. Code that decides by time takes a clock& so tests can drive time by hand
// (Kafka's Time, leveldb's Env).

#include <atomic>
#include <cstdint>

namespace gregor {

class clock {
public:
  virtual ~clock() = default;
  // Wall-clock milliseconds since the Unix epoch (record timestamps, znode timestamps).
  virtual int64_t now_ms() const = 0;
  // Monotonic milliseconds (timeouts, intervals).
  virtual int64_t monotonic_ms() const = 0;

  static clock& system();
};

// A clock that moves only when told to. Thread-safe.
class manual_clock final : public clock {
public:
  explicit manual_clock(int64_t start_ms = 1'700'000'000'000) : _now(start_ms) {}
  int64_t now_ms() const override { return _now.load(); }
  int64_t monotonic_ms() const override { return _now.load(); }
  void advance(int64_t ms) { _now += ms; }
  void set(int64_t ms) { _now = ms; }

private:
  std::atomic<int64_t> _now;
};

} // namespace gregor
