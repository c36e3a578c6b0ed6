#pragma once
// reply_slot: how a request API (controlled shutdown, ElectLeaders, reassignments) gets its answer
// from the controller's event queue. The caller's coroutine, running on the controller's strand,
// waits on the slot's timer; the event that carries the slot sets the reply. An event dropped
// without an answer (the controller stopped, or the event was discarded) answers with the fallback
// (not_controller) when its last copy is destroyed, so no caller waits forever.
//
// Threading: everything here runs on the controller's strand.

#include <memory>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gregor::controller {

template <typename Reply>
class reply_slot {
public:
  template <typename Executor>
  reply_slot(const Executor& ex, Reply fallback)
    : _timer(ex, boost::asio::steady_timer::time_point::max()), _fallback(std::move(fallback)) {}

  // The first reply wins.
  void set(Reply r) {
    if (_reply) return;
    _reply = std::move(r);
    _timer.cancel();
  }
  void set_fallback() { set(_fallback); }

  boost::asio::awaitable<Reply> wait() {
    while (!_reply) {
      co_await _timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
    co_return std::move(*_reply);
  }

private:
  boost::asio::steady_timer _timer;
  std::optional<Reply> _reply;
  Reply _fallback;
};

// Held by the event only; answers the fallback if the event dies unanswered.
template <typename Reply>
class reply_promise {
public:
  explicit reply_promise(std::shared_ptr<reply_slot<Reply>> slot) : _slot(std::move(slot)) {}
  ~reply_promise() {
    if (_slot) _slot->set_fallback();
  }
  reply_promise(const reply_promise&) = delete;
  reply_promise& operator=(const reply_promise&) = delete;

  void set(Reply r) { _slot->set(std::move(r)); }

private:
  std::shared_ptr<reply_slot<Reply>> _slot;
};

} // namespace gregor::controller
