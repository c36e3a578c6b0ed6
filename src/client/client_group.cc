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

// ---- membership ----

asio::awaitable<result<join_group_outcome>> client::join_group(join_group_params params) {
  auto node = co_await coordinator_connection(params.group_id);
  if (!node) co_return unexpected(node.error());
  auto v = (*node)->version_for(key_of(protocol::api_key::join_group));
  if (!v) co_return unexpected(v.error());
  auto req = build_join_group_request(*v, params);
  if (!req) co_return unexpected(req.error());
  // The coordinator answers when the rebalance completes: up to the rebalance timeout.
  const auto wait = std::chrono::milliseconds(std::max(params.rebalance_timeout_ms, params.session_timeout_ms)) +
                    _options.request_timeout;
  auto resp = co_await (*node)->call<protocol::join_group_response>(*v, std::move(*req), wait);
  if (!resp) {
    forget_coordinator(params.group_id);
    co_return unexpected(resp.error());
  }
  auto out = read_join_group_response(*resp);
  if (coordinator_moved(out.error)) forget_coordinator(params.group_id);
  co_return out;
}

asio::awaitable<result<sync_group_outcome>> client::sync_group(sync_group_params params, std::chrono::milliseconds wait) {
  auto node = co_await coordinator_connection(params.group_id);
  if (!node) co_return unexpected(node.error());
  auto v = (*node)->version_for(key_of(protocol::api_key::sync_group));
  if (!v) co_return unexpected(v.error());
  auto req = build_sync_group_request(*v, params);
  if (!req) co_return unexpected(req.error());
  auto resp = co_await (*node)->call<protocol::sync_group_response>(*v, std::move(*req), wait + _options.request_timeout);
  if (!resp) {
    forget_coordinator(params.group_id);
    co_return unexpected(resp.error());
  }
  auto out = read_sync_group_response(*resp);
  if (coordinator_moved(out.error)) forget_coordinator(params.group_id);
  co_return out;
}

asio::awaitable<result<std::error_code>> client::heartbeat(heartbeat_params params) {
  auto node = co_await coordinator_connection(params.group_id);
  if (!node) co_return unexpected(node.error());
  auto v = (*node)->version_for(key_of(protocol::api_key::heartbeat));
  if (!v) co_return unexpected(v.error());
  auto req = build_heartbeat_request(*v, params);
  if (!req) co_return unexpected(req.error());
  auto resp = co_await (*node)->call<protocol::heartbeat_response>(*v, std::move(*req), _options.request_timeout);
  if (!resp) {
    forget_coordinator(params.group_id);
    co_return unexpected(resp.error());
  }
  auto ec = kafka_error(resp->error_code);
  if (coordinator_moved(ec)) forget_coordinator(params.group_id);
  co_return ec;
}

asio::awaitable<result<leave_group_outcome>> client::leave_group(std::string group_id, std::vector<leaving_member> members) {
  auto node = co_await coordinator_connection(group_id);
  if (!node) co_return unexpected(node.error());
  auto v = (*node)->version_for(key_of(protocol::api_key::leave_group));
  if (!v) co_return unexpected(v.error());
  auto req = build_leave_group_request(*v, group_id, members);
  if (!req) co_return unexpected(req.error());
  auto resp = co_await (*node)->call<protocol::leave_group_response>(*v, std::move(*req), _options.request_timeout);
  if (!resp) {
    forget_coordinator(group_id);
    co_return unexpected(resp.error());
  }
  auto out = read_leave_group_response(*v, *resp, members);
  if (coordinator_moved(out.error)) forget_coordinator(group_id);
  co_return out;
}

// ---- offsets ----

asio::awaitable<result<std::map<topic_partition, std::error_code>>> client::commit_offsets(offset_commit_params params) {
  const auto deadline = clock_type::now() + _options.request_timeout;
  for (;;) {
    std::error_code failure;
    auto node = co_await coordinator_connection(params.group_id);
    if (!node) {
      failure = node.error();
    } else {
      auto v = (*node)->version_for(key_of(protocol::api_key::offset_commit));
      if (!v) co_return unexpected(v.error());
      auto req = build_offset_commit_request(*v, params);
      if (!req) co_return unexpected(req.error());
      auto resp = co_await (*node)->call<protocol::offset_commit_response>(*v, std::move(*req), _options.request_timeout);
      if (!resp) {
        forget_coordinator(params.group_id);
        failure = resp.error();
      } else {
        auto out = read_offset_commit_response(*resp);
        for (const auto& [tp, ec] : out) {
          if (coordinator_moved(ec) || is(ec, error_code::coordinator_load_in_progress)) failure = ec;
        }
        if (!failure) co_return out;
        if (coordinator_moved(failure)) forget_coordinator(params.group_id);
      }
    }
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    co_await sleep(_options.retry_backoff);
  }
}

asio::awaitable<result<std::map<topic_partition, committed_offset>>> client::fetch_offsets(
  std::string group_id, std::optional<std::vector<topic_partition>> partitions) {
  const auto deadline = clock_type::now() + _options.request_timeout;
  for (;;) {
    std::error_code failure;
    auto node = co_await coordinator_connection(group_id);
    if (!node) {
      failure = node.error();
    } else {
      auto v = (*node)->version_for(key_of(protocol::api_key::offset_fetch));
      if (!v) co_return unexpected(v.error());
      auto req = build_offset_fetch_request(*v, group_id, partitions);
      if (!req) co_return unexpected(req.error());
      auto resp = co_await (*node)->call<protocol::offset_fetch_response>(*v, std::move(*req), _options.request_timeout);
      if (!resp) {
        forget_coordinator(group_id);
        failure = resp.error();
      } else {
        auto out = read_offset_fetch_response(*v, *resp, group_id);
        if (!out) {
          failure = out.error();
        } else {
          // v0/v1 report coordinator errors per partition.
          for (const auto& [tp, c] : *out) {
            if (coordinator_moved(c.error) || is(c.error, error_code::coordinator_load_in_progress)) failure = c.error;
          }
          if (!failure) co_return std::move(*out);
        }
        if (coordinator_moved(failure)) forget_coordinator(group_id);
      }
    }
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    co_await sleep(_options.retry_backoff);
  }
}

asio::awaitable<result<offset_delete_outcome>> client::delete_offsets(std::string group_id,
                                                                      std::vector<topic_partition> partitions) {
  const auto deadline = clock_type::now() + _options.request_timeout;
  for (;;) {
    std::error_code failure;
    auto node = co_await coordinator_connection(group_id);
    if (!node) {
      failure = node.error();
    } else {
      auto v = (*node)->version_for(key_of(protocol::api_key::offset_delete));
      if (!v) co_return unexpected(v.error());
      auto req = build_offset_delete_request(group_id, partitions);
      auto resp = co_await (*node)->call<protocol::offset_delete_response>(*v, std::move(req), _options.request_timeout);
      if (!resp) {
        forget_coordinator(group_id);
        failure = resp.error();
      } else {
        auto out = read_offset_delete_response(*resp);
        if (!coordinator_retriable(out.error)) co_return out;
        failure = out.error;
        if (coordinator_moved(failure)) forget_coordinator(group_id);
      }
    }
    if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
    co_await sleep(_options.retry_backoff);
  }
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
    const auto deadline = clock_type::now() + _options.request_timeout;
    for (;;) {
      std::error_code failure;
      auto node = co_await coordinator_connection(group);
      if (!node) {
        failure = node.error();
      } else {
        auto v = (*node)->version_for(key_of(protocol::api_key::describe_groups));
        if (!v) co_return unexpected(v.error());
        std::vector<std::string> one{group};
        auto req = build_describe_groups_request(one);
        auto resp = co_await (*node)->call<protocol::describe_groups_response>(*v, std::move(req), _options.request_timeout);
        if (!resp) {
          forget_coordinator(group);
          failure = resp.error();
        } else {
          auto described = read_describe_groups_response(*resp);
          if (described.size() != 1 || described.front().group_id != group) {
            co_return unexpected(make_error_code(client_errc::malformed_response));
          }
          auto& d = described.front();
          if (!coordinator_retriable(d.error)) {
            d.coordinator = _coordinators[group];
            out.push_back(std::move(d));
            break;
          }
          failure = d.error;
          if (coordinator_moved(failure)) forget_coordinator(group);
        }
      }
      if (!coordinator_retriable(failure) || clock_type::now() >= deadline) co_return unexpected(failure);
      co_await sleep(_options.retry_backoff);
    }
  }
  co_return out;
}

asio::awaitable<result<std::vector<std::pair<std::string, std::error_code>>>> client::delete_groups(
  std::vector<std::string> group_ids) {
  std::vector<std::pair<std::string, std::error_code>> out;
  for (const auto& group : group_ids) {
    const auto deadline = clock_type::now() + _options.request_timeout;
    for (;;) {
      std::error_code failure;
      auto node = co_await coordinator_connection(group);
      if (!node) {
        failure = node.error();
      } else {
        auto v = (*node)->version_for(key_of(protocol::api_key::delete_groups));
        if (!v) co_return unexpected(v.error());
        std::vector<std::string> one{group};
        auto req = build_delete_groups_request(one);
        auto resp = co_await (*node)->call<protocol::delete_groups_response>(*v, std::move(req), _options.request_timeout);
        if (!resp) {
          forget_coordinator(group);
          failure = resp.error();
        } else {
          auto results = read_delete_groups_response(*resp);
          failure = make_error_code(client_errc::malformed_response);
          for (const auto& [id, ec] : results) {
            if (id == group) failure = ec;
          }
          if (!coordinator_retriable(failure) && failure != client_errc::malformed_response) {
            out.emplace_back(group, failure);
            break;
          }
          if (coordinator_moved(failure)) forget_coordinator(group);
        }
      }
      if (!coordinator_retriable(failure) || clock_type::now() >= deadline) {
        // A group we cannot reach is reported with its error; the others still go ahead.
        if (failure.category() != kafka_category()) co_return unexpected(failure);
        out.emplace_back(group, failure);
        break;
      }
      co_await sleep(_options.retry_backoff);
    }
  }
  co_return out;
}

} // namespace gregor::client
