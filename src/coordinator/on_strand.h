#pragma once
// Runs a coordinator's coroutine on its strand and returns the value on the caller's executor
// (co_spawn, not post: GCC 12's coroutines resume a posted continuation on the original executor).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gregor::coordinator_detail {

template <typename T, typename Strand>
boost::asio::awaitable<T> on_strand(Strand strand, boost::asio::awaitable<T> task) {
  co_return co_await boost::asio::co_spawn(strand, std::move(task), boost::asio::use_awaitable);
}

} // namespace gregor::coordinator_detail
