// Topic-level keys (Kafka 3.x LogConfig), with Kafka's types, defaults and validators.

#include <algorithm>

#include "gregor/config/config_def.h"
#include "registry_helpers.h"

namespace gregor::config {
namespace {

using namespace registry_helpers;

std::vector<config_def> build_topic_defs() {
  const char* long_max = "9223372036854775807";
  std::vector<config_def> v = {
      d("cleanup.policy", LIST, "delete", each_one_of({"compact", "delete"}), ACT),
      d("compression.type", STR, "producer", one_of({"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}), ACT),
      d("delete.retention.ms", LONG, "86400000", at_least(0), ACT),
      d("file.delete.delay.ms", LONG, "60000", at_least(0), ACT),
      d("flush.messages", LONG, long_max, at_least(1), ACT),
      d("flush.ms", LONG, long_max, at_least(0), ACT),
      d("follower.replication.throttled.replicas", LIST, "", throttled_replicas(), 0),
      d("index.interval.bytes", INT, "4096", at_least(0), ACT),
      d("leader.replication.throttled.replicas", LIST, "", throttled_replicas(), 0),
      d("local.retention.bytes", LONG, "-2", at_least(-2), 0),
      d("local.retention.ms", LONG, "-2", at_least(-2), 0),
      d("max.compaction.lag.ms", LONG, long_max, at_least(1), ACT),
      d("max.message.bytes", INT, "1048588", at_least(0), ACT),
      d("message.downconversion.enable", BOOL, "true", none(), 0),
      d("message.format.version", STR, "3.0-IV1", none(), 0),
      d("message.timestamp.after.max.ms", LONG, long_max, at_least(0), 0),
      d("message.timestamp.before.max.ms", LONG, long_max, at_least(0), 0),
      d("message.timestamp.difference.max.ms", LONG, long_max, at_least(0), ACT),
      d("message.timestamp.type", STR, "CreateTime", one_of({"CreateTime", "LogAppendTime"}), ACT),
      d("min.cleanable.dirty.ratio", DBL, "0.5", between(0, 1), ACT),
      d("min.compaction.lag.ms", LONG, "0", at_least(0), ACT),
      d("min.insync.replicas", INT, "1", at_least(1), ACT),
      d("preallocate", BOOL, "false", none(), ACT),
      d("remote.storage.enable", BOOL, "false", none(), 0),
      d("retention.bytes", LONG, "-1", none(), ACT),
      d("retention.ms", LONG, "604800000", at_least(-1), ACT),
      d("segment.bytes", INT, "1073741824", at_least(14), ACT),
      d("segment.index.bytes", INT, "10485760", at_least(4), ACT),
      d("segment.jitter.ms", LONG, "0", at_least(0), ACT),
      d("segment.ms", LONG, "604800000", at_least(1), ACT),
      d("unclean.leader.election.enable", BOOL, "false", none(), ACT),
  };
  std::sort(v.begin(), v.end(), [](const config_def& a, const config_def& b) { return a.name < b.name; });
  return v;
}

}  // namespace

std::span<const config_def> topic_config_defs() {
  static const std::vector<config_def> defs = build_topic_defs();
  return defs;
}

const config_def* find_topic_config(std::string_view name) {
  auto defs = topic_config_defs();
  auto it = std::lower_bound(defs.begin(), defs.end(), name,
                             [](const config_def& d, std::string_view n) { return d.name < n; });
  return (it != defs.end() && it->name == name) ? &*it : nullptr;
}

}  // namespace gregor::config
