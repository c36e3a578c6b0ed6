#pragma once
// Request bodies and response readers for the APIs the client uses, at a given (negotiated)
// version. Pure functions with no I/O, so the version-dependent rules are unit-testable:
// Metadata v0 "empty list = all topics" vs v1+ "null = all", CreateTopics defaults (-1) only from
// v4, DeleteTopics v6 names topics in structs, DescribeConfigs v0 is_default vs v1+ sources.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gregor/client/types.h"
#include "gregor/common/result.h"
#include "gregor/protocol/messages/create_partitions.h"
#include "gregor/protocol/messages/create_topics.h"
#include "gregor/protocol/messages/delete_topics.h"
#include "gregor/protocol/messages/describe_configs.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/messages/metadata.h"
#include "gregor/protocol/messages/produce.h"

namespace gregor::client {

// `topics` nullopt = every topic.
protocol::metadata_request build_metadata_request(int16_t version, const std::optional<std::vector<std::string>>& topics,
                                                  bool allow_auto_topic_creation);

// invalid_argument when a topic relies on broker defaults (-1) below v4, or mixes a manual
// assignment with a partition count / replication factor.
result<protocol::create_topics_request> build_create_topics_request(int16_t version, const std::vector<new_topic>& topics,
                                                                    int32_t timeout_ms, bool validate_only);
std::vector<topic_result> read_create_topics_response(const protocol::create_topics_response& r);

protocol::delete_topics_request build_delete_topics_request(int16_t version, const std::vector<std::string>& topics,
                                                            int32_t timeout_ms);
std::vector<topic_result> read_delete_topics_response(const protocol::delete_topics_response& r);

protocol::create_partitions_request build_create_partitions_request(const std::vector<new_partitions>& topics,
                                                                    int32_t timeout_ms, bool validate_only);
std::vector<topic_result> read_create_partitions_response(const protocol::create_partitions_response& r);

// Resource type 2 (topic), all keys, no synonyms.
protocol::describe_configs_request build_describe_topic_configs_request(const std::vector<std::string>& topics);
// Entries of one result; `version` decides how is_default is derived.
std::vector<config_entry> read_config_entries(int16_t version,
                                              const protocol::describe_configs_response::describe_configs_result& r);

// One batch per partition (Produce v3+). The batches' bytes are copied into the request.
protocol::produce_request build_produce_request(int16_t acks, int32_t timeout_ms,
                                                const std::vector<const produce_batch*>& batches);

// A full (sessionless) fetch of one topic's partitions from the given offsets, by topic name
// (versions 4-12).
protocol::fetch_request build_fetch_request(int16_t version, const std::string& topic,
                                            const std::map<int32_t, int64_t>& offsets, const fetch_options& o);

protocol::list_offsets_request build_list_offsets_request(int16_t version, const std::string& topic,
                                                          const std::vector<int32_t>& partitions, int64_t timestamp,
                                                          isolation_level isolation);

struct decoded_fetch {
  std::vector<consumer_record> records;
  int64_t next_offset = 0;  // one past the last whole batch seen, and never below fetch_offset
};

// Decodes the records of one partition's fetched blob: whole v2 batches in order (a trailing
// partial batch is ignored), control batches skipped, records below `fetch_offset` dropped
// (a fetch returns whole batches). Legacy magic 0/1 entries are skipped too: this broker stores
// only v2. Fails on a corrupt batch (CRC, structure).
result<decoded_fetch> decode_fetched_records(bytes_view blob, int64_t fetch_offset);

} // namespace gregor::client
