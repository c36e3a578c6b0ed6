// Topics appearing or disappearing under /brokers/topics (Kafka's processTopicChange) and
// partitions added to an existing topic by rewriting /brokers/topics/<t> (processPartitionModifications,
// what `kafka-topics --alter --partitions` and CreatePartitions do).

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "gregor/common/bytes.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

asio::awaitable<bool> controller::impl::load_topic(const std::string& topic) {
  zk::watcher w;
  if (_topic_watches.count(topic) == 0) w = term_watcher(ev_partition_modification{topic});
  std::string path = zk::paths::topic(topic);
  auto got = co_await _zk.zk().get(std::move(path), std::move(w));
  if (!got) {
    if (got.error() != zk::zk_errc::no_node) _log->warn("cannot read topic {}: {}", topic, got.error().message());
    co_return false;
  }
  _topic_watches.insert(topic);
  auto text = got->first ? as_string_view(bytes_view(*got->first)) : std::string_view{};
  auto assignment = zk::decode_topic_assignment(text);
  if (!assignment) {
    _log->error("topic {} has an unreadable assignment znode; ignored", topic);
    co_return false;
  }
  int32_t version = got->second.version;
  if (!assignment->topic_id) {
    // Tools create topics without an id; the controller gives each one (Kafka 2.8+).
    assignment->topic_id = uuid::random();
    auto claim = _claim;
    auto written = co_await _zk.set_topic_assignment(topic, *assignment, claim, version);
    if (!written) {
      fail_on_moved(written.error(), "assigning a topic id to " + topic);
    } else {
      version = *written;
      _log->info("{}assigned topic id {} to {}", state_prefix(), assignment->topic_id->to_base64url(), topic);
    }
  }
  _ctx.topics[topic] = topic_record{*assignment, version};
  for (const auto& [p, replicas] : assignment->partitions) {
    auto st = co_await _zk.get_partition_state(topic, p);
    if (st && *st) _ctx.leadership[{topic, p}] = partition_record{(*st)->value, (*st)->zk_version};
  }
  co_return true;
}

asio::awaitable<void> controller::impl::process(ev_topic_change&) {
  if (!active()) co_return;
  auto names = co_await watch_topics();
  if (!names) co_return;
  std::set<std::string> current(names->begin(), names->end());
  std::vector<std::string> gone;
  for (const auto& [name, t] : _ctx.topics) {
    if (current.count(name) == 0) gone.push_back(name);
  }
  for (const auto& name : gone) {
    _log->info("{}topic {} disappeared from ZooKeeper", state_prefix(), name);
    _ctx.remove_topic(name);
  }
  std::vector<topic_partition> created;
  std::vector<std::string> new_topics;
  for (const auto& name : current) {
    if (_ctx.topics.count(name) > 0) continue;
    if (!co_await load_topic(name)) continue;
    new_topics.push_back(name);
    auto more = _ctx.partitions_of(name);
    created.insert(created.end(), more.begin(), more.end());
  }
  if (!new_topics.empty()) _log->info("{}new topics: [{}]", state_prefix(), fmt::join(new_topics, ","));
  if (!created.empty()) co_await on_new_partitions(created);
}

// Kafka's onNewPartitionCreation: New -> Online for the partitions (state znode created, leader =
// first live replica, LeaderAndIsr with isNew to the live replicas), New -> Online for their replicas.
asio::awaitable<void> controller::impl::on_new_partitions(const std::vector<topic_partition>& tps) {
  _log->info("{}new partition creation callback for {} partition(s)", state_prefix(), tps.size());
  auto replicas = _ctx.replicas_of_partitions(tps);
  co_await handle_partition_changes(tps, partition_state_kind::new_partition);
  co_await handle_replica_changes(replicas, replica_state_kind::new_replica);
  co_await handle_partition_changes(tps, partition_state_kind::online, election_strategy::offline);
  co_await handle_replica_changes(replicas, replica_state_kind::online);
}

asio::awaitable<void> controller::impl::process(ev_partition_modification& ev) {
  _topic_watches.erase(ev.topic);  // this was its one firing
  if (!active() || _ctx.topics.count(ev.topic) == 0) co_return;
  zk::watcher w = term_watcher(ev_partition_modification{ev.topic});
  std::string path = zk::paths::topic(ev.topic);
  auto got = co_await _zk.zk().get(std::move(path), std::move(w));
  if (!got) co_return;  // deleted: the topic change event drops it
  _topic_watches.insert(ev.topic);
  auto text = got->first ? as_string_view(bytes_view(*got->first)) : std::string_view{};
  auto assignment = zk::decode_topic_assignment(text);
  if (!assignment) {
    _log->error("topic {} has an unreadable assignment znode; ignored", ev.topic);
    co_return;
  }
  auto& rec = _ctx.topics[ev.topic];
  std::vector<topic_partition> added;
  for (const auto& [p, replicas] : assignment->partitions) {
    if (rec.assignment.partitions.count(p) == 0) added.push_back({ev.topic, p});
  }
  rec.zk_version = got->second.version;
  bool restore = !assignment->topic_id && rec.assignment.topic_id;
  if (_ctx.queued_for_deletion(ev.topic)) {
    if (added.empty()) co_return;
    _log->info("{}skipping adding partitions to {}: the topic is being deleted", state_prefix(), ev.topic);
    added.clear();
    restore = true;
  }
  for (const auto& tp : added) {
    rec.assignment.partitions[tp.partition] = assignment->partitions[tp.partition];
  }
  if (restore) {
    // Rewrite what the controller knows: the topic id a tool dropped, or the assignment of a
    // topic being deleted.
    co_await write_topic_assignment(ev.topic);
  }
  if (added.empty()) co_return;
  _log->info("{}topic {} gained {} partition(s)", state_prefix(), ev.topic, added.size());
  co_await on_new_partitions(added);
}

} // namespace gregor::controller
