#include "gregor/controller/controller.h"

#include <atomic>
#include <deque>
#include <set>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "channel_manager.h"
#include "controller_context.h"
#include "election.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/error_code.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/stop_replica.h"
#include "gregor/protocol/reader.h"
#include "gregor/zk/kafka_zk.h"
#include "requests.h"

namespace gregor::controller {

namespace asio = boost::asio;

namespace {

struct ev_elect {};
struct ev_controller_changed {};
struct ev_broker_change {};
struct ev_topic_change {};
struct ev_topic_deletion {};
struct ev_partition_modification {
  std::string topic;
};
struct ev_replica_deleted {
  std::string topic;
  int32_t broker;
  bool ok;
};
struct ev_resign {};

using event = std::variant<ev_elect, ev_controller_changed, ev_broker_change, ev_topic_change, ev_topic_deletion,
                           ev_partition_modification, ev_replica_deleted, ev_resign>;

// Thrown inside event processing when a fenced write shows that another controller took over;
// caught by the event loop, which resigns. (Control flow only within this file.)
struct controller_moved {};

struct deletion_state {
  std::set<int32_t> pending;  // brokers that have not confirmed StopReplica(delete)
  std::set<int32_t> sent;     // brokers a StopReplica(delete) is outstanding to
};

} // namespace

struct controller::impl : std::enable_shared_from_this<impl> {
  using strand = asio::strand<asio::io_context::executor_type>;

  impl(asio::io_context& io, zk::kafka_zk& zk, controller_options opts)
    : _strand(asio::make_strand(io)),
      _zk(zk),
      _opts(std::move(opts)),
      _channels(_strand, _opts.request_timeout),
      _retry_timer(_strand),
      _idle(_strand),
      _log(get_logger("controller")) {}

  strand _strand;
  zk::kafka_zk& _zk;
  controller_options _opts;
  channel_manager _channels;
  asio::steady_timer _retry_timer;
  asio::steady_timer _idle;  // cancelled whenever the event loop goes idle (shutdown waits on it)
  std::shared_ptr<spdlog::logger> _log;

  controller_context _ctx;
  std::map<std::string, deletion_state> _deletions;
  std::optional<zk::controller_claim> _claim;
  std::atomic<bool> _active{false};
  std::atomic<int32_t> _epoch{0};
  std::deque<event> _queue;
  bool _draining = false;
  bool _stopped = false;
  int32_t _correlation = 0;

  // ---- event queue ----

  void enqueue(event e) {
    asio::post(_strand, [self = shared_from_this(), e = std::move(e)]() mutable {
      if (self->_stopped) return;
      self->_queue.push_back(std::move(e));
      if (!self->_draining) {
        self->_draining = true;
        asio::co_spawn(self->_strand, drain(self), asio::detached);
      }
    });
  }

  static asio::awaitable<void> drain(std::shared_ptr<impl> self) {
    while (!self->_queue.empty() && !self->_stopped) {
      event e = std::move(self->_queue.front());
      self->_queue.pop_front();
      bool failed = false;
      try {
        co_await std::visit([&](auto& ev) { return self->process(ev); }, e);
      } catch (const controller_moved&) {
        self->_log->info("another broker became controller; resigning");
        self->resign_locally();
      } catch (const std::exception& ex) {
        self->_log->error("controller event failed: {}; resigning", ex.what());
        failed = true;
      }
      if (failed) co_await self->resign_in_zk();
    }
    self->_draining = false;
    self->_idle.cancel();
  }

  zk::watcher watcher_for(event e) {
    return [w = weak_from_this(), e](zk::watch_event we) {
      if (we.type == zk::watch_event::session_lost) return;
      if (auto self = w.lock()) self->enqueue(e);
    };
  }

  // Reads children and re-arms a child watch that queues `e`. (Arguments are named locals, never
  // temporaries inside the co_await: GCC 12 destroys such temporaries twice.)
  asio::awaitable<result<std::vector<std::string>>> watch_children(std::string path, event e) {
    auto w = watcher_for(std::move(e));
    co_return co_await _zk.zk().children(std::move(path), std::move(w));
  }
  asio::awaitable<result<std::vector<std::string>>> watch_brokers() {
    event e = ev_broker_change{};
    std::string path = zk::paths::brokers_ids();
    co_return co_await watch_children(std::move(path), std::move(e));
  }
  asio::awaitable<result<std::vector<std::string>>> watch_topics() {
    event e = ev_topic_change{};
    std::string path = zk::paths::brokers_topics();
    co_return co_await watch_children(std::move(path), std::move(e));
  }
  asio::awaitable<result<std::vector<std::string>>> watch_deletions() {
    event e = ev_topic_deletion{};
    std::string path = zk::paths::admin_delete_topics();
    co_return co_await watch_children(std::move(path), std::move(e));
  }

  asio::awaitable<result<std::pair<std::optional<bytes>, zk::stat>>> watch_topic(std::string topic) {
    event e = ev_partition_modification{topic};
    auto w = watcher_for(std::move(e));
    auto path = zk::paths::topic(topic);
    co_return co_await _zk.zk().get(std::move(path), std::move(w));
  }

  void retry_election_later() {
    _retry_timer.expires_after(std::chrono::seconds(1));
    _retry_timer.async_wait([w = weak_from_this()](boost::system::error_code ec) {
      if (ec) return;
      if (auto self = w.lock()) self->enqueue(ev_elect{});
    });
  }

  // ---- election ----

  asio::awaitable<bool> watch_controller() {
    auto w = watcher_for(ev_controller_changed{});
    auto path = zk::paths::controller();
    auto r = co_await _zk.zk().exists(path, std::move(w));
    if (!r) {
      _log->warn("cannot watch /controller: {}", r.error().message());
      retry_election_later();
      co_return false;
    }
    co_return r->has_value();
  }

  asio::awaitable<void> process(ev_elect&) {
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
    _log->info("broker {} is the controller (epoch {})", _opts.broker_id, _claim->epoch);
    co_await failover();
  }

  asio::awaitable<void> process(ev_controller_changed&) {
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

  asio::awaitable<void> process(ev_resign&) {
    resign_locally();
    co_return;
  }

  void resign_locally() {
    if (_claim) _log->info("broker {} resigns as controller (epoch {})", _opts.broker_id, _claim->epoch);
    _claim.reset();
    _active = false;
    _channels.stop_all();
    _ctx.clear();
    _deletions.clear();
  }

  asio::awaitable<void> resign_in_zk() {
    if (_claim) {
      auto claim = *_claim;
      resign_locally();
      (void)co_await _zk.resign_controller(claim);
    }
  }

  // ---- failover: read everything, bring partitions online, tell every broker ----

  asio::awaitable<void> failover() {
    auto brokers = co_await watch_brokers();
    auto topics = co_await watch_topics();
    auto marked = co_await watch_deletions();
    if (!brokers || !topics || !marked) throw std::runtime_error("cannot read the cluster state from ZooKeeper");

    for (const auto& name : *brokers) {
      int32_t id = std::stoi(name);
      co_await add_live_broker(id);
    }
    std::vector<topic_partition> all;
    for (const auto& t : *topics) {
      co_await load_topic(t);
      for (const auto& [p, replicas] : _ctx.topics[t].assignment.partitions) all.push_back({t, p});
    }
    auto changed = co_await bring_online(all);
    (void)changed;
    // Every broker learns every partition's state after a failover.
    send_leader_and_isr(all_updates(), {});
    send_update_metadata_to_all();
    ev_topic_deletion del;
    co_await process(del);
  }

  asio::awaitable<void> add_live_broker(int32_t id) {
    auto b = co_await _zk.get_broker(id);
    if (!b || !*b) {
      _log->warn("cannot read the registration of broker {}", id);
      co_return;
    }
    _ctx.live_brokers[id] = **b;
    for (const auto& e : (*b)->registration.endpoints) {
      if (e.listener_name == _opts.inter_broker_listener) {
        _channels.add_broker(id, e.host, static_cast<uint16_t>(e.port));
      }
    }
    if (!_channels.has_broker(id)) {
      _log->error("broker {} has no {} endpoint; the controller cannot reach it", id, _opts.inter_broker_listener);
    }
  }

  asio::awaitable<void> load_topic(const std::string& topic) {
    auto got = co_await watch_topic(topic);
    if (!got) {
      _log->warn("cannot read topic {}: {}", topic, got.error().message());
      co_return;
    }
    auto text = got->first ? as_string_view(*got->first) : std::string_view{};
    auto assignment = zk::decode_topic_assignment(text);
    if (!assignment) {
      _log->error("topic {} has an unreadable assignment znode; ignored", topic);
      co_return;
    }
    int32_t version = got->second.version;
    if (!assignment->topic_id) {
      // Tools create topics without an id; the controller gives each one (Kafka 2.8+).
      assignment->topic_id = uuid::random();
      auto written = co_await _zk.set_topic_assignment(topic, *assignment, _claim, version);
      if (!written) fail_on_moved(written.error(), "assigning a topic id to " + topic);
      if (written) version = *written;
    }
    _ctx.topics[topic] = topic_record{*assignment, version};
    for (const auto& [p, replicas] : assignment->partitions) {
      auto st = co_await _zk.get_partition_state(topic, p);
      if (st && *st) _ctx.partitions[{topic, p}] = partition_record{(*st)->value, (*st)->zk_version};
    }
  }

  void fail_on_moved(const std::error_code& e, const std::string& what) {
    if (e == zk::zk_errc::controller_moved) throw controller_moved{};
    _log->warn("{} failed: {}", what, e.message());
  }

  std::set<int32_t> live_ids() const {
    std::set<int32_t> ids;
    for (const auto& [id, b] : _ctx.live_brokers) ids.insert(id);
    return ids;
  }

  // New partitions get their first state; partitions without a live leader get an election.
  // Returns the partitions whose state changed.
  asio::awaitable<std::vector<topic_partition>> bring_online(const std::vector<topic_partition>& tps) {
    std::vector<topic_partition> changed;
    auto live = live_ids();
    for (const auto& tp : tps) {
      if (_deletions.count(tp.topic) > 0) continue;
      const auto* replicas = _ctx.replicas_of(tp);
      if (replicas == nullptr) continue;
      auto rec = _ctx.partitions.find(tp);
      if (rec == _ctx.partitions.end()) {
        auto s = initial_state(*replicas, live, _claim->epoch);
        if (!s) {
          _log->warn("partition {} has no live replica; it stays offline", tp.to_string());
          continue;
        }
        auto v = co_await _zk.create_partition_state(*_claim, tp.topic, tp.partition, *s);
        if (!v) {
          fail_on_moved(v.error(), "creating the state of " + tp.to_string());
          auto existing = co_await _zk.get_partition_state(tp.topic, tp.partition);
          if (existing && *existing) _ctx.partitions[tp] = {(*existing)->value, (*existing)->zk_version};
          continue;
        }
        _ctx.partitions[tp] = {*s, *v};
        changed.push_back(tp);
        continue;
      }
      if (rec->second.state.leader >= 0 && live.count(rec->second.state.leader) > 0) continue;
      auto s = elect_offline(*replicas, rec->second.state, live, _opts.unclean_leader_election, _claim->epoch);
      if (!s) continue;
      if (co_await write_state(tp, *s)) changed.push_back(tp);
    }
    co_return changed;
  }

  // CAS-writes a partition state; on a version conflict re-reads once and gives up (the next
  // event re-evaluates it).
  asio::awaitable<bool> write_state(const topic_partition& tp, const zk::partition_state& s) {
    auto& rec = _ctx.partitions[tp];
    auto v = co_await _zk.update_partition_state(*_claim, tp.topic, tp.partition, s, rec.zk_version);
    if (!v) {
      fail_on_moved(v.error(), "updating the state of " + tp.to_string());
      auto existing = co_await _zk.get_partition_state(tp.topic, tp.partition);
      if (existing && *existing) rec = {(*existing)->value, (*existing)->zk_version};
      co_return false;
    }
    rec = {s, *v};
    _log->info("partition {}: leader {} epoch {} isr [{}]", tp.to_string(), s.leader, s.leader_epoch,
               fmt::join(s.isr, ","));
    co_return true;
  }

  // ---- requests to brokers ----

  partition_update update_for(const topic_partition& tp) const {
    partition_update u;
    u.tp = tp;
    const auto& topic = _ctx.topics.at(tp.topic);
    u.topic_id = topic.assignment.topic_id.value_or(uuid{});
    u.replicas = topic.assignment.partitions.at(tp.partition);
    auto rec = _ctx.partitions.find(tp);
    if (rec != _ctx.partitions.end()) {
      u.state = rec->second.state;
      u.zk_version = rec->second.zk_version;
    } else {
      u.state.leader = -1;
    }
    if (_deletions.count(tp.topic) > 0) u.state.leader = -2;
    for (int32_t r : u.replicas) {
      if (!_ctx.is_live(r)) u.offline_replicas.push_back(r);
    }
    return u;
  }

  std::vector<partition_update> all_updates() const {
    std::vector<partition_update> out;
    for (const auto& [name, topic] : _ctx.topics) {
      for (const auto& [p, replicas] : topic.assignment.partitions) {
        topic_partition tp{name, p};
        if (_ctx.partitions.count(tp) == 0 && _deletions.count(name) == 0) continue;
        out.push_back(update_for(tp));
      }
    }
    return out;
  }

  request_envelope envelope_for(int32_t broker) {
    request_envelope env;
    env.controller_id = _opts.broker_id;
    env.claim = *_claim;
    auto b = _ctx.live_brokers.find(broker);
    env.broker_epoch = b == _ctx.live_brokers.end() ? -1 : b->second.broker_epoch;
    env.correlation_id = ++_correlation;
    return env;
  }

  // Sends LeaderAndIsr for `updates` to their live replicas (only to `only` if non-empty).
  void send_leader_and_isr(const std::vector<partition_update>& updates, const std::set<int32_t>& only) {
    std::map<int32_t, std::vector<partition_update>> per_broker;
    for (const auto& u : updates) {
      if (u.state.leader == -2) continue;
      for (int32_t r : u.replicas) {
        if (_ctx.is_live(r) && (only.empty() || only.count(r) > 0)) per_broker[r].push_back(u);
      }
    }
    for (auto& [broker, list] : per_broker) {
      outbound_request req;
      req.api_key = 4;
      req.api_version = leader_and_isr_version;
      req.frame = build_leader_and_isr(envelope_for(broker), list, _ctx.live_brokers, _opts.inter_broker_listener);
      _channels.send(broker, std::move(req));
    }
  }

  void send_update_metadata_to_all() {
    auto updates = all_updates();
    for (const auto& [broker, b] : _ctx.live_brokers) {
      outbound_request req;
      req.api_key = 6;
      req.api_version = update_metadata_version;
      req.frame = build_update_metadata(envelope_for(broker), updates, _ctx.live_brokers);
      _channels.send(broker, std::move(req));
    }
  }

  // ---- brokers joining and leaving ----

  asio::awaitable<void> process(ev_broker_change&) {
    if (!_claim) co_return;
    auto ids = co_await watch_brokers();
    if (!ids) co_return;
    std::set<int32_t> current;
    for (const auto& s : *ids) current.insert(std::stoi(s));
    std::set<int32_t> added, dead;
    for (int32_t id : current) {
      if (!_ctx.is_live(id)) {
        added.insert(id);
      } else {
        // Same id, new registration (czxid): the broker bounced; treat it as dead, then new.
        auto b = co_await _zk.get_broker(id);
        if (b && *b && (*b)->broker_epoch != _ctx.live_brokers[id].broker_epoch) {
          dead.insert(id);
          added.insert(id);
        }
      }
    }
    for (const auto& [id, b] : _ctx.live_brokers) {
      if (current.count(id) == 0) dead.insert(id);
    }
    if (added.empty() && dead.empty()) co_return;
    _log->info("broker change: new {} dead {}", fmt::join(added, ","), fmt::join(dead, ","));

    for (int32_t id : dead) {
      _ctx.live_brokers.erase(id);
      _channels.remove_broker(id);
      for (auto& [topic, d] : _deletions) d.sent.erase(id);
    }
    for (int32_t id : added) co_await add_live_broker(id);

    std::vector<topic_partition> changed;
    auto live = live_ids();
    if (!dead.empty()) {
      for (auto& [tp, rec] : _ctx.partitions) {
        if (_deletions.count(tp.topic) > 0) continue;
        const auto* replicas = _ctx.replicas_of(tp);
        if (replicas == nullptr) continue;
        std::optional<zk::partition_state> next;
        if (dead.count(rec.state.leader) > 0 || rec.state.leader < 0) {
          next = elect_offline(*replicas, rec.state, live, _opts.unclean_leader_election, _claim->epoch);
        } else {
          zk::partition_state s = rec.state;
          bool any = false;
          for (int32_t d : dead) {
            if (auto r = remove_from_isr(s, d, _claim->epoch)) {
              s = *r;
              s.leader_epoch = rec.state.leader_epoch + 1;
              any = true;
            }
          }
          if (any) next = s;
        }
        if (next && co_await write_state(tp, *next)) changed.push_back(tp);
      }
    }
    if (!added.empty()) {
      // Offline partitions may have a leader again, and new partitions may now be creatable.
      std::vector<topic_partition> all;
      for (const auto& [name, topic] : _ctx.topics) {
        for (const auto& [p, r] : topic.assignment.partitions) all.push_back({name, p});
      }
      auto more = co_await bring_online(all);
      changed.insert(changed.end(), more.begin(), more.end());
      // New brokers learn every partition they host.
      send_leader_and_isr(all_updates(), added);
    }
    std::vector<partition_update> updates;
    for (const auto& tp : changed) updates.push_back(update_for(tp));
    send_leader_and_isr(updates, {});
    send_update_metadata_to_all();
    resume_deletions();
  }

  // ---- topics created, changed, deleted ----

  asio::awaitable<void> process(ev_topic_change&) {
    if (!_claim) co_return;
    auto names = co_await watch_topics();
    if (!names) co_return;
    std::set<std::string> current(names->begin(), names->end());
    std::vector<std::string> gone;
    for (const auto& [name, t] : _ctx.topics) {
      if (current.count(name) == 0) gone.push_back(name);
    }
    for (const auto& name : gone) forget_topic(name);
    std::vector<topic_partition> created;
    for (const auto& name : current) {
      if (_ctx.topics.count(name) > 0) continue;
      co_await load_topic(name);
      auto it = _ctx.topics.find(name);
      if (it == _ctx.topics.end()) continue;
      for (const auto& [p, r] : it->second.assignment.partitions) created.push_back({name, p});
    }
    if (created.empty() && gone.empty()) co_return;
    co_await announce_new_partitions(created);
  }

  asio::awaitable<void> announce_new_partitions(const std::vector<topic_partition>& tps) {
    auto changed = co_await bring_online(tps);
    std::vector<partition_update> updates;
    for (const auto& tp : changed) {
      auto u = update_for(tp);
      u.is_new = true;
      updates.push_back(std::move(u));
    }
    send_leader_and_isr(updates, {});
    send_update_metadata_to_all();
  }

  asio::awaitable<void> process(ev_partition_modification& ev) {
    if (!_claim || _ctx.topics.count(ev.topic) == 0) co_return;
    auto got = co_await watch_topic(ev.topic);
    if (!got) co_return;
    auto assignment = zk::decode_topic_assignment(got->first ? as_string_view(*got->first) : std::string_view{});
    if (!assignment) co_return;
    auto& rec = _ctx.topics[ev.topic];
    std::vector<topic_partition> added;
    for (const auto& [p, replicas] : assignment->partitions) {
      if (rec.assignment.partitions.count(p) == 0) added.push_back({ev.topic, p});
    }
    if (!assignment->topic_id) assignment->topic_id = rec.assignment.topic_id;
    rec.assignment.partitions = assignment->partitions;
    rec.zk_version = got->second.version;
    if (added.empty()) co_return;
    _log->info("topic {} gained {} partition(s)", ev.topic, added.size());
    co_await announce_new_partitions(added);
  }

  void forget_topic(const std::string& name) {
    _ctx.topics.erase(name);
    for (auto it = _ctx.partitions.begin(); it != _ctx.partitions.end();) {
      it = it->first.topic == name ? _ctx.partitions.erase(it) : std::next(it);
    }
    _deletions.erase(name);
  }

  asio::awaitable<void> process(ev_topic_deletion&) {
    if (!_claim) co_return;
    auto marked = co_await watch_deletions();
    if (!marked) co_return;
    for (const auto& name : *marked) {
      if (!_opts.delete_topic_enable || _ctx.topics.count(name) == 0) {
        if (!_opts.delete_topic_enable) {
          _log->info("delete.topic.enable is false; ignoring the deletion of {}", name);
        }
        (void)co_await _zk.zk().remove(zk::paths::delete_topic(name));
        continue;
      }
      if (_deletions.count(name) > 0) continue;
      auto& d = _deletions[name];
      for (const auto& [p, replicas] : _ctx.topics[name].assignment.partitions) {
        d.pending.insert(replicas.begin(), replicas.end());
      }
      _log->info("deleting topic {} (replicas on brokers {})", name, fmt::join(d.pending, ","));
    }
    send_update_metadata_to_all();  // partitions of topics being deleted go out with leader -2
    resume_deletions();
    co_await finish_deletions();
  }

  void resume_deletions() {
    for (auto& [topic, d] : _deletions) {
      for (int32_t broker : d.pending) {
        if (!_ctx.is_live(broker) || d.sent.count(broker) > 0) continue;
        std::vector<stop_replica_entry> entries;
        for (const auto& [p, replicas] : _ctx.topics[topic].assignment.partitions) {
          if (std::find(replicas.begin(), replicas.end(), broker) != replicas.end()) {
            entries.push_back({{topic, p}, -2, true});
          }
        }
        d.sent.insert(broker);
        outbound_request req;
        req.api_key = 5;
        req.api_version = stop_replica_version;
        req.frame = build_stop_replica(envelope_for(broker), entries);
        req.on_response = [w = weak_from_this(), topic, broker](result<shared_bytes> r) {
          auto self = w.lock();
          if (!self) return;
          self->enqueue(ev_replica_deleted{topic, broker, r && stop_replica_succeeded(*r)});
        };
        _channels.send(broker, std::move(req));
      }
    }
  }

  static bool stop_replica_succeeded(const shared_bytes& frame) {
    protocol::reader r(frame);
    int32_t correlation = 0;
    if (!protocol::decode_response_header(r, 5, stop_replica_version, correlation)) return false;
    protocol::stop_replica_response resp;
    if (!resp.decode(r, stop_replica_version)) return false;
    if (resp.error_code != 0) return false;
    for (const auto& pe : resp.partition_errors) {
      if (pe.error_code != 0) return false;
    }
    return true;
  }

  asio::awaitable<void> process(ev_replica_deleted& ev) {
    if (!_claim) co_return;
    auto it = _deletions.find(ev.topic);
    if (it == _deletions.end()) co_return;
    if (!ev.ok) {
      _log->warn("broker {} failed to delete its replicas of {}; retrying", ev.broker, ev.topic);
      it->second.sent.erase(ev.broker);
      resume_deletions();
      co_return;
    }
    it->second.pending.erase(ev.broker);
    it->second.sent.erase(ev.broker);
    co_await finish_deletions();
  }

  asio::awaitable<void> finish_deletions() {
    std::vector<std::string> done;
    for (const auto& [topic, d] : _deletions) {
      if (d.pending.empty()) done.push_back(topic);
    }
    for (const auto& topic : done) {
      auto r = co_await _zk.delete_topic_znodes(*_claim, topic);
      if (!r) {
        fail_on_moved(r.error(), "deleting the znodes of " + topic);
        continue;
      }
      _log->info("topic {} deleted", topic);
      forget_topic(topic);
    }
    if (!done.empty()) send_update_metadata_to_all();
  }
};

controller::controller(asio::io_context& io, zk::kafka_zk& zk, controller_options options)
  : _impl(std::make_shared<impl>(io, zk, std::move(options))) {}

controller::~controller() = default;

void controller::start() { _impl->enqueue(ev_elect{}); }

void controller::on_session_expired() { _impl->enqueue(ev_resign{}); }

void controller::on_session_reestablished() { _impl->enqueue(ev_elect{}); }

namespace {
asio::awaitable<void> stop_on_strand(std::shared_ptr<controller::impl> self) {
  self->_stopped = true;
  self->_queue.clear();
  self->_retry_timer.cancel();
  // An event may be suspended half-way (a fail-over waiting on ZooKeeper). Let it finish before
  // resigning: clearing the controller state under it would leave it reading a claim that is gone.
  // ZooKeeper operations end within the session timeout, so this wait is bounded.
  while (self->_draining) {
    self->_idle.expires_at(asio::steady_timer::time_point::max());
    co_await self->_idle.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_await self->resign_in_zk();
  self->_channels.stop_all();
}
} // namespace

asio::awaitable<void> controller::shutdown() {
  auto strand = _impl->_strand;
  auto task = stop_on_strand(_impl);
  co_await asio::co_spawn(strand, std::move(task), asio::use_awaitable);
}

bool controller::is_active() const { return _impl->_active.load(); }

int32_t controller::epoch() const { return _impl->_epoch.load(); }

} // namespace gregor::controller
