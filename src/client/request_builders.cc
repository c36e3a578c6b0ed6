#include "gregor/client/request_builders.h"

#include <algorithm>

#include "gregor/client/errc.h"
#include "gregor/record/batch_header.h"

namespace gregor::client {

protocol::metadata_request build_metadata_request(int16_t version, const std::optional<std::vector<std::string>>& topics,
                                                  bool allow_auto_topic_creation) {
  protocol::metadata_request req;
  if (!topics) {
    // v0 has no null list: an empty one means "all topics" there.
    if (version >= 1) {
      req.topics = std::nullopt;
    } else {
      req.topics.emplace();
    }
  } else {
    req.topics.emplace();
    for (const auto& name : *topics) {
      auto& t = req.topics->emplace_back();
      t.name = name;
    }
  }
  req.allow_auto_topic_creation = allow_auto_topic_creation;
  return req;
}

result<protocol::create_topics_request> build_create_topics_request(int16_t version, const std::vector<new_topic>& topics,
                                                                    int32_t timeout_ms, bool validate_only) {
  protocol::create_topics_request req;
  req.timeout_ms = timeout_ms;
  req.validate_only = validate_only;
  for (const auto& t : topics) {
    bool manual = !t.assignment.empty();
    if (manual && (t.partitions != -1 || t.replication_factor != -1)) {
      return unexpected(make_error_code(client_errc::invalid_argument));
    }
    if (!manual && version < 4 && (t.partitions < 0 || t.replication_factor < 0)) {
      return unexpected(make_error_code(client_errc::invalid_argument));
    }
    auto& c = req.topics.emplace_back();
    c.name = t.name;
    c.num_partitions = t.partitions;
    c.replication_factor = t.replication_factor;
    for (const auto& [p, replicas] : t.assignment) {
      auto& a = c.assignments.emplace_back();
      a.partition_index = p;
      a.broker_ids = replicas;
    }
    for (const auto& [k, v] : t.configs) {
      auto& e = c.configs.emplace_back();
      e.name = k;
      e.value = v;
    }
  }
  return req;
}

std::vector<topic_result> read_create_topics_response(const protocol::create_topics_response& r) {
  std::vector<topic_result> out;
  for (const auto& t : r.topics) out.push_back({t.name, kafka_error(t.error_code), t.error_message.value_or("")});
  return out;
}

protocol::delete_topics_request build_delete_topics_request(int16_t version, const std::vector<std::string>& topics,
                                                            int32_t timeout_ms) {
  protocol::delete_topics_request req;
  req.timeout_ms = timeout_ms;
  for (const auto& name : topics) {
    if (version >= 6) {
      auto& t = req.topics.emplace_back();
      t.name = name;
    } else {
      req.topic_names.push_back(name);
    }
  }
  return req;
}

std::vector<topic_result> read_delete_topics_response(const protocol::delete_topics_response& r) {
  std::vector<topic_result> out;
  for (const auto& t : r.responses) {
    out.push_back({t.name.value_or(t.topic_id.to_base64url()), kafka_error(t.error_code), t.error_message.value_or("")});
  }
  return out;
}

protocol::create_partitions_request build_create_partitions_request(const std::vector<new_partitions>& topics,
                                                                    int32_t timeout_ms, bool validate_only) {
  protocol::create_partitions_request req;
  req.timeout_ms = timeout_ms;
  req.validate_only = validate_only;
  for (const auto& t : topics) {
    auto& c = req.topics.emplace_back();
    c.name = t.topic;
    c.count = t.total_count;
    if (t.assignment.empty()) {
      c.assignments = std::nullopt;
    } else {
      c.assignments.emplace();
      for (const auto& replicas : t.assignment) c.assignments->push_back({replicas});
    }
  }
  return req;
}

std::vector<topic_result> read_create_partitions_response(const protocol::create_partitions_response& r) {
  std::vector<topic_result> out;
  for (const auto& t : r.results) out.push_back({t.name, kafka_error(t.error_code), t.error_message.value_or("")});
  return out;
}

protocol::describe_configs_request build_describe_topic_configs_request(const std::vector<std::string>& topics) {
  constexpr int8_t resource_topic = 2;
  protocol::describe_configs_request req;
  for (const auto& name : topics) {
    auto& r = req.resources.emplace_back();
    r.resource_type = resource_topic;
    r.resource_name = name;
    r.configuration_keys = std::nullopt;  // all
  }
  req.include_synonyms = false;
  return req;
}

std::vector<config_entry> read_config_entries(int16_t version,
                                              const protocol::describe_configs_response::describe_configs_result& r) {
  std::vector<config_entry> out;
  for (const auto& c : r.configs) {
    config_entry e;
    e.name = c.name;
    e.value = c.value;
    e.read_only = c.read_only;
    e.sensitive = c.is_sensitive;
    if (version == 0) {
      e.is_default = c.is_default;
      e.source = config_source::unknown;
    } else {
      e.source = static_cast<config_source>(c.config_source);
      e.is_default = e.source == config_source::default_config;
    }
    out.push_back(std::move(e));
  }
  return out;
}

protocol::produce_request build_produce_request(int16_t acks, int32_t timeout_ms,
                                                const std::vector<const produce_batch*>& batches) {
  protocol::produce_request req;
  req.acks = acks;
  req.timeout_ms = timeout_ms;
  req.transactional_id = std::nullopt;
  for (const auto* b : batches) {
    auto it = std::find_if(req.topic_data.begin(), req.topic_data.end(), [&](const auto& t) { return t.name == b->topic; });
    if (it == req.topic_data.end()) {
      req.topic_data.emplace_back();
      it = req.topic_data.end() - 1;
      it->name = b->topic;
    }
    auto& p = it->partition_data.emplace_back();
    p.index = b->partition;
    p.records.emplace();
    p.records->append(bytes_view(b->batch));
  }
  return req;
}

protocol::fetch_request build_fetch_request(int16_t version, const std::string& topic,
                                            const std::map<int32_t, int64_t>& offsets, const fetch_options& o) {
  protocol::fetch_request req;
  req.replica_id = -1;
  req.max_wait_ms = o.max_wait_ms;
  req.min_bytes = o.min_bytes;
  req.max_bytes = o.max_bytes;
  req.isolation_level = static_cast<int8_t>(o.isolation);
  req.session_id = 0;
  req.session_epoch = -1;  // a full fetch without a session
  (void)version;           // every field used here has the same meaning in v4-12
  auto& t = req.topics.emplace_back();
  t.topic = topic;
  for (const auto& [p, offset] : offsets) {
    auto& fp = t.partitions.emplace_back();
    fp.partition = p;
    fp.fetch_offset = offset;
    fp.log_start_offset = -1;
    fp.partition_max_bytes = o.partition_max_bytes;
  }
  return req;
}

protocol::list_offsets_request build_list_offsets_request(int16_t version, const std::string& topic,
                                                          const std::vector<int32_t>& partitions, int64_t timestamp,
                                                          isolation_level isolation) {
  protocol::list_offsets_request req;
  req.replica_id = -1;
  req.isolation_level = version >= 2 ? static_cast<int8_t>(isolation) : int8_t{0};
  auto& t = req.topics.emplace_back();
  t.name = topic;
  for (int32_t p : partitions) {
    auto& lp = t.partitions.emplace_back();
    lp.partition_index = p;
    lp.timestamp = timestamp;
  }
  return req;
}

result<decoded_fetch> decode_fetched_records(bytes_view blob, int64_t fetch_offset) {
  decoded_fetch out;
  out.next_offset = fetch_offset;
  for (bytes_view entry : record::split_batches(blob)) {
    auto magic = record::peek_magic(entry);
    if (!magic || *magic != record::current_magic) continue;
    auto header = record::parse_batch_header(entry);
    if (!header) continue;
    out.next_offset = std::max(out.next_offset, header->last_offset() + 1);
    if (header->is_control() || header->last_offset() < fetch_offset) continue;
    auto records = record::decode_records(entry);
    if (!records) return unexpected(records.error());
    auto type = header->log_append_time() ? timestamp_type::log_append_time : timestamp_type::create_time;
    for (auto& r : *records) {
      if (r.offset < fetch_offset) continue;
      out.records.push_back({r.offset, r.timestamp, type, std::move(r.key), std::move(r.value), std::move(r.headers)});
    }
  }
  return out;
}

} // namespace gregor::client
