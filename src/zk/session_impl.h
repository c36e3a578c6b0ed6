#pragma once
// session::impl — the C handle, its lock and the callback plumbing. Private to the zk module.
//
// Threads involved:
//  * callers of session methods (any thread): take `mu` to issue requests on the current handle;
//  * the C library's completion thread: runs the static callbacks in session.cc, which only touch
//    their own context objects and the watch registry (under `mu`) and post to Asio;
//  * the strand: processes session events (connect/disconnect/expiry), rebuilds the handle after
//    expiry, and runs user watch / state callbacks.
// Lifetime: the handle is always closed before impl is destroyed, so C callbacks may use a raw
// impl*; anything posted to Asio holds a weak_ptr instead.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <zookeeper/zookeeper.h>

#include "completion.h"
#include "gregor/zk/session.h"

namespace gregor::zk {

namespace detail {

using strand_t = asio::strand<asio::any_io_executor>;

// Context of the global watcher of one handle (one "generation").
struct handle_ctx {
  std::weak_ptr<session::impl> owner;
  strand_t strand;
  uint64_t generation = 0;
};

// Context of one registered data/exists/child watch. Owned by impl::watches.
struct watch_ctx {
  session::impl* owner = nullptr;
  strand_t strand;
  uint64_t generation = 0;
  watcher fn;
  bool fired = false;  // delivered session_lost; kept until its handle is closed
};

// start() waiting for the first `connected` event. Touched only on the strand.
struct connect_waiter {
  connect_waiter(strand_t s, std::chrono::steady_clock::time_point deadline, pending<void> p)
    : timer(std::move(s), deadline), done(std::move(p)) {}
  asio::steady_timer timer;
  std::optional<pending<void>> done;
};

} // namespace detail

struct session::impl : std::enable_shared_from_this<session::impl> {
  impl(asio::any_io_executor ex, std::string connect_string, int session_timeout_ms);
  ~impl();

  // ---- handle management ----
  // Opens a new handle (new generation). Caller must not hold mu.
  std::error_code open_handle(bool bootstrap);
  // Closes the current handle (blocking in zookeeper_close), frees the watch registry. If
  // `fire_lost`, watches that never fired get session_lost. If `final`, the session is closed.
  void close_current(bool final, bool fire_lost);
  void on_session_event(uint64_t generation, int state);  // strand only
  void notify_state(session_state s);                     // strand only
  void finish_waiters(std::error_code ec);                 // strand only
  asio::awaitable<result<void>> wait_connected(std::chrono::steady_clock::time_point deadline);

  // Runs `f(zh)` (which issues one zoo_a* call and returns its rc) with mu held, or reports why
  // there is no usable handle.
  template <typename F>
  std::error_code issue(F&& f) {
    std::lock_guard g(mu);
    if (zh == nullptr) return no_handle_error_locked();
    return from_zoo_rc(f(zh));
  }
  std::error_code no_handle_error_locked() const;

  // Watch registry. add_watch_locked requires mu held.
  detail::watch_ctx* add_watch_locked(watcher fn);
  void drop_watch(detail::watch_ctx* w);

  int64_t session_id_cached() const;

  const asio::any_io_executor ex;
  const detail::strand_t strand;
  const std::string connect_string;  // as given, with chroot
  const std::string hosts;           // without chroot
  const std::string chroot;          // "" or "/a/b"
  const int session_timeout_ms;

  mutable std::mutex mu;  // guards everything below up to `waiters`
  zhandle_t* zh = nullptr;
  detail::handle_ctx* hctx = nullptr;
  uint64_t generation = 0;
  bool bootstrap = false;  // current handle only creates the chroot; its events are not reported
  bool started = false;
  bool closed = false;
  session_credentials creds;
  std::function<void(session_state)> state_cb;
  std::unordered_map<detail::watch_ctx*, std::unique_ptr<detail::watch_ctx>> watches;

  std::atomic<bool> is_connected{false};

  // Strand only.
  std::vector<std::shared_ptr<detail::connect_waiter>> waiters;
};

} // namespace gregor::zk
