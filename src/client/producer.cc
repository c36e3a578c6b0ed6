#include "gregor/client/producer.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gregor/client/errc.h"
#include "gregor/client/partitioner.h"

namespace gregor::client {

namespace {
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
} // namespace

producer::producer(client& c, producer_options options) : _client(c), _options(options) {}

asio::awaitable<result<int32_t>> producer::partition_count(std::string topic) {
  const auto deadline = std::chrono::steady_clock::now() + _options.max_block;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::error_code last = kafka_error(protocol::error_code::unknown_topic_or_partition);
  for (;;) {
    const auto* t = _client.metadata().find_topic(topic);
    if (t != nullptr && !t->error && !t->partitions.empty()) co_return static_cast<int32_t>(t->partitions.size());
    if (t != nullptr && t->error) last = t->error;
    if (std::chrono::steady_clock::now() >= deadline) co_return unexpected(last);
    std::optional<std::vector<std::string>> wanted(std::in_place, 1, topic);
    auto md = co_await _client.refresh_metadata(wanted, _options.allow_auto_topic_creation);
    if (!md) {
      last = md.error();
      if (!is_retriable(last) && last != client_errc::no_broker_reachable) co_return unexpected(last);
    } else {
      const auto* fresh = md->find_topic(topic);
      if (fresh != nullptr && !fresh->error && !fresh->partitions.empty()) {
        co_return static_cast<int32_t>(fresh->partitions.size());
      }
      if (fresh != nullptr && fresh->error) {
        last = fresh->error;
        if (!is_retriable(last)) co_return unexpected(last);
      }
    }
    timer.expires_after(_client.options().retry_backoff);
    boost::system::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<result<void>> producer::send(std::string topic, std::optional<bytes> key, std::optional<bytes> value,
                                             std::optional<int32_t> partition, int64_t timestamp) {
  // Key, value and the record's own framing (length, attributes, deltas, header count).
  const size_t record_size = (key ? key->size() : 0) + (value ? value->size() : 0) + 21;
  if (record_size > _options.max_request_size) {
    auto ec = kafka_error(protocol::error_code::message_too_large);
    _failure = produce_failure{topic, partition.value_or(-1), ec,
                               "The message is " + std::to_string(record_size) +
                                   " bytes when serialized which is larger than " +
                                   std::to_string(_options.max_request_size) +
                                   ", which is the value of the max.request.size configuration.",
                               1};
    co_return unexpected(ec);
  }
  auto count = co_await partition_count(topic);
  if (!count) co_return unexpected(count.error());
  int32_t p = 0;
  if (partition) {
    if (*partition < 0 || *partition >= *count) co_return unexpected(make_error_code(client_errc::unknown_partition));
    p = *partition;
  } else if (key) {
    p = partition_for_key(*key, *count);
  } else {
    auto [it, inserted] = _sticky.try_emplace(topic, 0);
    if (inserted) it->second = static_cast<int32_t>(now_ms() % *count);
    p = it->second % *count;
  }
  topic_partition tp{topic, p};
  auto& batch = _open[tp];
  if (!batch.builder) batch.builder = std::make_unique<record::batch_builder>(_options.codec);
  std::optional<bytes_view> k;
  std::optional<bytes_view> v;
  if (key) k = bytes_view(*key);
  if (value) v = bytes_view(*value);
  batch.builder->add(timestamp < 0 ? now_ms() : timestamp, k, v);
  const size_t records_bytes = batch.builder->estimated_size() - record::batch_header_size;
  if (records_bytes < _options.batch_size) co_return result<void>{};
  // The partition's batch is full: keyless records move on to the next partition.
  if (!key && !partition) _sticky[topic] = (p + 1) % *count;
  co_return co_await send_batches(true);
}

asio::awaitable<result<void>> producer::flush() { co_return co_await send_batches(false); }

asio::awaitable<result<void>> producer::send_batches(bool only_full) {
  std::vector<produce_batch> batches;
  for (auto it = _open.begin(); it != _open.end();) {
    auto& builder = *it->second.builder;
    const size_t records_bytes = builder.estimated_size() - record::batch_header_size;
    if (builder.record_count() == 0 || (only_full && records_bytes < _options.batch_size)) {
      ++it;
      continue;
    }
    batches.push_back({it->first.topic, it->first.partition, builder.build(), builder.record_count()});
    it = _open.erase(it);
  }
  if (batches.empty()) co_return result<void>{};
  auto results = co_await _client.produce(batches, _options.acks, _options.delivery_timeout);
  if (!results) {
    size_t lost = 0;
    for (const auto& b : batches) lost += b.record_count;
    _failure = produce_failure{batches.front().topic, batches.front().partition, results.error(), {}, lost};
    co_return unexpected(results.error());
  }
  std::optional<std::error_code> first_error;
  for (size_t i = 0; i < results->size(); ++i) {
    const auto& r = (*results)[i];
    if (!r.error) {
      _acknowledged += batches[i].record_count;
      continue;
    }
    _failure = produce_failure{r.topic, r.partition, r.error, r.message, batches[i].record_count};
    if (!first_error) first_error = r.error;
  }
  if (first_error) co_return unexpected(*first_error);
  co_return result<void>{};
}

} // namespace gregor::client
