#include "gregor/config/topic_config.h"

#include <array>

#include "config_value.h"
#include "gregor/config/broker_config.h"
#include "gregor/config/config_def.h"

namespace gregor::config {
namespace {

struct synonym_row {
  std::string_view topic_key;
  std::array<std::string_view, 3> broker_keys;  // most specific first; empty = none
};

// Kafka's ServerTopicConfigSynonyms, restricted to the keys in topic_config_defs().
constexpr std::array<synonym_row, 29> synonym_table{{
    {"cleanup.policy", {"log.cleanup.policy"}},
    {"compression.type", {"compression.type"}},
    {"delete.retention.ms", {"log.cleaner.delete.retention.ms"}},
    {"file.delete.delay.ms", {"log.segment.delete.delay.ms"}},
    {"flush.messages", {"log.flush.interval.messages"}},
    {"flush.ms", {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"}},
    {"index.interval.bytes", {"log.index.interval.bytes"}},
    {"local.retention.bytes", {"log.local.retention.bytes"}},
    {"local.retention.ms", {"log.local.retention.ms"}},
    {"max.compaction.lag.ms", {"log.cleaner.max.compaction.lag.ms"}},
    {"max.message.bytes", {"message.max.bytes"}},
    {"message.downconversion.enable", {"log.message.downconversion.enable"}},
    {"message.format.version", {"log.message.format.version"}},
    {"message.timestamp.after.max.ms", {"log.message.timestamp.after.max.ms"}},
    {"message.timestamp.before.max.ms", {"log.message.timestamp.before.max.ms"}},
    {"message.timestamp.difference.max.ms", {"log.message.timestamp.difference.max.ms"}},
    {"message.timestamp.type", {"log.message.timestamp.type"}},
    {"min.cleanable.dirty.ratio", {"log.cleaner.min.cleanable.ratio"}},
    {"min.compaction.lag.ms", {"log.cleaner.min.compaction.lag.ms"}},
    {"min.insync.replicas", {"min.insync.replicas"}},
    {"preallocate", {"log.preallocate"}},
    {"remote.storage.enable", {}},
    {"retention.bytes", {"log.retention.bytes"}},
    {"retention.ms", {"log.retention.ms", "log.retention.minutes", "log.retention.hours"}},
    {"segment.bytes", {"log.segment.bytes"}},
    {"segment.index.bytes", {"log.index.size.max.bytes"}},
    {"segment.jitter.ms", {"log.roll.jitter.ms", "log.roll.jitter.hours"}},
    {"segment.ms", {"log.roll.ms", "log.roll.hours"}},
    {"unclean.leader.election.enable", {"unclean.leader.election.enable"}},
}};

const synonym_row* find_row(std::string_view key) {
  for (const synonym_row& r : synonym_table) {
    if (r.topic_key == key) return &r;
  }
  return nullptr;
}

// The effective broker-level value for a topic key (trios and fallbacks resolved).
std::optional<std::string> broker_value(const broker_config& b, std::string_view topic_key, std::string_view first) {
  if (topic_key == "retention.ms") return std::to_string(b.log_retention_ms());
  if (topic_key == "segment.ms") return std::to_string(b.log_roll_ms());
  if (topic_key == "segment.jitter.ms") return std::to_string(b.log_roll_jitter_ms());
  if (topic_key == "flush.ms") return std::to_string(b.log_flush_interval_ms());
  return b.get(std::string(first));
}

}  // namespace

std::optional<std::string> topic_key_error(const std::string& key, const std::string& value) {
  const config_def* def = find_topic_config(key);
  if (!def) return "Unknown topic config name: " + key;
  return check_value(*def, value);
}

std::vector<std::string> topic_synonyms(std::string_view topic_key) {
  std::vector<std::string> out;
  if (const synonym_row* r = find_row(topic_key)) {
    for (std::string_view k : r->broker_keys) {
      if (!k.empty()) out.emplace_back(k);
    }
  }
  return out;
}

std::vector<topic_default> describe_topic_defaults(const broker_config& broker) {
  std::vector<topic_default> out;
  for (const config_def& def : topic_config_defs()) {
    topic_default t;
    t.name = std::string(def.name);
    t.sensitive = def.type == config_type::password;
    t.source = "DEFAULT_CONFIG";
    const synonym_row* row = find_row(def.name);
    if (!row || row->broker_keys[0].empty()) {
      t.value = std::string(def.default_value.value_or(""));
    } else {
      t.value = broker_value(broker, def.name, row->broker_keys[0]).value_or(std::string(def.default_value.value_or("")));
      t.synonym = std::string(row->broker_keys[0]);
      for (std::string_view k : row->broker_keys) {
        if (!k.empty() && broker.is_set(std::string(k))) {
          t.source = "STATIC_BROKER_CONFIG";
          t.synonym = std::string(k);
          break;
        }
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::map<std::string, std::string> topic_defaults_from(const broker_config& broker) {
  std::map<std::string, std::string> out;
  for (topic_default& t : describe_topic_defaults(broker)) out.emplace(std::move(t.name), std::move(t.value));
  return out;
}

}  // namespace gregor::config
