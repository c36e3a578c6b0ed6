// The active controller's ZooKeeper watches. Each is one-shot: the event it queues re-arms it by
// reading the znode again, so a term keeps exactly one watch per znode (term_watcher drops
// firings from earlier terms).

#include "controller_impl.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

// Arguments are named locals, never temporaries inside the co_await (GCC 12 destroys such
// temporaries twice).
asio::awaitable<result<std::vector<std::string>>> controller::impl::watch_children(std::string path, event e) {
  auto w = term_watcher(std::move(e));
  co_return co_await _zk.zk().children(std::move(path), std::move(w));
}

asio::awaitable<result<std::vector<std::string>>> controller::impl::watch_broker_ids() {
  event e = ev_broker_change{};
  std::string path = zk::paths::brokers_ids();
  co_return co_await watch_children(std::move(path), std::move(e));
}

asio::awaitable<result<std::vector<std::string>>> controller::impl::watch_topics() {
  event e = ev_topic_change{};
  std::string path = zk::paths::brokers_topics();
  co_return co_await watch_children(std::move(path), std::move(e));
}

asio::awaitable<result<std::vector<std::string>>> controller::impl::watch_deletions() {
  event e = ev_topic_deletion{};
  std::string path = zk::paths::admin_delete_topics();
  co_return co_await watch_children(std::move(path), std::move(e));
}

asio::awaitable<result<std::vector<std::string>>> controller::impl::watch_isr_changes() {
  auto w = term_watcher(ev_isr_change_notification{});
  co_return co_await _zk.list_isr_change_notifications(std::move(w));
}

asio::awaitable<bool> controller::impl::watch_exists(std::string path, event e) {
  auto w = term_watcher(std::move(e));
  std::string name = path;
  auto r = co_await _zk.zk().exists(std::move(path), std::move(w));
  if (!r) {
    _log->warn("cannot watch {}: {}", name, r.error().message());
    co_return false;
  }
  co_return r->has_value();
}

} // namespace gregor::controller
