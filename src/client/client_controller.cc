// Requests the controller answers: ElectLeaders, AlterPartitionReassignments and
// ListPartitionReassignments, each sent to the controller of the last Metadata and retried when
// the controller moved (NOT_CONTROLLER), is unknown, or its connection failed.

#include <algorithm>

#include "gregor/client/client.h"
#include "gregor/client/controller_requests.h"
#include "gregor/client/errc.h"
#include "deadline.h"
#include "node_connection.h"

namespace gregor::client {

namespace {

// Failures after which another attempt (after a metadata refresh) may succeed.
bool worth_retrying(const std::error_code& ec) {
  return ec == kafka_error(protocol::error_code::not_controller) || ec == client_errc::no_controller ||
         (ec.category() != kafka_category() && is_retriable(ec));
}

} // namespace

template <class Resp, class Build, class Read>
auto client::controller_call(std::chrono::milliseconds timeout, const Build& build, const Read& read)
  -> asio::awaitable<std::invoke_result_t<const Read&, const Resp&>> {
  const auto deadline = clock_type::now() + timeout;
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
        auto v = (*node)->version_for(Resp::api_key_value);
        if (!v) co_return unexpected(v.error());
        auto req = build(*v);
        if (!req) co_return unexpected(req.error());
        const auto round_trip = remaining(deadline) + _options.request_timeout;
        auto resp = co_await (*node)->template call<Resp>(*v, std::move(*req), round_trip);
        if (!resp) {
          failure = resp.error();
          (*node)->close();
        } else {
          auto out = read(*resp);
          if (out || out.error() != not_controller) co_return out;
          failure = out.error();
        }
      }
    }
    if (!worth_retrying(failure) || clock_type::now() >= deadline) {
      if (failure == not_controller) failure = make_error_code(client_errc::no_controller);
      co_return unexpected(failure);
    }
    co_await sleep(_options.retry_backoff);
    std::optional<std::vector<std::string>> all;
    auto refreshed = co_await refresh_metadata(all, false);
    (void)refreshed;  // a failed refresh is retried by the next round, until the deadline
  }
}

asio::awaitable<result<std::map<topic_partition, partition_outcome>>> client::elect_leaders(
  election_type type, std::optional<std::vector<topic_partition>> partitions, std::chrono::milliseconds timeout) {
  const int32_t timeout_ms = to_timeout_ms(timeout);
  auto build = [&](int16_t version) { return build_elect_leaders_request(version, type, partitions, timeout_ms); };
  auto read = [](const protocol::elect_leaders_response& r) { return read_elect_leaders_response(r); };
  co_return co_await controller_call<protocol::elect_leaders_response>(timeout, build, read);
}

asio::awaitable<result<std::map<topic_partition, partition_outcome>>> client::alter_partition_reassignments(
  std::map<topic_partition, std::optional<std::vector<int32_t>>> targets, std::chrono::milliseconds timeout) {
  const int32_t timeout_ms = to_timeout_ms(timeout);
  auto build = [&](int16_t) -> result<protocol::alter_partition_reassignments_request> {
    return build_alter_partition_reassignments_request(targets, timeout_ms);
  };
  auto read = [](const protocol::alter_partition_reassignments_response& r) {
    return read_alter_partition_reassignments_response(r);
  };
  co_return co_await controller_call<protocol::alter_partition_reassignments_response>(timeout, build, read);
}

asio::awaitable<result<std::map<topic_partition, ongoing_reassignment>>> client::list_partition_reassignments(
  std::optional<std::vector<topic_partition>> partitions, std::chrono::milliseconds timeout) {
  const int32_t timeout_ms = to_timeout_ms(timeout);
  auto build = [&](int16_t) -> result<protocol::list_partition_reassignments_request> {
    return build_list_partition_reassignments_request(partitions, timeout_ms);
  };
  auto read = [](const protocol::list_partition_reassignments_response& r) {
    return read_list_partition_reassignments_response(r);
  };
  co_return co_await controller_call<protocol::list_partition_reassignments_response>(timeout, build, read);
}

} // namespace gregor::client
