#pragma once
// A strand-confined wake-up signal for coroutines: waiters re-check their condition in a loop,
// notify_all() wakes every current waiter. Both must run on the same strand (the executor given to
// the constructor); that is what makes "check, then wait" free of lost wake-ups.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "asio_util.h"

namespace gregor::network {

class async_event {
public:
  explicit async_event(const asio::any_io_executor& ex)
    : _timer(ex, asio::steady_timer::time_point::max()) {}

  // Completes on notify_all() (the timer never expires by itself).
  asio::awaitable<void> wait() { co_await _timer.async_wait(nothrow_awaitable); }
  void notify_all() { _timer.cancel(); }

private:
  asio::steady_timer _timer;
};

} // namespace gregor::network
