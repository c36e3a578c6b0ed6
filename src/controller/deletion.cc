// Topic deletion (Kafka's TopicDeletionManager).
//
// A topic marked in /admin/delete_topics is queued. Deletion of a queued topic proceeds when it is
// eligible: no replica on a dead broker and no partition being reassigned (either pauses it until
// that clears). Then, once per topic: partitions Offline -> NonExistent, UpdateMetadata to every
// broker with leader -2; every live replica Offline (StopReplica delete=false) -> DeletionStarted
// (StopReplica delete=true). Each broker's answer moves its replicas to DeletionSuccessful or, on
// error, DeletionIneligible (retried by the next resume). When all replicas succeeded: replicas
// NonExistent, the topic's znodes and marker are removed and the topic is forgotten.

#include <fmt/ranges.h>

#include "controller_impl.h"
#include "gregor/zk/znodes.h"

namespace gregor::controller {

asio::awaitable<void> controller::impl::init_deletions(const std::vector<std::string>& marked) {
  std::set<std::string> queued(marked.begin(), marked.end());
  if (!_opts.delete_topic_enable) {
    if (!queued.empty()) {
      _log->info("{}removing deletion markers of [{}]: delete.topic.enable is false", state_prefix(),
                 fmt::join(queued, ","));
      co_await remove_deletion_markers(queued);
    }
    co_return;
  }
  for (const auto& topic : queued) {
    if (_ctx.topics.count(topic) == 0) continue;
    _ctx.topics_to_delete.insert(topic);
    bool offline_replica = false;
    for (const auto& r : _ctx.replicas_of_topic(topic)) offline_replica = offline_replica || !_ctx.is_live(r.broker);
    bool reassigning = false;
    for (const auto& tp : _ctx.reassigning) reassigning = reassigning || tp.topic == topic;
    if (offline_replica || reassigning) _ctx.deletion_ineligible.insert(topic);
  }
  co_return;
}

asio::awaitable<void> controller::impl::process(ev_topic_deletion&) {
  if (!active()) co_return;
  auto marked = co_await watch_deletions();
  if (!marked) co_return;
  std::set<std::string> queued, unknown;
  for (const auto& t : *marked) (_ctx.topics.count(t) > 0 ? queued : unknown).insert(t);
  if (!unknown.empty()) {
    _log->warn("{}ignoring deletion of unknown topics [{}]", state_prefix(), fmt::join(unknown, ","));
    co_await remove_deletion_markers(unknown);
  }
  if (queued.empty()) co_return;
  if (!_opts.delete_topic_enable) {
    _log->info("{}removing deletion markers of [{}]: delete.topic.enable is false", state_prefix(),
               fmt::join(queued, ","));
    co_await remove_deletion_markers(queued);
    co_return;
  }
  std::set<std::string> fresh;
  for (const auto& t : queued) {
    if (!_ctx.queued_for_deletion(t)) fresh.insert(t);
  }
  if (fresh.empty()) co_return;
  _log->info("{}starting topic deletion for [{}]", state_prefix(), fmt::join(fresh, ","));
  std::set<std::string> reassigning;
  for (const auto& tp : _ctx.reassigning) {
    if (fresh.count(tp.topic) > 0) reassigning.insert(tp.topic);
  }
  // The topic becomes queued first, so that the ineligibility mark below applies to it.
  for (const auto& t : fresh) _ctx.topics_to_delete.insert(t);
  mark_deletion_ineligible(reassigning, "partition reassignment in progress");
  co_await enqueue_deletions(fresh);
}

asio::awaitable<void> controller::impl::remove_deletion_markers(const std::set<std::string>& topics) {
  std::vector<std::string> names(topics.begin(), topics.end());
  auto claim = *_claim;
  auto r = co_await _zk.delete_topic_deletion_markers(claim, std::move(names));
  if (!r) fail_on_moved(r.error(), "removing topic deletion markers");
}

asio::awaitable<void> controller::impl::enqueue_deletions(const std::set<std::string>& topics) {
  for (const auto& t : topics) _ctx.topics_to_delete.insert(t);
  co_await resume_deletions();
}

asio::awaitable<void> controller::impl::resume_deletion_for(const std::set<std::string>& topics) {
  bool any = false;
  for (const auto& t : topics) {
    if (_ctx.queued_for_deletion(t) && _ctx.deletion_ineligible.erase(t) > 0) any = true;
  }
  if (any) co_await resume_deletions();
}

void controller::impl::mark_deletion_ineligible(const std::set<std::string>& topics, const std::string& reason) {
  std::vector<std::string> marked;
  for (const auto& t : topics) {
    if (_ctx.queued_for_deletion(t) && _ctx.deletion_ineligible.insert(t).second) marked.push_back(t);
  }
  if (!marked.empty()) {
    _log->info("{}halted deletion of [{}]: {}", state_prefix(), fmt::join(marked, ","), reason);
  }
}

// Replicas that cannot be deleted now go to ReplicaDeletionIneligible (through Offline when they
// were still serving). Already deleted or already ineligible replicas stay as they are.
asio::awaitable<void> controller::impl::mark_replicas_ineligible(const std::vector<partition_replica>& replicas) {
  std::vector<partition_replica> serving, failed;
  for (const auto& r : replicas) {
    auto s = _ctx.replica_state(r);
    if (s == replica_state_kind::deletion_successful || s == replica_state_kind::deletion_ineligible) continue;
    if (s == replica_state_kind::online || s == replica_state_kind::new_replica) serving.push_back(r);
    failed.push_back(r);
  }
  co_await handle_replica_changes(serving, replica_state_kind::offline);
  co_await handle_replica_changes(failed, replica_state_kind::deletion_ineligible);
}

asio::awaitable<void> controller::impl::fail_replica_deletion(const std::vector<partition_replica>& replicas) {
  std::vector<partition_replica> failed;
  std::set<std::string> topics;
  for (const auto& r : replicas) {
    if (!_ctx.queued_for_deletion(r.tp.topic)) continue;
    failed.push_back(r);
    topics.insert(r.tp.topic);
  }
  if (failed.empty()) co_return;
  co_await mark_replicas_ineligible(failed);
  mark_deletion_ineligible(topics, "replica deletion failed or a replica's broker is down");
  co_await resume_deletions();
}

asio::awaitable<void> controller::impl::resume_deletions() {
  if (!active()) co_return;
  std::set<std::string> retry, eligible;
  const std::set<std::string> queued = _ctx.topics_to_delete;
  for (const auto& topic : queued) {
    if (_ctx.topics.count(topic) == 0) continue;
    if (_ctx.deletion_started.count(topic) > 0 &&
        _ctx.all_replicas_in_state(topic, replica_state_kind::deletion_successful)) {
      co_await complete_delete_topic(topic);
      continue;
    }
    bool in_progress = _ctx.any_replica_in_state(topic, replica_state_kind::deletion_started);
    if (!in_progress && _ctx.any_replica_in_state(topic, replica_state_kind::deletion_ineligible)) {
      retry.insert(topic);
    }
    if (!in_progress && _ctx.deletion_ineligible.count(topic) == 0) eligible.insert(topic);
  }
  // Replicas whose deletion failed go back to Offline, to be started again below.
  std::vector<partition_replica> failed;
  for (const auto& topic : retry) {
    for (const auto& r : _ctx.replicas_of_topic(topic)) {
      if (_ctx.replica_state(r) == replica_state_kind::deletion_ineligible) failed.push_back(r);
    }
  }
  if (!failed.empty()) co_await handle_replica_changes(failed, replica_state_kind::offline);
  if (!eligible.empty()) co_await on_topic_deletion(eligible);
}

asio::awaitable<void> controller::impl::on_topic_deletion(const std::set<std::string>& topics) {
  _log->info("{}topic deletion callback for [{}]", state_prefix(), fmt::join(topics, ","));
  std::vector<topic_partition> unseen;
  for (const auto& t : topics) {
    if (_ctx.deletion_started.count(t) > 0) continue;
    auto tps = _ctx.partitions_of(t);
    unseen.insert(unseen.end(), tps.begin(), tps.end());
  }
  if (!unseen.empty()) {
    co_await handle_partition_changes(unseen, partition_state_kind::offline);
    co_await handle_partition_changes(unseen, partition_state_kind::non_existent);
    for (const auto& t : topics) _ctx.deletion_started.insert(t);
  }
  // Leader -2 tells every broker these partitions are going away.
  std::vector<topic_partition> all;
  for (const auto& t : topics) {
    auto tps = _ctx.partitions_of(t);
    all.insert(all.end(), tps.begin(), tps.end());
  }
  add_update_metadata_to_all(all);
  co_await on_partition_deletion(topics);
}

asio::awaitable<void> controller::impl::on_partition_deletion(const std::set<std::string>& topics) {
  std::vector<partition_replica> dead, retry;
  std::set<std::string> ineligible;
  for (const auto& topic : topics) {
    for (const auto& r : _ctx.replicas_of_topic(topic)) {
      if (!_ctx.is_live(r.broker)) {
        dead.push_back(r);
        ineligible.insert(topic);
      } else if (_ctx.replica_state(r) != replica_state_kind::deletion_successful) {
        retry.push_back(r);
      }
    }
  }
  co_await mark_replicas_ineligible(dead);
  // Followers stop fetching first (StopReplica delete=false), then delete their logs.
  co_await handle_replica_changes(retry, replica_state_kind::offline);
  co_await handle_replica_changes(retry, replica_state_kind::deletion_started);
  mark_deletion_ineligible(ineligible, "offline replicas");
}

asio::awaitable<void> controller::impl::process(ev_stop_replica_response& ev) {
  if (!active()) co_return;
  std::vector<partition_replica> failed, succeeded;
  for (const auto& [tp, error] : ev.errors) {
    if (!_ctx.queued_for_deletion(tp.topic)) continue;  // a reassignment's removed replica: not tracked
    partition_replica r{tp, ev.broker};
    if (_ctx.replica_state(r) != replica_state_kind::deletion_started) continue;
    (error == protocol::error_code::none ? succeeded : failed).push_back(r);
  }
  if (!failed.empty()) {
    _log->warn("{}broker {} failed to delete {} replica(s); deletion will be retried", state_prefix(), ev.broker,
               failed.size());
    co_await fail_replica_deletion(failed);
  }
  if (!succeeded.empty()) {
    co_await handle_replica_changes(succeeded, replica_state_kind::deletion_successful);
    co_await resume_deletions();
  }
}

asio::awaitable<void> controller::impl::complete_delete_topic(const std::string& topic) {
  std::vector<partition_replica> done;
  for (const auto& r : _ctx.replicas_of_topic(topic)) {
    if (_ctx.replica_state(r) == replica_state_kind::deletion_successful) done.push_back(r);
  }
  auto claim = *_claim;
  auto r = co_await _zk.delete_topic_znodes(claim, topic);
  if (!r) {
    fail_on_moved(r.error(), "deleting the znodes of " + topic);
    co_return;  // retried by the next resume
  }
  co_await handle_replica_changes(done, replica_state_kind::non_existent);
  _ctx.remove_topic(topic);
  _topic_watches.erase(topic);
  _log->info("{}deletion of topic {} successfully completed", state_prefix(), topic);
}

} // namespace gregor::controller
