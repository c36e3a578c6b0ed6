#include "gregor/replication/data_waiter.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gregor::replication {

namespace asio = boost::asio;

void data_waiter::notify() {
  if (_notified.exchange(true)) return;
  asio::post(_timer.get_executor(), [self = shared_from_this()] { self->_timer.cancel(); });
}

asio::awaitable<void> data_waiter::wait_until(std::chrono::steady_clock::time_point deadline) {
  if (_notified.load()) co_return;
  _timer.expires_at(deadline);
  co_await _timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

} // namespace gregor::replication
