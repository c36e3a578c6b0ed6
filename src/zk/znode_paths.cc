// Path builders of Kafka's ZooKeeper layout (ZOOKEEPER-LAYOUT.md §0-§1).

#include <charconv>

#include "gregor/zk/znodes.h"

namespace gregor::zk::paths {

namespace {
std::string join(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + 1 + b.size());
  s.append(a);
  s.push_back('/');
  s.append(b);
  return s;
}
} // namespace

std::string cluster_id() { return "/cluster/id"; }
std::string brokers_ids() { return "/brokers/ids"; }
std::string broker(int32_t id) { return join(brokers_ids(), std::to_string(id)); }
std::string brokers_seqid() { return "/brokers/seqid"; }
std::string brokers_topics() { return "/brokers/topics"; }
std::string topic(std::string_view t) { return join(brokers_topics(), t); }
std::string topic_partitions(std::string_view t) { return join(topic(t), "partitions"); }
std::string partition(std::string_view t, int32_t p) { return join(topic_partitions(t), std::to_string(p)); }
std::string partition_state(std::string_view t, int32_t p) { return join(partition(t, p), "state"); }
std::string controller() { return "/controller"; }
std::string controller_epoch() { return "/controller_epoch"; }
std::string admin_delete_topics() { return "/admin/delete_topics"; }
std::string delete_topic(std::string_view t) { return join(admin_delete_topics(), t); }
std::string reassign_partitions() { return "/admin/reassign_partitions"; }
std::string preferred_replica_election() { return "/admin/preferred_replica_election"; }
std::string isr_change_notification() { return "/isr_change_notification"; }
std::string isr_change_prefix() { return "/isr_change_notification/isr_change_"; }
std::string log_dir_event_notification() { return "/log_dir_event_notification"; }
std::string log_dir_event_prefix() { return "/log_dir_event_notification/log_dir_event_"; }
std::string config_changes() { return "/config/changes"; }
std::string config_change_prefix() { return "/config/changes/config_change_"; }
std::string entity_type(std::string_view type) { return join("/config", type); }
std::string entity_config(std::string_view type, std::string_view name) { return join(entity_type(type), name); }
std::string topic_config(std::string_view t) { return entity_config("topics", t); }
std::string broker_config(std::string_view id_or_default) { return entity_config("brokers", id_or_default); }
std::string latest_producer_id_block() { return "/latest_producer_id_block"; }
std::string feature() { return "/feature"; }
std::string consumers() { return "/consumers"; }
std::string consumer_offset(std::string_view group, std::string_view t, int32_t p) {
  return join(join(join(join(consumers(), group), "offsets"), t), std::to_string(p));
}
std::string kafka_acl() { return "/kafka-acl"; }
std::string kafka_acl_changes() { return "/kafka-acl-changes"; }
std::string kafka_acl_extended_prefixed() { return "/kafka-acl-extended/prefixed"; }
std::string kafka_acl_extended_changes() { return "/kafka-acl-extended-changes"; }

std::vector<std::string> base_paths() {
  return {consumers(),
          brokers_ids(),
          brokers_topics(),
          brokers_seqid(),
          config_changes(),
          entity_type("topics"),
          entity_type("clients"),
          entity_type("users"),
          entity_type("brokers"),
          entity_type("ips"),
          admin_delete_topics(),
          isr_change_notification(),
          latest_producer_id_block(),
          log_dir_event_notification()};
}

std::optional<int64_t> sequence_of(std::string_view child_name, std::string_view prefix) {
  // Accept either a bare child-name prefix ("config_change_") or a full path prefix.
  if (auto slash = prefix.rfind('/'); slash != std::string_view::npos) prefix = prefix.substr(slash + 1);
  if (auto slash = child_name.rfind('/'); slash != std::string_view::npos) child_name = child_name.substr(slash + 1);
  if (child_name.size() <= prefix.size() || child_name.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view digits = child_name.substr(prefix.size());
  if (digits.size() != 10) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || v < 0) return std::nullopt;
  return v;
}

} // namespace gregor::zk::paths
