#include "gregor/client/group_member.h"

#include <algorithm>
#include <set>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/client/client.h"
#include "gregor/client/errc.h"
#include "gregor/common/logger.h"

namespace gregor::client {

namespace asio = boost::asio;

namespace {

using protocol::error_code;

spdlog::logger& member_log() {
  static auto logger = get_logger("client");
  return *logger;
}

bool member_is(const std::error_code& ec, error_code e) { return ec == kafka_error(e); }

// Conditions after which the join (or sync) is simply tried again after the back-off.
bool retry_join(const std::error_code& ec) {
  return member_is(ec, error_code::not_coordinator) || member_is(ec, error_code::coordinator_not_available) ||
         member_is(ec, error_code::coordinator_load_in_progress) || member_is(ec, error_code::rebalance_in_progress) ||
         is_retriable(ec);
}

int32_t to_ms(std::chrono::milliseconds d) {
  return static_cast<int32_t>(std::clamp<int64_t>(d.count(), 0, INT32_MAX));
}

} // namespace

group_member::group_member(client& c, group_member_options options) : _client(c), _options(std::move(options)) {}

asio::awaitable<void> group_member::sleep(std::chrono::milliseconds d) {
  asio::steady_timer timer(_client.executor());
  timer.expires_after(d);
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

std::chrono::milliseconds group_member::time_to_next_heartbeat() const {
  if (_needs_rejoin || _generation < 0) return std::chrono::milliseconds(0);
  auto due = _last_heartbeat + _options.heartbeat_interval;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - clock_type::now());
  return std::max(left, std::chrono::milliseconds(0));
}

bool group_member::on_membership_error(const std::error_code& ec) {
  if (member_is(ec, error_code::unknown_member_id)) {
    // The coordinator forgot us (session expired): start over as a new member.
    _member_id.clear();
    _generation = -1;
    _needs_rejoin = true;
    return true;
  }
  if (member_is(ec, error_code::illegal_generation)) {
    _generation = -1;
    _needs_rejoin = true;
    return true;
  }
  if (member_is(ec, error_code::rebalance_in_progress)) {
    _needs_rejoin = true;
    return true;
  }
  return false;
}

asio::awaitable<result<std::vector<std::pair<std::string, bytes>>>> group_member::assign(
  std::vector<join_group_member_info> members) {
  std::vector<assignor_member> subscribers;
  std::set<std::string> topics;
  for (const auto& m : members) {
    auto sub = decode_subscription(m.metadata);
    if (!sub) {
      member_log().warn("group {}: member {} sent a subscription that does not decode", _options.group_id, m.member_id);
      subscribers.push_back({m.member_id, m.group_instance_id, {}});
      continue;
    }
    topics.insert(sub->topics.begin(), sub->topics.end());
    subscribers.push_back({m.member_id, m.group_instance_id, std::move(sub->topics)});
  }
  std::map<std::string, int32_t> counts;
  if (!topics.empty()) {
    std::optional<std::vector<std::string>> wanted(std::in_place, topics.begin(), topics.end());
    auto md = co_await _client.refresh_metadata(wanted, false);
    if (!md) co_return unexpected(md.error());
    for (const auto& name : topics) {
      const auto* t = md->find_topic(name);
      // Topics that do not exist (yet) get no partitions, as in Kafka.
      if (t != nullptr && !t->error && !t->partitions.empty()) counts[name] = static_cast<int32_t>(t->partitions.size());
    }
  }
  auto plan = range_assign(subscribers, counts);
  std::vector<std::pair<std::string, bytes>> out;
  for (const auto& m : members) {
    consumer_assignment a;
    a.partitions = plan[m.member_id];
    out.emplace_back(m.member_id, encode_assignment(a));
  }
  co_return out;
}

asio::awaitable<result<void>> group_member::ensure_active(clock_type::time_point deadline) {
  while (_needs_rejoin) {
    if (clock_type::now() >= deadline) co_return unexpected(make_error_code(client_errc::timed_out));
    consumer_subscription sub;
    sub.topics = _options.topics;
    join_group_params join;
    join.group_id = _options.group_id;
    join.member_id = _member_id;
    join.group_instance_id = _options.group_instance_id;
    join.session_timeout_ms = to_ms(_options.session_timeout);
    join.rebalance_timeout_ms = to_ms(_options.rebalance_timeout);
    join.protocol_type = consumer_protocol_type;
    join.protocols.emplace_back(range_assignor_name, encode_subscription(sub));
    auto joined = co_await _client.join_group(std::move(join));
    if (!joined) {
      if (!retry_join(joined.error())) co_return unexpected(joined.error());
      co_await sleep(_options.retry_backoff);
      continue;
    }
    const auto& j = *joined;
    if (member_is(j.error, error_code::member_id_required)) {
      // JoinGroup v4+: the coordinator hands out our id first; join again with it at once.
      _member_id = j.member_id;
      continue;
    }
    if (on_membership_error(j.error)) continue;
    if (j.error) {
      if (!retry_join(j.error)) co_return unexpected(j.error);
      co_await sleep(_options.retry_backoff);
      continue;
    }
    _member_id = j.member_id;
    _generation = j.generation_id;
    _protocol_name = j.protocol_name.value_or("");
    _is_leader = j.leader_id == _member_id;
    member_log().debug("group {}: joined generation {} as {}{}", _options.group_id, _generation, _member_id,
                _is_leader ? " (leader)" : "");

    sync_group_params sync;
    sync.group_id = _options.group_id;
    sync.generation_id = _generation;
    sync.member_id = _member_id;
    sync.group_instance_id = _options.group_instance_id;
    sync.protocol_type = consumer_protocol_type;
    sync.protocol_name = _protocol_name;
    if (_is_leader && !j.skip_assignment) {
      auto members = j.members;
      auto plan = co_await assign(std::move(members));
      if (!plan) {
        if (!is_retriable(plan.error())) co_return unexpected(plan.error());
        co_await sleep(_options.retry_backoff);
        continue;  // the rebalance times out for the others and starts again
      }
      sync.assignments = std::move(*plan);
    }
    auto synced = co_await _client.sync_group(std::move(sync), _options.rebalance_timeout);
    if (!synced) {
      if (!retry_join(synced.error())) co_return unexpected(synced.error());
      co_await sleep(_options.retry_backoff);
      continue;
    }
    if (on_membership_error(synced->error)) continue;
    if (synced->error) {
      if (!retry_join(synced->error)) co_return unexpected(synced->error);
      co_await sleep(_options.retry_backoff);
      continue;
    }
    auto assignment = decode_assignment(synced->assignment);
    if (!assignment) co_return unexpected(assignment.error());
    _assignment = std::move(assignment->partitions);
    _needs_rejoin = false;
    _last_heartbeat = clock_type::now();
  }
  co_return result<void>{};
}

asio::awaitable<result<void>> group_member::poll_heartbeat() {
  if (_needs_rejoin || _generation < 0) co_return result<void>{};
  if (clock_type::now() < _last_heartbeat + _options.heartbeat_interval) co_return result<void>{};
  heartbeat_params hb;
  hb.group_id = _options.group_id;
  hb.generation_id = _generation;
  hb.member_id = _member_id;
  hb.group_instance_id = _options.group_instance_id;
  auto answered = co_await _client.heartbeat(std::move(hb));
  if (!answered) {
    // Coordinator unreachable: try again after the back-off (the client looks it up again).
    _last_heartbeat = clock_type::now() - _options.heartbeat_interval + _options.retry_backoff;
    co_return result<void>{};
  }
  const auto ec = *answered;
  if (!ec) {
    _last_heartbeat = clock_type::now();
    co_return result<void>{};
  }
  if (member_is(ec, error_code::fenced_instance_id)) co_return unexpected(ec);
  if (on_membership_error(ec)) {
    member_log().debug("group {}: heartbeat says {}; rejoining", _options.group_id, ec.message());
    co_return result<void>{};
  }
  _last_heartbeat = clock_type::now() - _options.heartbeat_interval + _options.retry_backoff;
  co_return result<void>{};
}

asio::awaitable<result<std::map<topic_partition, std::error_code>>> group_member::commit(
  std::map<topic_partition, int64_t> offsets) {
  if (_generation < 0) co_return unexpected(kafka_error(error_code::rebalance_in_progress));
  offset_commit_params params;
  params.group_id = _options.group_id;
  params.generation_id = _generation;
  params.member_id = _member_id;
  params.group_instance_id = _options.group_instance_id;
  params.offsets = std::move(offsets);
  auto done = co_await _client.commit_offsets(std::move(params));
  if (!done) co_return unexpected(done.error());
  for (const auto& [tp, ec] : *done) {
    if (on_membership_error(ec)) break;
  }
  co_return std::move(*done);
}

asio::awaitable<void> group_member::leave() {
  if (!_member_id.empty() && !_options.group_instance_id) {
    std::vector<leaving_member> me{leaving_member{_member_id, std::nullopt, std::string("the consumer is being closed")}};
    auto left = co_await _client.leave_group(_options.group_id, std::move(me));
    if (!left) member_log().debug("group {}: LeaveGroup failed: {}", _options.group_id, left.error().message());
  }
  _member_id.clear();
  _generation = -1;
  _needs_rejoin = true;
  _assignment.clear();
}

} // namespace gregor::client
