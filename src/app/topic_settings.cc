#include "topic_settings.h"

#include <charconv>

#include "gregor/common/logger.h"
#include "gregor/config/topic_config.h"

namespace gregor::app {

namespace {

template <typename T>
void parse_number(const std::map<std::string, std::string>& values, const char* key, T& out) {
  auto it = values.find(key);
  if (it == values.end()) return;
  T v{};
  auto [ptr, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
  if (ec == std::errc{} && ptr == it->second.data() + it->second.size()) {
    out = v;
  } else {
    get_logger("config")->warn("ignoring unparsable topic config {}={}", key, it->second);
  }
}

} // namespace

replication::topic_config effective_topic_config(const config::broker_config& broker,
                                                 const std::map<std::string, std::string>& overrides) {
  auto values = config::topic_defaults_from(broker);
  for (const auto& [k, v] : overrides) values[k] = v;

  replication::topic_config out;
  auto& log = out.log;
  parse_number(values, "segment.bytes", log.segment_bytes);
  parse_number(values, "segment.ms", log.segment_ms);
  parse_number(values, "segment.jitter.ms", log.segment_jitter_ms);
  parse_number(values, "index.interval.bytes", log.index_interval_bytes);
  parse_number(values, "segment.index.bytes", log.segment_index_bytes);
  parse_number(values, "max.message.bytes", log.max_message_bytes);
  parse_number(values, "flush.messages", log.flush_messages);
  parse_number(values, "flush.ms", log.flush_ms);
  parse_number(values, "retention.ms", log.retention_ms);
  parse_number(values, "retention.bytes", log.retention_bytes);
  parse_number(values, "file.delete.delay.ms", log.file_delete_delay_ms);
  parse_number(values, "delete.retention.ms", log.delete_retention_ms);
  parse_number(values, "min.compaction.lag.ms", log.min_compaction_lag_ms);
  parse_number(values, "max.compaction.lag.ms", log.max_compaction_lag_ms);
  parse_number(values, "min.cleanable.dirty.ratio", log.min_cleanable_dirty_ratio);
  log.producer_id_expiration_ms = broker.producer_id_expiration_ms();
  if (auto it = values.find("preallocate"); it != values.end()) log.preallocate = it->second == "true";
  if (auto it = values.find("cleanup.policy"); it != values.end()) log.cleanup_policy = it->second;
  parse_number(values, "min.insync.replicas", out.min_insync_replicas);
  parse_number(values, "message.timestamp.difference.max.ms", out.message_timestamp_difference_max_ms);
  if (auto it = values.find("message.timestamp.type"); it != values.end()) out.message_timestamp_type = it->second;
  if (auto it = values.find("compression.type"); it != values.end()) out.compression_type = it->second;
  if (auto it = values.find("message.downconversion.enable"); it != values.end()) {
    out.message_downconversion_enable = it->second == "true";
  }
  return out;
}

} // namespace gregor::app
