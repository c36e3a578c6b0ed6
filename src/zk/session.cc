#include "gregor/zk/session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <boost/asio/post.hpp>

#include "gregor/common/logger.h"
#include "session_impl.h"

namespace gregor::zk {

using detail::handler_t;
using detail::pending;

namespace {

const std::shared_ptr<spdlog::logger>& zk_log() {
  static const auto log = get_logger("zk");
  return log;
}

// The C library's own log lines (connection failures and the like) go to our "zk" logger
// instead of stderr. Only warnings and errors are produced (see set_library_log_level). While the
// ensemble is unreachable the library retries several times a second, so at most one line per
// interval is logged as a warning and the rest at debug level.
void library_log(const char* message) {
  using clock = std::chrono::steady_clock;
  static std::atomic<int64_t> last_warn_ms{0};
  constexpr int64_t interval_ms = 5000;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
  int64_t last = last_warn_ms.load(std::memory_order_relaxed);
  if (now_ms - last >= interval_ms && last_warn_ms.compare_exchange_strong(last, now_ms)) {
    zk_log()->warn("libzookeeper: {}", message);
  } else {
    zk_log()->debug("libzookeeper: {}", message);
  }
}

void set_library_log_level() {
  static std::once_flag once;
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

std::pair<std::string, std::string> split_chroot(const std::string& connect) {
  auto slash = connect.find('/');
  if (slash == std::string::npos) return {connect, ""};
  std::string chroot = connect.substr(slash);
  while (chroot.size() > 1 && chroot.back() == '/') chroot.pop_back();
  if (chroot == "/") chroot.clear();
  return {connect.substr(0, slash), chroot};
}

stat to_stat(const struct Stat& s) {
  stat r;
  r.czxid = s.czxid;
  r.mzxid = s.mzxid;
  r.ctime = s.ctime;
  r.mtime = s.mtime;
  r.version = s.version;
  r.cversion = s.cversion;
  r.aversion = s.aversion;
  r.ephemeral_owner = s.ephemeralOwner;
  r.data_length = s.dataLength;
  r.num_children = s.numChildren;
  r.pzxid = s.pzxid;
  return r;
}

int to_zoo_mode(create_mode m) {
  switch (m) {
    case create_mode::persistent: return ZOO_PERSISTENT;
    case create_mode::ephemeral: return ZOO_EPHEMERAL;
    case create_mode::persistent_sequential: return ZOO_PERSISTENT_SEQUENTIAL;
    case create_mode::ephemeral_sequential: return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

const char* data_ptr(const std::optional<bytes>& d) {
  return d ? reinterpret_cast<const char*>(d->data()) : nullptr;
}
int data_len(const std::optional<bytes>& d) { return d ? static_cast<int>(d->size()) : -1; }

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "";
  return path.substr(0, slash);
}

watch_event::kind to_event_kind(int type) {
  if (type == ZOO_CREATED_EVENT) return watch_event::created;
  if (type == ZOO_DELETED_EVENT) return watch_event::deleted;
  if (type == ZOO_CHANGED_EVENT) return watch_event::data_changed;
  if (type == ZOO_CHILD_EVENT) return watch_event::children_changed;
  return watch_event::session_lost;  // ZOO_NOTWATCHING_EVENT: the server dropped the watch
}

// ---- C callbacks (run on the library's completion thread) ----

void global_watcher(zhandle_t*, int type, int state, const char*, void* ctx) {
  if (type != ZOO_SESSION_EVENT) return;
  auto* h = static_cast<detail::handle_ctx*>(ctx);
  asio::post(h->strand, [owner = h->owner, gen = h->generation, state] {
    if (auto self = owner.lock()) self->on_session_event(gen, state);
  });
}

void path_watcher(zhandle_t*, int type, int state, const char* path, void* ctx) {
  auto* w = static_cast<detail::watch_ctx*>(ctx);
  session::impl* owner = w->owner;
  watcher fn;
  watch_event ev{watch_event::session_lost, ""};
  std::optional<detail::strand_t> strand;
  {
    std::lock_guard g(owner->mu);
    if (w->fired) return;
    if (type == ZOO_SESSION_EVENT) {
      // Disconnects keep the watch armed; only expiry ends it. The library may still hold the
      // pointer, so the context stays in the registry until its handle is closed.
      if (state != ZOO_EXPIRED_SESSION_STATE) return;
      w->fired = true;
      fn = std::move(w->fn);
      strand = w->strand;
    } else {
      ev.type = to_event_kind(type);
      ev.path = path != nullptr ? path : "";
      fn = std::move(w->fn);
      strand = w->strand;
      owner->watches.erase(w);  // the library has forgotten this watch: safe to free
    }
  }
  if (fn) asio::post(*strand, [fn = std::move(fn), ev = std::move(ev)] { fn(ev); });
}

// Per-request contexts: heap-allocated at issue, deleted by their completion.
template <typename R>
struct call_ctx {
  call_ctx(handler_t<R> h, session::impl* o) : done(std::move(h), o->ex), owner(o) {}
  pending<R> done;
  session::impl* owner;
  detail::watch_ctx* watch = nullptr;

  // The library registers a watch only when the request result allows it; otherwise the watch
  // context will never be called and must be freed here.
  void settle_watch(bool activated) {
    if (watch != nullptr && !activated) owner->drop_watch(watch);
  }
};

using get_value = std::pair<std::optional<bytes>, stat>;

void get_done(int rc, const char* value, int len, const struct Stat* st, const void* data) {
  auto* c = static_cast<call_ctx<get_value>*>(const_cast<void*>(data));
  c->settle_watch(rc == ZOK);
  if (rc != ZOK) {
    c->done.complete(unexpected(from_zoo_rc(rc)));
  } else {
    std::optional<bytes> v;
    if (value != nullptr && len >= 0) v = bytes(value, value + len);
    c->done.complete(get_value{std::move(v), to_stat(*st)});
  }
  delete c;
}

void exists_done(int rc, const struct Stat* st, const void* data) {
  auto* c = static_cast<call_ctx<std::optional<stat>>*>(const_cast<void*>(data));
  c->settle_watch(rc == ZOK || rc == ZNONODE);
  if (rc == ZOK) c->done.complete(std::optional<stat>(to_stat(*st)));
  else if (rc == ZNONODE) c->done.complete(std::optional<stat>());
  else c->done.complete(unexpected(from_zoo_rc(rc)));
  delete c;
}

void children_done(int rc, const struct String_vector* strings, const void* data) {
  auto* c = static_cast<call_ctx<std::vector<std::string>>*>(const_cast<void*>(data));
  c->settle_watch(rc == ZOK);
  if (rc != ZOK) {
    c->done.complete(unexpected(from_zoo_rc(rc)));
  } else {
    std::vector<std::string> names;
    if (strings != nullptr) {
      names.reserve(static_cast<size_t>(std::max(strings->count, 0)));
      for (int32_t i = 0; i < strings->count; ++i) names.emplace_back(strings->data[i]);
    }
    c->done.complete(std::move(names));
  }
  delete c;
}

void create_done(int rc, const char* value, const struct Stat*, const void* data) {
  auto* c = static_cast<call_ctx<std::string>*>(const_cast<void*>(data));
  if (rc != ZOK) c->done.complete(unexpected(from_zoo_rc(rc)));
  else c->done.complete(std::string(value != nullptr ? value : ""));
  delete c;
}

void set_done(int rc, const struct Stat* st, const void* data) {
  auto* c = static_cast<call_ctx<stat>*>(const_cast<void*>(data));
  if (rc != ZOK) c->done.complete(unexpected(from_zoo_rc(rc)));
  else c->done.complete(to_stat(*st));
  delete c;
}

void remove_done(int rc, const void* data) {
  auto* c = static_cast<call_ctx<void>*>(const_cast<void*>(data));
  if (rc != ZOK) c->done.complete(unexpected(from_zoo_rc(rc)));
  else c->done.complete(result<void>{});
  delete c;
}

// multi: the library writes results, created paths and stats after the call returns, so all
// buffers live in the context until the completion.
struct multi_ctx : call_ctx<std::vector<op_result>> {
  using call_ctx::call_ctx;
  std::vector<op> ops;
  std::vector<zoo_op_t> zops;
  std::vector<zoo_op_result_t> results;
  std::vector<std::vector<char>> path_bufs;
  std::vector<struct Stat> stats;
};

constexpr int result_unset = 1;  // never a ZooKeeper rc

void multi_done(int rc, const void* data) {
  auto* c = static_cast<multi_ctx*>(const_cast<void*>(data));
  bool op_level = rc == ZOK || std::any_of(c->results.begin(), c->results.end(),
                                           [rc](const zoo_op_result_t& r) { return r.err == rc; });
  if (!op_level) {
    c->done.complete(unexpected(from_zoo_rc(rc)));
  } else {
    std::vector<op_result> out(c->ops.size());
    for (size_t i = 0; i < c->ops.size(); ++i) {
      int err = c->results[i].err == result_unset ? ZRUNTIMEINCONSISTENCY : c->results[i].err;
      out[i].error = from_zoo_rc(err);
      if (rc != ZOK) continue;
      if (c->ops[i].type == op::kind::create) out[i].path = std::string(c->path_bufs[i].data());
      if (c->ops[i].type == op::kind::set) out[i].node_stat = to_stat(c->stats[i]);
    }
    c->done.complete(std::move(out));
  }
  delete c;
}

} // namespace

// ------------------------------------------------------------------------------------------------
// impl
// ------------------------------------------------------------------------------------------------

session::impl::impl(asio::any_io_executor e, std::string connect, int timeout_ms)
  : ex(std::move(e)),
    strand(asio::make_strand(ex)),
    connect_string(connect),
    hosts(split_chroot(connect).first),
    chroot(split_chroot(connect).second),
    session_timeout_ms(timeout_ms) {}

session::impl::~impl() { close_current(true, false); }

std::error_code session::impl::no_handle_error_locked() const {
  if (closed) return zk_errc::closing;
  if (!started) return zk_errc::not_started;
  return zk_errc::session_expired;  // between expiry and the new handle
}

std::error_code session::impl::open_handle(bool is_bootstrap) {
  set_library_log_level();
  std::lock_guard g(mu);
  if (closed) return zk_errc::closing;
  ++generation;
  auto* ctx = new detail::handle_ctx{weak_from_this(), strand, generation};
  const std::string& target = is_bootstrap ? hosts : connect_string;
  errno = 0;
  zhandle_t* h = zookeeper_init2(target.c_str(), global_watcher, session_timeout_ms, nullptr, ctx, 0,
                                 library_log);
  if (h == nullptr) {
    int err = errno;
    delete ctx;
    zk_log()->error("zookeeper_init({}) failed: {}", target, std::strerror(err));
    return err == EINVAL ? std::error_code(zk_errc::bad_arguments) : std::error_code(zk_errc::system_error);
  }
  zh = h;
  hctx = ctx;
  bootstrap = is_bootstrap;
  return {};
}

void session::impl::close_current(bool final, bool fire_lost) {
  zhandle_t* h = nullptr;
  detail::handle_ctx* ctx = nullptr;
  {
    std::lock_guard g(mu);
    h = zh;
    ctx = hctx;
    zh = nullptr;
    hctx = nullptr;
    ++generation;  // events of the closed handle are stale from now on
    if (final) closed = true;
  }
  is_connected = false;
  // Blocks until the library's threads are joined; pending completions run (with ZCLOSING) here.
  if (h != nullptr) zookeeper_close(h);
  delete ctx;

  std::unordered_map<detail::watch_ctx*, std::unique_ptr<detail::watch_ctx>> orphans;
  {
    std::lock_guard g(mu);
    orphans.swap(watches);
  }
  if (!fire_lost) return;
  for (auto& [w, owned] : orphans) {
    if (owned->fired || !owned->fn) continue;
    asio::post(owned->strand, [fn = std::move(owned->fn)] { fn(watch_event{watch_event::session_lost, ""}); });
  }
}

void session::impl::on_session_event(uint64_t gen, int state) {
  bool is_bootstrap = false;
  {
    std::lock_guard g(mu);
    if (gen != generation || closed || zh == nullptr) return;
    is_bootstrap = bootstrap;
    if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
      const clientid_t* id = zoo_client_id(zh);
      creds.id = id->client_id;
      creds.password.assign(id->passwd, sizeof(id->passwd));
    }
  }
  if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
    bool was = is_connected.exchange(true);
    if (!is_bootstrap) zk_log()->info("zookeeper session 0x{:x} connected", session_id_cached());
    finish_waiters({});
    if (!was && !is_bootstrap) notify_state(session_state::connected);
  } else if (state == ZOO_EXPIRED_SESSION_STATE) {
    is_connected = false;
    if (is_bootstrap) {
      finish_waiters(zk_errc::session_expired);
      return;
    }
    zk_log()->warn("zookeeper session 0x{:x} expired; building a new session", session_id_cached());
    notify_state(session_state::expired);
    close_current(false, true);
    if (auto ec = open_handle(false)) zk_log()->error("cannot rebuild zookeeper handle: {}", ec.message());
  } else if (state == ZOO_AUTH_FAILED_STATE) {
    zk_log()->error("zookeeper authentication failed");
    if (is_connected.exchange(false) && !is_bootstrap) notify_state(session_state::disconnected);
  } else {  // connecting / associating / not connected
    if (is_connected.exchange(false) && !is_bootstrap) {
      zk_log()->warn("zookeeper connection lost; reconnecting");
      notify_state(session_state::disconnected);
    }
  }
}

void session::impl::notify_state(session_state s) {
  std::function<void(session_state)> cb;
  {
    std::lock_guard g(mu);
    cb = state_cb;
  }
  if (cb) cb(s);
}

void session::impl::finish_waiters(std::error_code ec) {
  auto ws = std::move(waiters);
  waiters.clear();
  for (auto& w : ws) {
    if (!w->done) continue;
    auto p = std::move(*w->done);
    w->done.reset();
    w->timer.cancel();
    if (ec) p.complete(unexpected(ec));
    else p.complete(result<void>{});
  }
}

asio::awaitable<result<void>> session::impl::wait_connected(std::chrono::steady_clock::time_point deadline) {
  return detail::async_call<void>([self = shared_from_this(), deadline](handler_t<void> h) {
    pending<void> p(std::move(h), self->ex);
    asio::post(self->strand, [self, deadline, p = std::move(p)]() mutable {
      if (self->is_connected) {
        p.complete(result<void>{});
        return;
      }
      auto w = std::make_shared<detail::connect_waiter>(self->strand, deadline, std::move(p));
      self->waiters.push_back(w);
      w->timer.async_wait([self, w](boost::system::error_code) {
        if (!w->done) return;
        auto done = std::move(*w->done);
        w->done.reset();
        std::erase(self->waiters, w);
        done.complete(unexpected(zk_errc::connect_timeout));
      });
    });
  });
}

detail::watch_ctx* session::impl::add_watch_locked(watcher fn) {
  auto w = std::make_unique<detail::watch_ctx>(detail::watch_ctx{this, strand, generation, std::move(fn), false});
  auto* raw = w.get();
  watches.emplace(raw, std::move(w));
  return raw;
}

void session::impl::drop_watch(detail::watch_ctx* w) {
  std::lock_guard g(mu);
  watches.erase(w);
}

int64_t session::impl::session_id_cached() const {
  std::lock_guard g(mu);
  return creds.id;
}

// ------------------------------------------------------------------------------------------------
// session
// ------------------------------------------------------------------------------------------------

session::session(asio::any_io_executor ex, std::string connect_string, int session_timeout_ms)
  : _impl(std::make_shared<impl>(std::move(ex), std::move(connect_string), session_timeout_ms)) {}

session::~session() { _impl->close_current(true, false); }

asio::awaitable<result<void>> session::start(int connection_timeout_ms) {
  auto self = _impl;
  {
    std::lock_guard g(self->mu);
    if (self->started || self->closed) co_return unexpected(zk_errc::invalid_state);
    self->started = true;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(connection_timeout_ms);
  auto fail = [&](std::error_code ec) -> result<void> {
    self->close_current(false, false);
    std::lock_guard g(self->mu);
    self->started = false;
    return unexpected(ec);
  };

  if (!self->chroot.empty()) {
    if (auto ec = self->open_handle(true)) co_return fail(ec);
    if (auto r = co_await self->wait_connected(deadline); !r) co_return fail(r.error());
    auto made = co_await create_recursive(self->chroot, std::nullopt);
    if (!made && made.error() != zk_errc::node_exists) {
      get_logger("zk")->error("cannot create chroot {}: {}", self->chroot, made.error().message());
      co_return fail(made.error());
    }
    self->close_current(false, false);
  }
  if (auto ec = self->open_handle(false)) co_return fail(ec);
  if (auto r = co_await self->wait_connected(deadline); !r) {
    get_logger("zk")->error("cannot connect to zookeeper {}: {}", self->connect_string, r.error().message());
    co_return fail(r.error());
  }
  co_return result<void>{};
}

asio::awaitable<result<std::pair<std::optional<bytes>, stat>>> session::get(std::string path, watcher w) {
  return detail::async_call<get_value>(
      [self = _impl, path = std::move(path), w = std::move(w)](handler_t<get_value> h) mutable {
        auto* c = new call_ctx<get_value>(std::move(h), self.get());
        auto ec = self->issue([&](zhandle_t* zh) {
          if (w) c->watch = self->add_watch_locked(std::move(w));
          return zoo_awget(zh, path.c_str(), c->watch ? path_watcher : nullptr, c->watch, get_done, c);
        });
        if (ec) {
          c->settle_watch(false);
          c->done.complete(unexpected(ec));
          delete c;
        }
      });
}

asio::awaitable<result<std::optional<stat>>> session::exists(std::string path, watcher w) {
  using R = std::optional<stat>;
  return detail::async_call<R>([self = _impl, path = std::move(path), w = std::move(w)](handler_t<R> h) mutable {
    auto* c = new call_ctx<R>(std::move(h), self.get());
    auto ec = self->issue([&](zhandle_t* zh) {
      if (w) c->watch = self->add_watch_locked(std::move(w));
      return zoo_awexists(zh, path.c_str(), c->watch ? path_watcher : nullptr, c->watch, exists_done, c);
    });
    if (ec) {
      c->settle_watch(false);
      c->done.complete(unexpected(ec));
      delete c;
    }
  });
}

asio::awaitable<result<std::vector<std::string>>> session::children(std::string path, watcher w) {
  using R = std::vector<std::string>;
  return detail::async_call<R>([self = _impl, path = std::move(path), w = std::move(w)](handler_t<R> h) mutable {
    auto* c = new call_ctx<R>(std::move(h), self.get());
    auto ec = self->issue([&](zhandle_t* zh) {
      if (w) c->watch = self->add_watch_locked(std::move(w));
      return zoo_awget_children(zh, path.c_str(), c->watch ? path_watcher : nullptr, c->watch, children_done, c);
    });
    if (ec) {
      c->settle_watch(false);
      c->done.complete(unexpected(ec));
      delete c;
    }
  });
}

asio::awaitable<result<std::string>> session::create(std::string path, std::optional<bytes> data, create_mode m) {
  using R = std::string;
  return detail::async_call<R>(
      [self = _impl, path = std::move(path), data = std::move(data), m](handler_t<R> h) mutable {
        auto* c = new call_ctx<R>(std::move(h), self.get());
        auto ec = self->issue([&](zhandle_t* zh) {
          return zoo_acreate2(zh, path.c_str(), data_ptr(data), data_len(data), &ZOO_OPEN_ACL_UNSAFE,
                              to_zoo_mode(m), create_done, c);
        });
        if (ec) {
          c->done.complete(unexpected(ec));
          delete c;
        }
      });
}

asio::awaitable<result<stat>> session::set(std::string path, bytes data, int32_t version) {
  return detail::async_call<stat>(
      [self = _impl, path = std::move(path), data = std::move(data), version](handler_t<stat> h) mutable {
        auto* c = new call_ctx<stat>(std::move(h), self.get());
        auto ec = self->issue([&](zhandle_t* zh) {
          return zoo_aset(zh, path.c_str(), reinterpret_cast<const char*>(data.data()), static_cast<int>(data.size()),
                          version, set_done, c);
        });
        if (ec) {
          c->done.complete(unexpected(ec));
          delete c;
        }
      });
}

asio::awaitable<result<void>> session::remove(std::string path, int32_t version) {
  return detail::async_call<void>([self = _impl, path = std::move(path), version](handler_t<void> h) mutable {
    auto* c = new call_ctx<void>(std::move(h), self.get());
    auto ec = self->issue([&](zhandle_t* zh) { return zoo_adelete(zh, path.c_str(), version, remove_done, c); });
    if (ec) {
      c->done.complete(unexpected(ec));
      delete c;
    }
  });
}

asio::awaitable<result<void>> session::remove_recursive(std::string path) {
  auto kids = co_await children(path);
  if (!kids) {
    if (kids.error() == zk_errc::no_node) co_return result<void>{};
    co_return unexpected(kids.error());
  }
  for (const auto& k : *kids) {
    // Built outside the co_await expression: GCC 12 mishandles temporaries of a conditional
    // expression inside co_await (double destruction).
    std::string child = path == "/" ? "/" + k : path + "/" + k;
    auto r = co_await remove_recursive(std::move(child));
    if (!r) co_return r;
  }
  if (path == "/") co_return result<void>{};  // the root itself cannot be deleted
  auto r = co_await remove(path);
  if (!r && r.error() != zk_errc::no_node) co_return r;
  co_return result<void>{};
}

asio::awaitable<result<void>> session::create_recursive(std::string path, std::optional<bytes> data, create_mode m) {
  auto r = co_await create(path, data, m);
  if (r) co_return result<void>{};
  if (r.error() != zk_errc::no_node) co_return unexpected(r.error());
  std::string parent = parent_of(path);
  if (!parent.empty()) {
    auto p = co_await create_recursive(parent, std::nullopt, create_mode::persistent);
    if (!p && p.error() != zk_errc::node_exists) co_return p;
  }
  auto again = co_await create(std::move(path), std::move(data), m);
  if (!again) co_return unexpected(again.error());
  co_return result<void>{};
}

asio::awaitable<result<std::vector<op_result>>> session::multi_detailed(std::vector<op> ops) {
  using R = std::vector<op_result>;
  return detail::async_call<R>([self = _impl, ops = std::move(ops)](handler_t<R> h) mutable {
    auto* c = new multi_ctx(std::move(h), self.get());
    if (ops.empty()) {
      c->done.complete(R{});
      delete c;
      return;
    }
    c->ops = std::move(ops);
    const size_t n = c->ops.size();
    c->zops.resize(n);
    c->results.resize(n);
    c->path_bufs.resize(n);
    c->stats.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const op& o = c->ops[i];
      c->results[i] = zoo_op_result_t{result_unset, nullptr, 0, nullptr};
      switch (o.type) {
        case op::kind::create:
          // Room for the chroot-less path plus a 10-digit sequence suffix.
          c->path_bufs[i].assign(o.path.size() + self->chroot.size() + 32, '\0');
          zoo_create_op_init(&c->zops[i], o.path.c_str(), data_ptr(o.data), data_len(o.data), &ZOO_OPEN_ACL_UNSAFE,
                             to_zoo_mode(o.mode), c->path_bufs[i].data(), static_cast<int>(c->path_bufs[i].size()));
          break;
        case op::kind::set:
          zoo_set_op_init(&c->zops[i], o.path.c_str(), data_ptr(o.data), o.data ? static_cast<int>(o.data->size()) : 0,
                          o.version, &c->stats[i]);
          break;
        case op::kind::remove:
          zoo_delete_op_init(&c->zops[i], o.path.c_str(), o.version);
          break;
        case op::kind::check:
          zoo_check_op_init(&c->zops[i], o.path.c_str(), o.version);
          break;
      }
    }
    auto ec = self->issue([&](zhandle_t* zh) {
      return zoo_amulti(zh, static_cast<int>(n), c->zops.data(), c->results.data(), multi_done, c);
    });
    if (ec) {
      c->done.complete(unexpected(ec));
      delete c;
    }
  });
}

asio::awaitable<result<std::vector<op_result>>> session::multi(std::vector<op> ops) {
  auto r = co_await multi_detailed(std::move(ops));
  if (!r) co_return r;
  for (const auto& o : *r) {
    if (o.error && o.error != zk_errc::runtime_inconsistency) co_return unexpected(o.error);
  }
  for (const auto& o : *r) {
    if (o.error) co_return unexpected(o.error);
  }
  co_return r;
}

void session::on_state_change(std::function<void(session_state)> cb) {
  std::lock_guard g(_impl->mu);
  _impl->state_cb = std::move(cb);
}

int64_t session::session_id() const { return _impl->session_id_cached(); }

session_credentials session::credentials() const {
  std::lock_guard g(_impl->mu);
  return _impl->creds;
}

bool session::connected() const { return _impl->is_connected; }

asio::awaitable<void> session::close() {
  auto self = _impl;
  self->close_current(true, false);
  asio::post(self->strand, [self] { self->finish_waiters(zk_errc::closing); });
  co_return;
}

} // namespace gregor::zk
