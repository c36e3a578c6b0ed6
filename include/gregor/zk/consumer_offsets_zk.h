#pragma once
// Committed offsets of pre-0.9 clients, kept in ZooKeeper where Kafka's brokers kept them for
// OffsetCommit v0 / OffsetFetch v0: /consumers/<group>/offsets/<topic>/<partition>, the offset as
// decimal text (Kafka's ZkUtils / KafkaZkClient format, also read by Burrow and old tools).
//
// Threading: free functions over a zk::session, which is thread-safe; the session must outlive
// the awaiting coroutine. Not fenced and not transactional, as in Kafka: two committers race and
// the last write wins.

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "gregor/common/result.h"
#include "gregor/common/topic_partition.h"
#include "gregor/zk/session.h"

namespace gregor::zk {

// Writes `offset` to the partition's znode, creating it and its missing parents (null data) when
// absent. Errors: the session's (connection_loss, bad_arguments for a group or topic that makes
// an invalid path, ...).
asio::awaitable<result<void>> set_consumer_offset(session& s, std::string group, topic_partition tp, int64_t offset);

// The stored offset; nullopt when the znode is missing or holds no data. bad_data when its
// content is not a decimal int64 (Kafka fails such a read too).
asio::awaitable<result<std::optional<int64_t>>> get_consumer_offset(session& s, std::string group, topic_partition tp);

// The decimal text Kafka stores, and its parser (an optional sign, then digits only).
std::string encode_consumer_offset(int64_t offset);
std::optional<int64_t> decode_consumer_offset(std::string_view text);

} // namespace gregor::zk
