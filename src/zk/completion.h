#pragma once
// Bridges ZooKeeper C completions (which run on the library's completion thread) to Asio
// completion handlers. Private to the zk module.

#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/append.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/common/result.h"

namespace gregor::zk::detail {

namespace asio = boost::asio;

template <typename R>
using handler_t = asio::any_completion_handler<void(result<R>)>;

// A completion waiting for ZooKeeper. Holds outstanding work on the session's executor so that an
// io_context does not run out of work while a request is in flight.
// complete() may be called from any thread, exactly once. The result is posted to the session's
// executor, which then dispatches it to the handler's associated executor (the awaiting
// coroutine's), so the handler never runs on a ZooKeeper thread.
template <typename R>
class pending {
public:
  pending(handler_t<R> h, const asio::any_io_executor& ex)
    : _work(asio::prefer(ex, asio::execution::outstanding_work.tracked)), _h(std::move(h)) {}

  void complete(result<R> r) {
    auto work = std::move(_work);
    asio::post(work, asio::append(std::move(_h), std::move(r)));
  }

private:
  asio::any_io_executor _work;
  handler_t<R> _h;
};

// Starts an asynchronous operation: `init(handler_t<R>)` is invoked when the returned awaitable is
// awaited, and must eventually complete the handler exactly once.
template <typename R, typename Init>
asio::awaitable<result<R>> async_call(Init init) {
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(result<R>)>(
      [](auto handler, Init init_fn) { init_fn(handler_t<R>(std::move(handler))); }, asio::use_awaitable,
      std::move(init));
}

} // namespace gregor::zk::detail
