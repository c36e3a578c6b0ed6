// Admin operations: CreateTopics, DeleteTopics, CreatePartitions (at the controller, retried on
// NOT_CONTROLLER and lost connections), DescribeConfigs (any broker) and IncrementalAlterConfigs
// (any broker for topics, the named broker for a broker's own configs).

#include <algorithm>
#include <charconv>
#include <set>

#include "gregor/client/client.h"
#include "gregor/client/controller_requests.h"
#include "gregor/client/errc.h"
#include "gregor/client/request_builders.h"
#include "gregor/protocol/api.h"
#include "deadline.h"
#include "node_connection.h"

namespace gregor::client {

namespace {

int16_t key_of(protocol::api_key k) { return static_cast<int16_t>(k); }

std::vector<std::string> names_of(const client::admin_work& w) {
  std::vector<std::string> out;
  for (const auto& t : w.create) out.push_back(t.name);
  for (const auto& t : w.remove) out.push_back(t);
  for (const auto& t : w.grow) out.push_back(t.topic);
  return out;
}

// Keeps only the topics named in `pending`.
void keep_only(client::admin_work& w, const std::set<std::string>& pending) {
  std::erase_if(w.create, [&](const new_topic& t) { return pending.count(t.name) == 0; });
  std::erase_if(w.remove, [&](const std::string& t) { return pending.count(t) == 0; });
  std::erase_if(w.grow, [&](const new_partitions& t) { return pending.count(t.topic) == 0; });
}

} // namespace

asio::awaitable<result<std::vector<topic_result>>> client::create_topics(std::vector<new_topic> topics,
                                                                         std::chrono::milliseconds timeout,
                                                                         bool validate_only) {
  admin_work work;
  work.kind = admin_kind::create_topics;
  work.create = std::move(topics);
  work.validate_only = validate_only;
  co_return co_await admin(std::move(work), timeout);
}

asio::awaitable<result<std::vector<topic_result>>> client::delete_topics(std::vector<std::string> topics,
                                                                         std::chrono::milliseconds timeout) {
  admin_work work;
  work.kind = admin_kind::delete_topics;
  work.remove = std::move(topics);
  co_return co_await admin(std::move(work), timeout);
}

asio::awaitable<result<std::vector<topic_result>>> client::create_partitions(std::vector<new_partitions> topics,
                                                                             std::chrono::milliseconds timeout) {
  admin_work work;
  work.kind = admin_kind::create_partitions;
  work.grow = std::move(topics);
  co_return co_await admin(std::move(work), timeout);
}

asio::awaitable<result<std::vector<topic_result>>> client::admin_attempt(node_ptr node, admin_work work,
                                                                         std::chrono::milliseconds timeout) {
  const int32_t timeout_ms = to_timeout_ms(timeout);
  const auto round_trip = timeout + _options.request_timeout;
  switch (work.kind) {
  case admin_kind::create_topics: {
    auto v = node->version_for(key_of(protocol::api_key::create_topics));
    if (!v) co_return unexpected(v.error());
    auto req = build_create_topics_request(*v, work.create, timeout_ms, work.validate_only);
    if (!req) co_return unexpected(req.error());
    auto resp = co_await node->call<protocol::create_topics_response>(*v, std::move(*req), round_trip);
    if (!resp) co_return unexpected(resp.error());
    co_return read_create_topics_response(*resp);
  }
  case admin_kind::delete_topics: {
    auto v = node->version_for(key_of(protocol::api_key::delete_topics));
    if (!v) co_return unexpected(v.error());
    auto req = build_delete_topics_request(*v, work.remove, timeout_ms);
    auto resp = co_await node->call<protocol::delete_topics_response>(*v, std::move(req), round_trip);
    if (!resp) co_return unexpected(resp.error());
    co_return read_delete_topics_response(*resp);
  }
  case admin_kind::create_partitions: {
    auto v = node->version_for(key_of(protocol::api_key::create_partitions));
    if (!v) co_return unexpected(v.error());
    auto req = build_create_partitions_request(work.grow, timeout_ms, work.validate_only);
    auto resp = co_await node->call<protocol::create_partitions_response>(*v, std::move(req), round_trip);
    if (!resp) co_return unexpected(resp.error());
    co_return read_create_partitions_response(*resp);
  }
  }
  co_return unexpected(make_error_code(client_errc::invalid_argument));
}

asio::awaitable<result<std::vector<topic_result>>> client::admin(admin_work work, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  const std::vector<std::string> order = names_of(work);
  std::map<std::string, topic_result> done;
  const auto not_controller = kafka_error(protocol::error_code::not_controller);
  for (;;) {
    std::error_code failure;
    if (!_bootstrapped) {
      auto b = co_await bootstrap();
      if (!b) co_return unexpected(b.error());
    }
    if (_metadata.controller_id < 0) {
      failure = make_error_code(client_errc::no_controller);
    } else {
      auto node = co_await connection_to(_metadata.controller_id);
      if (!node) {
        failure = node.error();
      } else {
        auto left = remaining(deadline);
        auto res = co_await admin_attempt(*node, work, left);
        if (!res) {
          failure = res.error();
          if (failure != client_errc::unsupported_version && failure != client_errc::invalid_argument) (*node)->close();
        } else {
          std::set<std::string> pending;
          for (auto& r : *res) {
            if (r.error == not_controller) {
              pending.insert(r.name);
              failure = r.error;
            } else {
              done[r.name] = std::move(r);
            }
          }
          keep_only(work, pending);
          if (pending.empty()) break;
        }
      }
    }
    if (!is_retriable(failure) || clock_type::now() >= deadline) {
      if (done.empty()) co_return unexpected(failure == not_controller ? make_error_code(client_errc::no_controller) : failure);
      for (const auto& name : names_of(work)) done[name] = topic_result{name, failure, failure.message()};
      break;
    }
    co_await sleep(_options.retry_backoff);
    std::optional<std::vector<std::string>> all;
    auto refreshed = co_await refresh_metadata(all, false);
    (void)refreshed;  // a failed refresh is retried by the next round, until the deadline
  }
  std::vector<topic_result> out;
  for (const auto& name : order) {
    auto it = done.find(name);
    if (it != done.end()) out.push_back(it->second);
  }
  co_return out;
}

asio::awaitable<result<std::vector<topic_configs>>> client::describe_topic_configs(std::vector<std::string> topics) {
  std::error_code last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto node = co_await any_connection();
    if (!node) co_return unexpected(node.error());
    auto v = (*node)->version_for(key_of(protocol::api_key::describe_configs));
    if (!v) co_return unexpected(v.error());
    auto req = build_describe_topic_configs_request(topics);
    auto resp = co_await (*node)->call<protocol::describe_configs_response>(*v, std::move(req), _options.request_timeout);
    if (!resp) {
      last = resp.error();
      (*node)->close();
      continue;
    }
    std::vector<topic_configs> out;
    for (const auto& r : resp->results) {
      out.push_back({r.resource_name, kafka_error(r.error_code), r.error_message.value_or(""), read_config_entries(*v, r)});
    }
    co_return out;
  }
  co_return unexpected(last);
}

asio::awaitable<result<std::vector<config_resource_result>>> client::incremental_alter_configs(
  std::vector<config_resource_change> resources, bool validate_only) {
  if (!_bootstrapped) {
    auto b = co_await bootstrap();
    if (!b) co_return unexpected(b.error());
  }
  // Batches by destination: -1 = any broker (topics, the cluster default), else a broker id.
  std::map<int32_t, std::vector<config_resource_change>> batches;
  for (const auto& r : resources) {
    int32_t to = -1;
    if (r.type == config_resource_type::broker && !r.name.empty()) {
      auto id = std::from_chars(r.name.data(), r.name.data() + r.name.size(), to);
      if (id.ec != std::errc{} || id.ptr != r.name.data() + r.name.size() || to < 0) {
        co_return unexpected(make_error_code(client_errc::invalid_argument));
      }
    }
    batches[to].push_back(r);
  }
  std::vector<config_resource_result> answered;
  for (auto& [to, batch] : batches) {
    result<node_ptr> node = unexpected(make_error_code(client_errc::no_broker_reachable));
    if (to < 0) {
      node = co_await any_connection();
    } else {
      node = co_await connection_to(to);
    }
    std::error_code failure;
    if (!node) {
      failure = node.error();
    } else {
      auto v = (*node)->version_for(key_of(protocol::api_key::incremental_alter_configs));
      if (!v) co_return unexpected(v.error());
      auto req = build_incremental_alter_configs_request(batch, validate_only);
      auto resp = co_await (*node)->call<protocol::incremental_alter_configs_response>(*v, std::move(req),
                                                                                     _options.request_timeout);
      if (!resp) {
        failure = resp.error();
        (*node)->close();
      } else {
        for (auto& r : read_incremental_alter_configs_response(*resp)) answered.push_back(std::move(r));
      }
    }
    if (failure) {
      for (const auto& r : batch) answered.push_back({r.type, r.name, failure, failure.message()});
    }
  }
  // Back in the caller's order; a resource the broker did not answer for is an error.
  std::vector<config_resource_result> out;
  for (const auto& r : resources) {
    auto it = std::find_if(answered.begin(), answered.end(),
                           [&](const config_resource_result& a) { return a.type == r.type && a.name == r.name; });
    if (it == answered.end()) {
      auto missing = make_error_code(client_errc::malformed_response);
      out.push_back({r.type, r.name, missing, missing.message()});
    } else {
      out.push_back(*it);
    }
  }
  co_return out;
}

asio::awaitable<result<std::vector<std::string>>> client::list_topics(bool include_internal) {
  std::optional<std::vector<std::string>> all;
  auto md = co_await refresh_metadata(all, false);
  if (!md) co_return unexpected(md.error());
  std::vector<std::string> out;
  for (const auto& [name, t] : md->topics) {
    if (t.error || (t.is_internal && !include_internal)) continue;
    out.push_back(name);  // std::map: sorted
  }
  co_return out;
}

asio::awaitable<result<std::vector<topic_description>>> client::describe_topics(std::vector<std::string> topics,
                                                                                bool with_configs) {
  std::optional<std::vector<std::string>> wanted(topics);
  auto md = co_await refresh_metadata(wanted, false);
  if (!md) co_return unexpected(md.error());
  std::vector<topic_description> out;
  for (const auto& name : topics) {
    const auto* t = md->find_topic(name);
    if (t == nullptr) co_return unexpected(kafka_error(protocol::error_code::unknown_topic_or_partition));
    if (t->error) co_return unexpected(t->error);
    out.push_back({*t, {}});
  }
  if (!with_configs || topics.empty()) co_return out;
  auto described = co_await describe_topic_configs(topics);
  if (!described) co_return unexpected(described.error());
  for (auto& d : *described) {
    if (d.error) co_return unexpected(d.error);
    for (auto& desc : out) {
      if (desc.topic.name != d.topic) continue;
      for (auto& e : d.entries) {
        if (!e.is_default) desc.configs.push_back(std::move(e));
      }
    }
  }
  co_return out;
}

} // namespace gregor::client
