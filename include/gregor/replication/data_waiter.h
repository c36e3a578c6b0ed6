#pragma once
// data_waiter: lets a long-polling fetch sleep until one of its partitions gets new data or its
// deadline passes (Kafka's DelayedFetch, reduced to a wake-up).
//
// The waiter is created on the fetching coroutine's executor (the connection's strand) and
// registered with every partition the fetch reads. A partition calls notify() from its own strand;
// notify() posts the timer cancellation to the waiter's executor, so it runs only after the fetch
// coroutine has suspended in wait_until(), or not at all if the fetch already saw the flag.

#include <atomic>
#include <chrono>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace gregor::replication {

class data_waiter : public std::enable_shared_from_this<data_waiter> {
public:
  explicit data_waiter(boost::asio::any_io_executor ex) : _timer(ex) {}

  // Thread-safe. Wakes the waiter (now or when it next waits).
  void notify();
  bool notified() const { return _notified.load(); }
  // Must run on the executor given at construction. Returns at once if already notified.
  boost::asio::awaitable<void> wait_until(std::chrono::steady_clock::time_point deadline);

private:
  boost::asio::steady_timer _timer;
  std::atomic<bool> _notified{false};
};

} // namespace gregor::replication
