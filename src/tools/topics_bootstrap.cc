// kafka-topics --bootstrap-server: everything goes through a broker (Metadata, CreateTopics,
// DeleteTopics, CreatePartitions, DescribeConfigs, ListPartitionReassignments), as Kafka 2.2+ does.

#include <algorithm>
#include <ostream>

#include "admin_client_options.h"
#include "cli_util.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "gregor/metadata/topic_name.h"
#include "topic_format.h"
#include "topics_command.h"

namespace gregor::tools {

namespace {

using namespace std::chrono_literals;
namespace gc = gregor::client;

std::string describe_error(const std::error_code& ec, const std::string& message) {
  if (!message.empty()) return message;
  if (ec == gc::client_errc::unsupported_version) return "The broker does not support this request.";
  return ec.message();
}


// Topic names in the cluster matching the --topic pattern (all when absent), sorted.
std::vector<std::string> matching_topics(const gc::cluster_metadata& md, const topics_options& o) {
  std::optional<std::regex> re;
  if (o.topic) re = topic_include_regex(*o.topic);
  std::vector<std::string> out;
  for (const auto& [name, t] : md.topics) {
    if (o.exclude_internal && (t.is_internal || metadata::is_internal_topic(name))) continue;
    if (re && !matches(*re, name)) continue;
    out.push_back(name);
  }
  return out;  // std::map keeps them sorted
}

int ensure_found(const std::vector<std::string>& topics, const topics_options& o, std::ostream& out) {
  if (topics.empty() && o.topic && !o.if_exists) {
    return topic_command_error(out, "Topic '" + *o.topic + "' does not exist as expected");
  }
  return 0;
}

int create(gc::sync_client& c, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  gc::new_topic t;
  t.name = *o.topic;
  if (o.replica_assignment) {
    auto a = parse_replica_assignment(*o.replica_assignment);
    if (!a) return topic_command_error(out, "Invalid replica assignment: " + *o.replica_assignment);
    t.assignment = std::move(*a);
  } else {
    t.partitions = o.partitions.value_or(-1);
    t.replication_factor = static_cast<int16_t>(o.replication_factor.value_or(-1));
  }
  std::string bad;
  auto configs = parse_key_values(o.configs, &bad);
  if (!configs) return topic_command_error(out, "Invalid topic config: all configs to be added must be in the format \"key=val\". Got: " + bad);
  t.configs = std::move(*configs);

  if (o.if_not_exists) {
    std::optional<std::vector<std::string>> wanted(std::in_place, 1, t.name);
    auto md = c.run(c.async().refresh_metadata(wanted, false));
    if (md && md->find_topic(t.name) != nullptr && !md->find_topic(t.name)->error) return 0;
  }
  if (metadata::has_collision_chars(t.name)) out << collision_warning << "\n";
  std::vector<gc::new_topic> topics{std::move(t)};
  auto results = c.run(c.async().create_topics(std::move(topics), 30s));
  if (!results) return topic_command_error(out, describe_error(results.error(), ""));
  for (const auto& r : *results) {
    if (!r.error) {
      out << "Created topic " << r.name << ".\n";
      continue;
    }
    if (o.if_not_exists && r.error == gc::kafka_error(protocol::error_code::topic_already_exists)) continue;
    return topic_command_error(out, describe_error(r.error, r.message));
  }
  return 0;
}

int list(gc::sync_client& c, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto names = c.run(c.async().list_topics(!o.exclude_internal));
  if (!names) return topic_command_error(out, describe_error(names.error(), ""));
  std::optional<std::regex> re;
  if (o.topic) re = topic_include_regex(*o.topic);
  for (const auto& name : *names) {
    if (o.exclude_internal && metadata::is_internal_topic(name)) continue;
    if (re && !matches(*re, name)) continue;
    out << name << "\n";
  }
  return 0;
}

int describe(gc::sync_client& c, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
  if (!md) return topic_command_error(out, describe_error(md.error(), ""));
  auto topics = matching_topics(*md, o);
  if (int rc = ensure_found(topics, o, out)) return rc;
  if (topics.empty()) return 0;

  describe_filter filter;
  filter.under_replicated = o.under_replicated;
  filter.unavailable = o.unavailable;
  for (const auto& [id, b] : md->brokers) filter.live_brokers.insert(id);

  auto described = c.run(c.async().describe_topics(topics, filter.print_headers()));
  if (!described) return topic_command_error(out, describe_error(described.error(), ""));
  // Reassignments in progress add "Adding Replicas" / "Removing Replicas" (Kafka 2.4+). Brokers
  // that do not serve ListPartitionReassignments show none, as Kafka's tool does.
  std::vector<topic_partition> all_partitions;
  for (const auto& d : *described) {
    for (const auto& [p, pi] : d.topic.partitions) all_partitions.push_back(topic_partition{d.topic.name, p});
  }
  std::map<topic_partition, gc::ongoing_reassignment> reassigning;
  if (!all_partitions.empty()) {
    auto listed = c.run(c.async().list_partition_reassignments(std::move(all_partitions), 10s));
    if (listed) reassigning = std::move(*listed);
  }
  for (const auto& d : *described) {
    topic_view view;
    view.name = d.topic.name;
    view.topic_id = d.topic.topic_id;
    for (const auto& e : d.configs) view.configs.emplace_back(e.name, e.value.value_or("null"));
    if (o.topics_with_overrides && view.configs.empty()) continue;
    for (const auto& [p, pi] : d.topic.partitions) {
      partition_view pv;
      pv.partition = p;
      // Kafka shows "none" for a leader that is not among the live brokers, too.
      if (pi.leader >= 0 && filter.live_brokers.count(pi.leader) > 0) pv.leader = pi.leader;
      pv.replicas = pi.replicas;
      pv.isr = pi.isr;
      if (auto it = reassigning.find(topic_partition{d.topic.name, p}); it != reassigning.end()) {
        pv.adding = it->second.adding;
        pv.removing = it->second.removing;
        pv.reassigning = true;
      }
      view.partitions.push_back(std::move(pv));
    }
    if (o.topics_with_overrides) {
      out << format_topic_header(view) << "\n";
      continue;
    }
    for (const auto& line : describe_lines(view, filter)) out << line << "\n";
  }
  return 0;
}

int remove(gc::sync_client& c, const topics_options& o, std::ostream& out) {
  auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
  if (!md) return topic_command_error(out, describe_error(md.error(), ""));
  auto topics = matching_topics(*md, o);
  if (int rc = ensure_found(topics, o, out)) return rc;
  for (const auto& t : topics) {
    if (metadata::is_internal_topic(t)) {
      return topic_command_error(out, "Topic " + t + " is a kafka internal topic and is not allowed to be marked for deletion.");
    }
  }
  if (topics.empty()) return 0;
  auto results = c.run(c.async().delete_topics(topics, 30s));
  if (!results) return topic_command_error(out, describe_error(results.error(), ""));
  for (const auto& r : *results) {
    if (r.error) return topic_command_error(out, describe_error(r.error, r.message));
  }
  return 0;
}

int alter(gc::sync_client& c, const topics_options& o, std::ostream& out) {
  auto md = c.run(c.async().refresh_metadata(std::nullopt, false));
  if (!md) return topic_command_error(out, describe_error(md.error(), ""));
  auto topics = matching_topics(*md, o);
  if (int rc = ensure_found(topics, o, out)) return rc;
  std::vector<gc::new_partitions> grow;
  for (const auto& t : topics) {
    gc::new_partitions n;
    n.topic = t;
    n.total_count = *o.partitions;
    if (o.replica_assignment) {
      auto a = parse_replica_assignment(*o.replica_assignment);
      if (!a) return topic_command_error(out, "Invalid replica assignment: " + *o.replica_assignment);
      // The list covers every partition; the request carries only the new ones.
      int32_t existing = static_cast<int32_t>(md->topics.at(t).partitions.size());
      for (const auto& [p, replicas] : *a) {
        if (p >= existing) n.assignment.push_back(replicas);
      }
    }
    grow.push_back(std::move(n));
  }
  if (grow.empty()) return 0;
  auto results = c.run(c.async().create_partitions(std::move(grow), 30s));
  if (!results) return topic_command_error(out, describe_error(results.error(), ""));
  for (const auto& r : *results) {
    if (r.error) return topic_command_error(out, describe_error(r.error, r.message));
  }
  return 0;
}

} // namespace

int run_topics_bootstrap(const topics_options& o, std::ostream& out, std::ostream& err) {
  std::string options_error;
  auto co = admin_client_options(o.bootstrap_server, o.command_config, "gregor-topics", options_error);
  if (!co) return topic_command_error(out, options_error);
  gc::sync_client c(std::move(*co));
  auto boot = c.run(c.async().bootstrap());
  if (!boot) {
    return topic_command_error(out, "Cannot connect to any broker in " + o.bootstrap_server + ": " + boot.error().message());
  }
  switch (o.action) {
  case topics_action::create: return create(c, o, out, err);
  case topics_action::list: return list(c, o, out, err);
  case topics_action::describe: return describe(c, o, out, err);
  case topics_action::remove: return remove(c, o, out);
  case topics_action::alter: return alter(c, o, out);
  case topics_action::none: break;
  }
  return 1;
}

} // namespace gregor::tools
