// Consumer-group operations: FindCoordinator, the membership round trips (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup), offsets (OffsetCommit, OffsetFetch, OffsetDelete) and the group admin
// APIs (ListGroups, DescribeGroups, DeleteGroups).

#include <algorithm>
#include <set>

#include "gregor/client/client.h"
#include "gregor/client/errc.h"
#include "gregor/client/group_requests.h"
#include "gregor/common/logger.h"
#include "gregor/protocol/api.h"
#include "node_connection.h"

namespace gregor::client {

namespace {

using clock_type = std::chrono::steady_clock;
using protocol::error_code;

spdlog::logger& log() {
  static auto logger = get_logger("client");
  return *logger;
}

int16_t key_of(protocol::api_key k) { return static_cast<int16_t>(k); }

bool is(const std::error_code& ec, error_code e) { return ec == kafka_error(e); }

// The coordinator moved or is gone: look it up again.
bool coordinator_moved(const std::error_code& ec) {
  return is(ec, error_code::not_coordinator) || is(ec, error_code::coordinator_not_available);
}

// Worth another attempt at the (possibly new) coordinator.
bool coordinator_retriable(const std::error_code& ec) {
  return coordinator_moved(ec) || is(ec, error_code::coordinator_load_in_progress) || is_retriable(ec);
}

} // namespace

asio::awaitable<result<std::vector<found_coordinator>>> client::find_coordinators(std::vector<std::string> group_ids) {
  std::error_code last = make_error_code(client_errc::no_broker_reachable);
  // Two attempts: a pooled connection may have been closed by the broker since its last use.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto node = co_await any_connection();
    if (!node) co_return unexpected(node.error());
    auto v = (*node)->version_for(key_of(protocol::api_key::find_coordinator));
    if (!v) co_return unexpected(v.error());
    std::vector<found_coordinator> out;
    bool lost = false;
    // v4+: all keys in one request; before: one request per key.
    const size_t rounds = *v >= 4 ? 1 : group_ids.size();
    for (size_t i = 0; i < rounds && !lost; ++i) {
      std::vector<std::string> keys = *v >= 4 ? group_ids : std::vector<std::string>{group_ids[i]};
      auto req = build_find_coordinator_request(*v, keys);
      auto resp = co_await (*node)->call<protocol::find_coordinator_response>(*v, std::move(req), _options.request_timeout);
      if (!resp) {
        last = resp.error();
        (*node)->close();
        lost = true;
        break;
      }
      for (auto& f : read_find_coordinator_response(*v, *resp, keys.front())) out.push_back(std::move(f));
    }
    if (!lost) co_return out;
  }
  co_return unexpected(last);
}

asio::awaitable<result<broker_info>> client::find_coordinator(std::string group_id) {
  if (auto it = _coordinators.find(group_id); it != _coordinators.end()) co_return it->second;
  const auto deadline = clock_type::now() + _options.request_timeout;
  for (;;) {
    std::error_code failure;
    std::vector<std::string> keys{group_id};
    auto found = co_await find_coordinators(std::move(keys));
    if (!found) {
      failure = found.error();
    } else {
      failure = make_error_code(client_errc::malformed_response);
      for (const auto& f : *found) {
        if (f.key != group_id) continue;
        failure = f.error;
        if (!f.error) {
          if (f.node.port <= 0 || f.node.port > 65535) co_return unexpected(make_error_code(client_errc::malformed_response));
          _coordinators[group_id] = f.node;
          co_return f.node;
        }
      }
    }
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    log().debug("no coordinator for group {} yet: {}", group_id, failure.message());
    co_await sleep(_options.retry_backoff);
  }
}

void client::forget_coordinator(const std::string& group_id) {
  auto it = _coordinators.find(group_id);
  if (it == _coordinators.end()) return;
  auto node = _coordinator_nodes.find(it->second.id);
  if (node != _coordinator_nodes.end()) {
    if (node->second) node->second->close();
    _coordinator_nodes.erase(node);
  }
  _coordinators.erase(it);
}

asio::awaitable<result<client::node_ptr>> client::coordinator_connection(std::string group_id) {
  auto coordinator = co_await find_coordinator(group_id);
  if (!coordinator) co_return unexpected(coordinator.error());
  auto it = _coordinator_nodes.find(coordinator->id);
  if (it != _coordinator_nodes.end() && it->second && it->second->is_open()) co_return it->second;
  broker_address addr{coordinator->host, static_cast<uint16_t>(coordinator->port)};
  auto opened = co_await node_connection::open(_executor, addr, _options.client_id, _options.connect_timeout,
                                               _options.request_timeout);
  if (!opened) {
    forget_coordinator(group_id);
    co_return unexpected(opened.error());
  }
  _coordinator_nodes[coordinator->id] = *opened;
  co_return *opened;
}

// ---- the round trip and the retry loop every group request shares ----

namespace {

// The request type a builder returns, as such or in a result.
template <class T>
struct request_of {
  using type = T;
};
template <class T>
struct request_of<result<T>> {
  using type = T;
};

} // namespace

template <class Resp, class Build>
asio::awaitable<result<client::coordinator_reply<Resp>>> client::coordinator_round_trip(const std::string& group_id,
                                                                                        std::chrono::milliseconds wait,
                                                                                        const Build& build) {
  using request = typename request_of<std::invoke_result_t<const Build&, int16_t>>::type;
  auto node = co_await coordinator_connection(group_id);
  if (!node) co_return unexpected(node.error());
  auto v = (*node)->version_for(Resp::api_key_value);
  if (!v) co_return unexpected(v.error());
  result<request> req = build(*v);
  if (!req) co_return unexpected(req.error());
  auto resp = co_await (*node)->template call<Resp>(*v, std::move(*req), wait);
  if (!resp) {
    forget_coordinator(group_id);
    co_return unexpected(resp.error());
  }
  coordinator_reply<Resp> reply{*v, std::move(*resp)};
  co_return reply;
}

template <class Resp, class Build, class Read>
auto client::coordinator_call(const std::string& group_id, const Build& build, const Read& read)
  -> asio::awaitable<std::invoke_result_t<const Read&, int16_t, const Resp&>> {
  const auto deadline = clock_type::now() + _options.request_timeout;
  for (;;) {
    std::error_code failure;
    auto reply = co_await coordinator_round_trip<Resp>(group_id, _options.request_timeout, build);
    if (!reply) {
      failure = reply.error();
    } else {
      auto out = read(reply->version, reply->response);
      if (out) co_return out;
      failure = out.error();
      if (coordinator_moved(failure)) forget_coordinator(group_id);
    }
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    co_await sleep(_options.retry_backoff);
  }
}

// ---- membership ----
//
// One round trip each; the broker's error stays in the outcome, but a moved coordinator is
// forgotten so that the caller's next attempt looks it up again.

asio::awaitable<result<join_group_outcome>> client::join_group(join_group_params params) {
  auto build = [&params](int16_t v) { return build_join_group_request(v, params); };
  // The coordinator answers when the rebalance completes: up to the rebalance timeout.
  const auto wait = std::chrono::milliseconds(std::max(params.rebalance_timeout_ms, params.session_timeout_ms)) +
                    _options.request_timeout;
  auto reply = co_await coordinator_round_trip<protocol::join_group_response>(params.group_id, wait, build);
  if (!reply) co_return unexpected(reply.error());
  auto out = read_join_group_response(reply->response);
  if (coordinator_moved(out.error)) forget_coordinator(params.group_id);
  co_return out;
}

asio::awaitable<result<sync_group_outcome>> client::sync_group(sync_group_params params, std::chrono::milliseconds wait) {
  auto build = [&params](int16_t v) { return build_sync_group_request(v, params); };
  const auto bound = wait + _options.request_timeout;
  auto reply = co_await coordinator_round_trip<protocol::sync_group_response>(params.group_id, bound, build);
  if (!reply) co_return unexpected(reply.error());
  auto out = read_sync_group_response(reply->response);
  if (coordinator_moved(out.error)) forget_coordinator(params.group_id);
  co_return out;
}

asio::awaitable<result<std::error_code>> client::heartbeat(heartbeat_params params) {
  auto build = [&params](int16_t v) { return build_heartbeat_request(v, params); };
  auto reply =
    co_await coordinator_round_trip<protocol::heartbeat_response>(params.group_id, _options.request_timeout, build);
  if (!reply) co_return unexpected(reply.error());
  auto ec = kafka_error(reply->response.error_code);
  if (coordinator_moved(ec)) forget_coordinator(params.group_id);
  co_return ec;
}

asio::awaitable<result<leave_group_outcome>> client::leave_group(std::string group_id, std::vector<leaving_member> members) {
  auto build = [&](int16_t v) { return build_leave_group_request(v, group_id, members); };
  auto reply = co_await coordinator_round_trip<protocol::leave_group_response>(group_id, _options.request_timeout, build);
  if (!reply) co_return unexpected(reply.error());
  auto out = read_leave_group_response(reply->version, reply->response, members);
  if (coordinator_moved(out.error)) forget_coordinator(group_id);
  co_return out;
}

// ---- offsets ----
//
// Coordinator errors are retried (coordinator_call). OffsetCommit and OffsetFetch v0/v1 report
// them per partition: any partition's NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE or
// COORDINATOR_LOAD_IN_PROGRESS fails the attempt.

namespace {

bool coordinator_busy(const std::error_code& ec) {
  return coordinator_moved(ec) || is(ec, error_code::coordinator_load_in_progress);
}

} // namespace

asio::awaitable<result<std::map<topic_partition, std::error_code>>> client::commit_offsets(offset_commit_params params) {
  using outcome = result<std::map<topic_partition, std::error_code>>;
  auto build = [&params](int16_t v) { return build_offset_commit_request(v, params); };
  auto read = [](int16_t, const protocol::offset_commit_response& r) -> outcome {
    auto out = read_offset_commit_response(r);
    std::error_code failure;
    for (const auto& [tp, ec] : out) {
      if (coordinator_busy(ec)) failure = ec;
    }
    if (failure) return unexpected(failure);
    return out;
  };
  co_return co_await coordinator_call<protocol::offset_commit_response>(params.group_id, build, read);
}

asio::awaitable<result<std::map<topic_partition, committed_offset>>> client::fetch_offsets(
  std::string group_id, std::optional<std::vector<topic_partition>> partitions) {
  auto build = [&](int16_t v) { return build_offset_fetch_request(v, group_id, partitions); };
  auto read = [&group_id](int16_t v,
                          const protocol::offset_fetch_response& r) -> result<std::map<topic_partition, committed_offset>> {
    auto out = read_offset_fetch_response(v, r, group_id);
    if (!out) return out;
    std::error_code failure;
    for (const auto& [tp, c] : *out) {
      if (coordinator_busy(c.error)) failure = c.error;
    }
    if (failure) return unexpected(failure);
    return out;
  };
  co_return co_await coordinator_call<protocol::offset_fetch_response>(group_id, build, read);
}

asio::awaitable<result<offset_delete_outcome>> client::delete_offsets(std::string group_id,
                                                                      std::vector<topic_partition> partitions) {
  auto build = [&](int16_t) { return build_offset_delete_request(group_id, partitions); };
  auto read = [](int16_t, const protocol::offset_delete_response& r) -> result<offset_delete_outcome> {
    auto out = read_offset_delete_response(r);
    if (coordinator_retriable(out.error)) return unexpected(out.error);
    return out;
  };
  co_return co_await coordinator_call<protocol::offset_delete_response>(group_id, build, read);
}

// ---- admin ----

asio::awaitable<result<std::vector<group_listing>>> client::list_groups(std::vector<std::string> states) {
  const auto deadline = clock_type::now() + _options.request_timeout;
  std::optional<std::vector<std::string>> all;
  auto md = co_await refresh_metadata(all, false);
  if (!md) co_return unexpected(md.error());
  std::set<int32_t> pending;
  for (const auto& [id, b] : md->brokers) pending.insert(id);
  std::map<std::string, group_listing> merged;
  for (;;) {
    std::error_code failure;
    for (auto it = pending.begin(); it != pending.end();) {
      auto node = co_await connection_to(*it);
      if (!node) {
        failure = node.error();
        ++it;
        continue;
      }
      auto v = (*node)->version_for(key_of(protocol::api_key::list_groups));
      if (!v) co_return unexpected(v.error());
      auto req = build_list_groups_request(*v, states);
      if (!req) co_return unexpected(req.error());
      auto resp = co_await (*node)->call<protocol::list_groups_response>(*v, std::move(*req), _options.request_timeout);
      if (!resp) {
        (*node)->close();
        failure = resp.error();
        ++it;
        continue;
      }
      auto listed = read_list_groups_response(*resp);
      if (!listed) {
        if (!coordinator_retriable(listed.error())) co_return unexpected(listed.error());
        failure = listed.error();
        ++it;
        continue;
      }
      for (auto& g : *listed) merged[g.group_id] = std::move(g);
      it = pending.erase(it);
    }
    if (pending.empty()) break;
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    co_await sleep(_options.retry_backoff);
  }
  std::vector<group_listing> out;
  for (auto& [id, g] : merged) out.push_back(std::move(g));
  co_return out;
}

asio::awaitable<result<std::vector<group_description>>> client::describe_groups(std::vector<std::string> group_ids) {
  std::vector<group_description> out;
  for (const auto& group : group_ids) {
    const std::vector<std::string> one{group};
    auto build = [&one](int16_t) { return build_describe_groups_request(one); };
    auto read = [&group](int16_t, const protocol::describe_groups_response& r) -> result<group_description> {
      auto described = read_describe_groups_response(r);
      if (described.size() != 1 || described.front().group_id != group) {
        return unexpected(make_error_code(client_errc::malformed_response));
      }
      if (coordinator_retriable(described.front().error)) return unexpected(described.front().error);
      return std::move(described.front());
    };
    auto d = co_await coordinator_call<protocol::describe_groups_response>(group, build, read);
    if (!d) co_return unexpected(d.error());
    d->coordinator = _coordinators[group];
    out.push_back(std::move(*d));
  }
  co_return out;
}

asio::awaitable<result<std::vector<std::pair<std::string, std::error_code>>>> client::delete_groups(
  std::vector<std::string> group_ids) {
  std::vector<std::pair<std::string, std::error_code>> out;
  for (const auto& group : group_ids) {
    const std::vector<std::string> one{group};
    auto build = [&one](int16_t) { return build_delete_groups_request(one); };
    auto read = [&group](int16_t, const protocol::delete_groups_response& r) -> result<std::error_code> {
      std::error_code answer = make_error_code(client_errc::malformed_response);
      for (const auto& [id, ec] : read_delete_groups_response(r)) {
        if (id == group) answer = ec;
      }
      if (coordinator_retriable(answer) || answer == client_errc::malformed_response) return unexpected(answer);
      return answer;
    };
    auto deleted = co_await coordinator_call<protocol::delete_groups_response>(group, build, read);
    if (deleted) {
      out.emplace_back(group, *deleted);
    } else if (deleted.error().category() == kafka_category()) {
      // A group we cannot reach is reported with its error; the others still go ahead.
      out.emplace_back(group, deleted.error());
    } else {
      co_return unexpected(deleted.error());
    }
  }
  co_return out;
}

} // namespace gregor::client
