// Data operations: Produce and ListOffsets (routed to leaders, retried), Fetch (one round).

#include <algorithm>
#include <deque>
#include <set>

#include "gregor/client/client.h"
#include "gregor/client/errc.h"
#include "gregor/client/request_builders.h"
#include "gregor/protocol/api.h"
#include "deadline.h"
#include "node_connection.h"

namespace gregor::client {

namespace {

int16_t data_key_of(protocol::api_key k) { return static_cast<int16_t>(k); }

// Why a partition cannot be routed: the topic is unknown, or it has no leader.
std::error_code routing_error(const cluster_metadata& md, const std::string& topic, int32_t partition) {
  const auto* t = md.find_topic(topic);
  if (t == nullptr) return kafka_error(protocol::error_code::unknown_topic_or_partition);
  if (t->error) return t->error;
  const auto* p = md.find_partition(topic, partition);
  if (p == nullptr) return kafka_error(protocol::error_code::unknown_topic_or_partition);
  if (p->error) return p->error;
  return make_error_code(client_errc::no_leader);
}

} // namespace

asio::awaitable<std::vector<produce_result>> client::produce_to_leader(int32_t leader, std::vector<produce_batch> batches,
                                                                       int16_t acks, std::chrono::milliseconds timeout) {
  std::vector<produce_result> out;
  for (const auto& b : batches) out.push_back({b.topic, b.partition, {}, -1, {}});
  auto fail_all = [&out](std::error_code ec) {
    for (auto& r : out) r.error = ec;
  };
  auto node = co_await connection_to(leader);
  if (!node) {
    fail_all(node.error());
    co_return out;
  }
  auto v = (*node)->version_for(data_key_of(protocol::api_key::produce));
  if (!v) {
    fail_all(v.error());
    co_return out;
  }
  std::vector<const produce_batch*> ptrs;
  for (const auto& b : batches) ptrs.push_back(&b);
  // The broker waits up to timeout_ms for the acks (acks = -1); like Java's request.timeout.ms it
  // is bounded by the per-request timeout, not by the whole delivery deadline.
  const auto ack_wait = std::min(timeout, _options.request_timeout);
  auto req = build_produce_request(acks, to_timeout_ms(ack_wait), ptrs);
  if (acks == 0) {
    auto sent = co_await (*node)->send_only(*v, std::move(req));
    if (!sent) {
      (*node)->close();
      fail_all(sent.error());
    }
    co_return out;
  }
  auto round_trip = ack_wait + _options.request_timeout;
  auto resp = co_await (*node)->call<protocol::produce_response>(*v, std::move(req), round_trip);
  if (!resp) {
    (*node)->close();
    fail_all(resp.error());
    co_return out;
  }
  for (auto& r : out) {
    r.error = make_error_code(client_errc::malformed_response);
    for (const auto& t : resp->responses) {
      if (t.name != r.topic) continue;
      for (const auto& p : t.partition_responses) {
        if (p.index != r.partition) continue;
        r.error = kafka_error(p.error_code);
        r.base_offset = p.base_offset;
        r.message = p.error_message.value_or("");
      }
    }
  }
  co_return out;
}

asio::awaitable<result<std::vector<produce_result>>> client::produce(std::vector<produce_batch> batches, int16_t acks,
                                                                     std::chrono::milliseconds timeout) {
  if (acks != 0 && acks != 1 && acks != -1) co_return unexpected(make_error_code(client_errc::invalid_argument));
  const auto deadline = clock_type::now() + timeout;
  std::vector<produce_result> results;
  std::map<std::pair<std::string, int32_t>, std::deque<size_t>> queues;  // per partition, in order
  std::set<std::string> topics;
  for (size_t i = 0; i < batches.size(); ++i) {
    results.push_back({batches[i].topic, batches[i].partition, {}, -1, {}});
    queues[{batches[i].topic, batches[i].partition}].push_back(i);
    topics.insert(batches[i].topic);
  }
  if (!_bootstrapped) {
    auto b = co_await bootstrap();
    if (!b) co_return unexpected(b.error());
  }
  bool refresh = std::any_of(topics.begin(), topics.end(), [&](const std::string& t) { return _metadata.find_topic(t) == nullptr; });
  while (!queues.empty()) {
    if (refresh) {
      std::optional<std::vector<std::string>> wanted(std::in_place, topics.begin(), topics.end());
      auto md = co_await refresh_metadata(wanted, true);
      (void)md;  // failures show up as routing errors below
      refresh = false;
    }
    // One round: the oldest outstanding batch of every partition, grouped by leader.
    std::map<int32_t, std::vector<size_t>> by_leader;
    std::map<size_t, std::error_code> unroutable;
    for (const auto& [tp, q] : queues) {
      int32_t leader = _metadata.leader_of(tp.first, tp.second);
      if (leader < 0 || _metadata.find_broker(leader) == nullptr) {
        unroutable[q.front()] = routing_error(_metadata, tp.first, tp.second);
      } else {
        by_leader[leader].push_back(q.front());
      }
    }
    std::map<size_t, produce_result> outcomes;
    for (const auto& [i, ec] : unroutable) outcomes[i] = produce_result{batches[i].topic, batches[i].partition, ec, -1, {}};
    for (const auto& [leader, indexes] : by_leader) {
      std::vector<produce_batch> copies;
      for (size_t i : indexes) copies.push_back(batches[i]);
      auto left = std::max(remaining(deadline), std::chrono::milliseconds(1));
      auto answers = co_await produce_to_leader(leader, std::move(copies), acks, left);
      for (size_t k = 0; k < indexes.size(); ++k) outcomes[indexes[k]] = std::move(answers[k]);
    }
    const bool expired = clock_type::now() >= deadline;
    for (auto& [i, r] : outcomes) {
      auto& q = queues[{batches[i].topic, batches[i].partition}];
      if (r.error && is_retriable(r.error) && !expired) {
        refresh = true;
        results[i] = std::move(r);  // kept as the last error, in case the deadline passes
        continue;
      }
      results[i] = std::move(r);
      q.pop_front();
    }
    std::erase_if(queues, [](const auto& kv) { return kv.second.empty(); });
    if (!queues.empty() && refresh) co_await sleep(_options.retry_backoff);
  }
  co_return results;
}

asio::awaitable<result<std::map<int32_t, int64_t>>> client::list_offsets(std::string topic, std::vector<int32_t> partitions,
                                                                         int64_t timestamp, isolation_level isolation) {
  const auto deadline = clock_type::now() + _options.request_timeout;
  if (!_bootstrapped) {
    auto b = co_await bootstrap();
    if (!b) co_return unexpected(b.error());
  }
  std::set<int32_t> pending(partitions.begin(), partitions.end());
  std::map<int32_t, int64_t> out;
  bool refresh = _metadata.find_topic(topic) == nullptr;
  std::error_code last;
  for (;;) {
    if (refresh) {
      std::optional<std::vector<std::string>> wanted(std::in_place, 1, topic);
      auto md = co_await refresh_metadata(wanted, false);
      (void)md;
      refresh = false;
    }
    std::map<int32_t, std::vector<int32_t>> by_leader;
    for (int32_t p : pending) {
      int32_t leader = _metadata.leader_of(topic, p);
      if (leader < 0 || _metadata.find_broker(leader) == nullptr) {
        last = routing_error(_metadata, topic, p);
        refresh = true;
      } else {
        by_leader[leader].push_back(p);
      }
    }
    for (const auto& [leader, parts] : by_leader) {
      auto node = co_await connection_to(leader);
      if (!node) {
        last = node.error();
        refresh = true;
        continue;
      }
      auto v = (*node)->version_for(data_key_of(protocol::api_key::list_offsets));
      if (!v) co_return unexpected(v.error());
      auto req = build_list_offsets_request(*v, topic, parts, timestamp, isolation);
      auto resp = co_await (*node)->call<protocol::list_offsets_response>(*v, std::move(req), _options.request_timeout);
      if (!resp) {
        (*node)->close();
        last = resp.error();
        refresh = true;
        continue;
      }
      for (const auto& t : resp->topics) {
        if (t.name != topic) continue;
        for (const auto& p : t.partitions) {
          if (pending.count(p.partition_index) == 0) continue;
          auto ec = kafka_error(p.error_code);
          if (!ec) {
            out[p.partition_index] = p.offset;
            pending.erase(p.partition_index);
          } else if (is_retriable(ec)) {
            last = ec;
            refresh = true;
          } else {
            co_return unexpected(ec);
          }
        }
      }
    }
    if (pending.empty()) co_return out;
    if (clock_type::now() >= deadline) {
      co_return unexpected(last ? last : make_error_code(client_errc::timed_out));
    }
    co_await sleep(_options.retry_backoff);
  }
}

asio::awaitable<std::vector<fetched_partition>> client::fetch_from_leader(int32_t leader, std::string topic,
                                                                          std::map<int32_t, int64_t> offsets,
                                                                          fetch_options options) {
  std::vector<fetched_partition> out;
  auto fail_all = [&](std::error_code ec) {
    for (const auto& [p, offset] : offsets) {
      fetched_partition f;
      f.partition = p;
      f.error = ec;
      f.next_offset = offset;
      out.push_back(std::move(f));
    }
  };
  auto node = co_await connection_to(leader);
  if (!node) {
    fail_all(node.error());
    co_return out;
  }
  auto v = (*node)->version_for(data_key_of(protocol::api_key::fetch));
  if (!v) {
    fail_all(v.error());
    co_return out;
  }
  auto req = build_fetch_request(*v, topic, offsets, options);
  auto round_trip = std::chrono::milliseconds(std::max(0, options.max_wait_ms)) + _options.request_timeout;
  auto resp = co_await (*node)->call<protocol::fetch_response>(*v, std::move(req), round_trip);
  if (!resp) {
    (*node)->close();
    fail_all(resp.error());
    co_return out;
  }
  if (resp->error_code != 0) {
    fail_all(kafka_error(resp->error_code));
    co_return out;
  }
  for (const auto& t : resp->responses) {
    if (t.topic != topic) continue;
    for (const auto& p : t.partitions) {
      auto requested = offsets.find(p.partition_index);
      if (requested == offsets.end()) continue;
      fetched_partition f;
      f.partition = p.partition_index;
      f.error = kafka_error(p.error_code);
      f.high_watermark = p.high_watermark;
      f.last_stable_offset = p.last_stable_offset;
      f.log_start_offset = p.log_start_offset;
      f.next_offset = requested->second;
      if (!f.error && p.records && !p.records->empty()) {
        bytes blob = p.records->linearize();
        auto decoded = decode_fetched_records(blob, requested->second);
        if (!decoded) {
          f.error = kafka_error(protocol::error_code::corrupt_message);
        } else {
          f.records = std::move(decoded->records);
          f.next_offset = decoded->next_offset;
        }
      }
      offsets.erase(requested);
      out.push_back(std::move(f));
    }
  }
  // Partitions the broker left out of its answer are fetched again next round from the same offset.
  for (const auto& [p, offset] : offsets) {
    fetched_partition f;
    f.partition = p;
    f.next_offset = offset;
    out.push_back(std::move(f));
  }
  co_return out;
}

asio::awaitable<result<std::vector<fetched_partition>>> client::fetch(std::string topic, std::map<int32_t, int64_t> offsets,
                                                                      fetch_options options) {
  if (!_bootstrapped) {
    auto b = co_await bootstrap();
    if (!b) co_return unexpected(b.error());
  }
  std::vector<fetched_partition> out;
  std::map<int32_t, std::map<int32_t, int64_t>> by_leader;
  for (const auto& [p, offset] : offsets) {
    int32_t leader = _metadata.leader_of(topic, p);
    if (leader < 0 || _metadata.find_broker(leader) == nullptr) {
      fetched_partition f;
      f.partition = p;
      f.error = routing_error(_metadata, topic, p);
      f.next_offset = offset;
      out.push_back(std::move(f));
    } else {
      by_leader[leader][p] = offset;
    }
  }
  for (auto& [leader, parts] : by_leader) {
    auto got = co_await fetch_from_leader(leader, topic, std::move(parts), options);
    for (auto& f : got) out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.partition < b.partition; });
  co_return out;
}

} // namespace gregor::client
