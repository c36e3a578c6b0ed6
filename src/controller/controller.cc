// The public controller API, the event queue, election and resignation.

#include "gregor/controller/controller.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "controller_impl.h"
#include "gregor/common/logger.h"

namespace gregor::controller {

controller::impl::impl(asio::io_context& io, zk::kafka_zk& zk, controller_options opts)
  : _strand(asio::make_strand(io)),
    _zk(zk),
    _opts(std::move(opts)),
    _channels(_strand, _opts.request_timeout, "controller"),
    _retry_timer(_strand),
    _idle(_strand),
    _rebalance_timer(_strand),
    _log(get_logger("controller")),
    _state_log(get_logger("state.change.logger")) {}

// ---- event queue ----

void controller::impl::enqueue(event e, uint64_t generation) {
  asio::post(_strand, [self = shared_from_this(), e = std::move(e), generation]() mutable {
    if (self->_stopped) return;  // a request event dropped here answers not_controller
    self->_queue.push_back(queued_event{std::move(e), generation});
    if (!self->_draining) {
      self->_draining = true;
      asio::co_spawn(self->_strand, drain(self), asio::detached);
    }
  });
}

asio::awaitable<void> controller::impl::drain(std::shared_ptr<impl> self) {
  while (!self->_queue.empty() && !self->_stopped) {
    queued_event q = std::move(self->_queue.front());
    self->_queue.pop_front();
    if (q.generation != 0 && q.generation != self->_generation) continue;  // armed in another term
    bool failed = false;
    try {
      co_await self->process_event(q.e);
      if (self->active()) {
        self->send_batch();
      } else {
        self->_batch.clear();
      }
    } catch (const controller_moved&) {
      self->_log->info("another broker became controller; resigning");
      self->_batch.clear();
      self->resign_locally();
    } catch (const std::exception& ex) {
      self->_log->error("controller event failed: {}; resigning", ex.what());
      self->_batch.clear();
      failed = true;
    }
    if (failed) co_await self->resign_in_zk();
  }
  self->_draining = false;
  self->_idle.cancel();
}

asio::awaitable<void> controller::impl::process_event(event& e) {
  // Every process() overload returns awaitable<void>; visit picks it and we await it.
  co_await std::visit([this](auto& ev) { return process(ev); }, e);
}

zk::watcher controller::impl::watcher_for(event e) {
  return [w = weak_from_this(), e = std::move(e)](zk::watch_event we) {
    if (we.type == zk::watch_event::session_lost) return;
    if (auto self = w.lock()) self->enqueue(e);
  };
}

zk::watcher controller::impl::term_watcher(event e) {
  return [w = weak_from_this(), e = std::move(e), generation = _generation](zk::watch_event we) {
    if (we.type == zk::watch_event::session_lost) return;
    if (auto self = w.lock()) self->enqueue(e, generation);
  };
}

std::string controller::impl::state_prefix() const {
  return fmt::format("[Controller id={} epoch={}] ", _opts.broker_id, claim_epoch());
}

void controller::impl::fail_on_moved(const std::error_code& e, const std::string& what) {
  if (e == zk::zk_errc::controller_moved) throw controller_moved{};
  _log->warn("{} failed: {}", what, e.message());
}

// ---- election ----

void controller::impl::retry_election_later() {
  _retry_timer.expires_after(std::chrono::seconds(1));
  _retry_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (auto self = w.lock()) self->enqueue(ev_elect{});
  });
}

asio::awaitable<bool> controller::impl::watch_controller() {
  std::string path = zk::paths::controller();
  zk::watcher w;
  if (!_controller_watch_armed) w = watcher_for(ev_controller_changed{});
  auto r = co_await _zk.zk().exists(std::move(path), std::move(w));
  if (!r) {
    _log->warn("cannot watch /controller: {}", r.error().message());
    retry_election_later();
    co_return false;
  }
  _controller_watch_armed = true;
  co_return r->has_value();
}

asio::awaitable<void> controller::impl::process(ev_elect&) {
  bool exists = co_await watch_controller();
  if (_claim || exists) co_return;
  auto r = co_await _zk.try_elect_controller(_opts.broker_id);
  if (!r) {
    _log->warn("controller election failed: {}; retrying", r.error().message());
    retry_election_later();
    co_return;
  }
  if (!*r) co_return;  // someone else won; our watch tells us when that changes
  _claim = **r;
  _epoch = _claim->epoch;
  _active = true;
  ++_generation;
  _log->info("broker {} is the controller (epoch {})", _opts.broker_id, _claim->epoch);
  co_await failover();
}

asio::awaitable<void> controller::impl::process(ev_controller_changed&) {
  _controller_watch_armed = false;  // this was its one firing
  bool exists = co_await watch_controller();
  if (!exists) {
    ev_elect e;
    co_await process(e);
    co_return;
  }
  if (!_claim) co_return;
  auto id = co_await _zk.get_controller_id();
  if (id && (!*id || **id != _opts.broker_id)) {
    _log->info("controller moved to broker {}; resigning", id->value_or(-1));
    resign_locally();
  }
}

asio::awaitable<void> controller::impl::process(ev_resign&) {
  _controller_watch_armed = false;  // the session that held the watch is gone
  resign_locally();
  co_return;
}

void controller::impl::resign_locally() {
  if (_claim) _log->info("broker {} resigns as controller (epoch {})", _opts.broker_id, _claim->epoch);
  _claim.reset();
  _active = false;
  ++_generation;
  _broker_watches.clear();
  _topic_watches.clear();
  _rebalance_timer.cancel();
  _channels.stop_all();
  _batch.clear();
  _ctx.clear();
}

asio::awaitable<void> controller::impl::resign_in_zk() {
  if (_claim) {
    auto claim = *_claim;
    resign_locally();
    (void)co_await _zk.resign_controller(claim);
  }
}

// ---- public API ----

controller::controller(asio::io_context& io, zk::kafka_zk& zk, controller_options options)
  : _impl(std::make_shared<impl>(io, zk, std::move(options))) {}

controller::~controller() = default;

void controller::start() { _impl->enqueue(ev_elect{}); }

void controller::on_session_expired() { _impl->enqueue(ev_resign{}); }

void controller::on_session_reestablished() { _impl->enqueue(ev_elect{}); }

namespace {

asio::awaitable<void> stop_on_strand(std::shared_ptr<controller::impl> self) {
  self->_stopped = true;
  self->_queue.clear();  // request events answer not_controller as they are destroyed
  self->_retry_timer.cancel();
  self->_rebalance_timer.cancel();
  // An event may be suspended half-way (a fail-over waiting on ZooKeeper). Let it finish before
  // resigning: clearing the controller state under it would leave it reading a claim that is gone.
  // ZooKeeper operations end within the session timeout, so this wait is bounded.
  while (self->_draining) {
    self->_idle.expires_at(asio::steady_timer::time_point::max());
    co_await self->_idle.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  // Deliver what the last events decided (e.g. the new leaders after this broker's own controlled
  // shutdown) to the other brokers before resigning drops the channels (this broker no longer
  // reads requests); bounded, as a broker may not answer.
  auto deadline =
      std::chrono::steady_clock::now() + std::min(self->_opts.request_timeout, std::chrono::milliseconds(5000));
  while (self->active() && self->_channels.pending(self->_opts.broker_id) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    self->_idle.expires_after(std::chrono::milliseconds(20));
    co_await self->_idle.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_await self->resign_in_zk();
  self->_channels.stop_all();
}

// Runs on the controller's strand: queues the request event, then waits for its answer.
template <typename Reply, typename Event>
asio::awaitable<Reply> ask(std::shared_ptr<controller::impl> self, Event ev) {
  Reply fallback;
  fallback.error = protocol::error_code::not_controller;
  auto slot = std::make_shared<reply_slot<Reply>>(self->_strand, fallback);
  ev.reply = std::make_shared<reply_promise<Reply>>(slot);
  self->enqueue(std::move(ev));
  co_return co_await slot->wait();
}

} // namespace

asio::awaitable<void> controller::shutdown() {
  auto strand = _impl->_strand;
  auto task = stop_on_strand(_impl);
  co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

bool controller::is_active() const { return _impl->_active.load(); }

int32_t controller::epoch() const { return _impl->_epoch.load(); }

asio::awaitable<controlled_shutdown_reply> controller::controlled_shutdown(int32_t broker_id, int64_t broker_epoch) {
  ev_controlled_shutdown ev;
  ev.broker = broker_id;
  ev.broker_epoch = broker_epoch;
  auto strand = _impl->_strand;
  auto task = ask<controlled_shutdown_reply>(_impl, std::move(ev));
  co_return co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

asio::awaitable<elect_leaders_reply> controller::elect_leaders(election_type type,
                                                               std::optional<std::vector<topic_partition>> partitions) {
  ev_elect_leaders ev;
  ev.type = type;
  ev.partitions = std::move(partitions);
  auto strand = _impl->_strand;
  auto task = ask<elect_leaders_reply>(_impl, std::move(ev));
  co_return co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

asio::awaitable<alter_reassignments_reply> controller::alter_partition_reassignments(
    std::map<topic_partition, std::optional<std::vector<int32_t>>> targets) {
  ev_alter_reassignments ev;
  ev.targets = std::move(targets);
  auto strand = _impl->_strand;
  auto task = ask<alter_reassignments_reply>(_impl, std::move(ev));
  co_return co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

asio::awaitable<list_reassignments_reply> controller::list_partition_reassignments(
    std::optional<std::vector<topic_partition>> partitions) {
  ev_list_reassignments ev;
  ev.partitions = std::move(partitions);
  auto strand = _impl->_strand;
  auto task = ask<list_reassignments_reply>(_impl, std::move(ev));
  co_return co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

} // namespace gregor::controller
