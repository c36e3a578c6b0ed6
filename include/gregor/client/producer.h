#pragma once
// producer — batches records per partition (record::batch_builder, one compression codec) and
// sends them through a client. Partition choice: explicit, else murmur2 of the key (as Java's
// producer), else "sticky": all keyless records go to one partition until its batch is sent, then
// the next partition in turn.
//
// Delivery: a partition's batch is sent once it reaches batch_size bytes, and every open batch on
// flush(). Sends wait for the acks (unless acks = 0) and are retried by the client until
// delivery_timeout. The first failed batch fails the call that sent it (send() or flush()); the
// records of that batch are lost, as with Kafka's producer.
//
// Threading: like client — not thread-safe; use from coroutines on the client's executor, one call
// at a time. The client must outlive the producer.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gregor/client/client.h"
#include "gregor/common/topic_partition.h"
#include "gregor/compression/codec.h"
#include "gregor/record/batch_builder.h"

namespace gregor::client {

struct producer_options {
  int16_t acks = -1;  // 0, 1 or -1 (all)
  compression::codec codec = compression::codec::none;
  size_t batch_size = 16384;  // bytes of records per partition batch before it is sent
  std::chrono::milliseconds delivery_timeout{120'000};
  // Largest record accepted by send() (Kafka's max.request.size); larger ones fail at once with
  // MESSAGE_TOO_LARGE instead of being sent.
  size_t max_request_size = 1048576;
  // How long send() waits for a topic's metadata (Kafka's max.block.ms).
  std::chrono::milliseconds max_block{60'000};
  bool allow_auto_topic_creation = true;
};

// Why a send failed, for the operator.
struct produce_failure {
  std::string topic;
  int32_t partition = -1;
  std::error_code error;
  std::string message;
  size_t records = 0;  // records lost with the failed batch
};

class producer {
public:
  producer(client& c, producer_options options);

  // Queues one record (timestamp -1 = now). Sends the partition's batch when it is full.
  // Errors: the topic's metadata could not be loaded within max_block (the last Kafka error, e.g.
  // UNKNOWN_TOPIC_OR_PARTITION; last_failure() is not set then), an invalid explicit partition
  // (unknown_partition), or a failed send (see last_failure()).
  asio::awaitable<result<void>> send(std::string topic, std::optional<bytes> key, std::optional<bytes> value,
                                     std::optional<int32_t> partition = std::nullopt, int64_t timestamp = -1);

  // Sends every open batch and waits for the acks.
  asio::awaitable<result<void>> flush();

  // Records acknowledged so far (sent, with acks = 0).
  uint64_t records_acknowledged() const { return _acknowledged; }
  // Details of the most recent failed batch.
  const std::optional<produce_failure>& last_failure() const { return _failure; }

private:
  asio::awaitable<result<int32_t>> partition_count(std::string topic);
  asio::awaitable<result<void>> send_batches(bool only_full);

  struct open_batch {
    std::unique_ptr<record::batch_builder> builder;
  };

  client& _client;
  producer_options _options;
  std::map<topic_partition, open_batch> _open;
  std::map<std::string, int32_t> _sticky;  // topic -> partition of keyless records
  uint64_t _acknowledged = 0;
  std::optional<produce_failure> _failure;
};

} // namespace gregor::client
