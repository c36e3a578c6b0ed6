// kafka-topics --zookeeper: reads and writes the znodes directly, as kafka-topics did up to 2.8
// (ZOOKEEPER-LAYOUT §2.2, §8): create writes /config/topics/<t> then /brokers/topics/<t>, delete
// marks /admin/delete_topics/<t>, alter rewrites /brokers/topics/<t> with the added partitions.
// The controller does the rest.

#include <algorithm>
#include <ostream>
#include <random>

#include <boost/asio/io_context.hpp>

#include "cli_util.h"
#include "gregor/client/sync_client.h"
#include "gregor/config/topic_config.h"
#include "gregor/metadata/replica_assignment.h"
#include "gregor/metadata/topic_name.h"
#include "gregor/zk/kafka_zk.h"
#include "gregor/zk/session.h"
#include "topic_format.h"
#include "topics_command.h"

namespace gregor::tools {

namespace {

namespace asio = boost::asio;

constexpr int session_timeout_ms = 30'000;
constexpr int connection_timeout_ms = 30'000;

// Blocking access to ZooKeeper for one command: every call runs on `io` until it completes.
class zk_admin {
public:
  explicit zk_admin(std::string connect) : _session(_io.get_executor(), std::move(connect), session_timeout_ms), _zk(_session) {}
  ~zk_admin() { run(_session.close()); }

  template <class T>
  T run(asio::awaitable<T> op) {
    return client::run_blocking(_io, std::move(op));
  }
  void run(asio::awaitable<void> op) { client::run_blocking(_io, std::move(op)); }

  zk::session& session() { return _session; }
  zk::kafka_zk& kafka() { return _zk; }

private:
  asio::io_context _io;
  zk::session _session;
  zk::kafka_zk _zk;
};

std::string zk_message(const std::error_code& ec) { return ec.message(); }

// Topics in ZooKeeper that match the --topic pattern (all when absent), sorted.
result<std::vector<std::string>> matching_topics(zk_admin& zk, const topics_options& o) {
  auto all = zk.run(zk.kafka().list_topics());
  if (!all) return unexpected(all.error());
  std::optional<std::regex> re;
  if (o.topic) re = topic_include_regex(*o.topic);
  std::vector<std::string> out;
  for (const auto& name : *all) {
    if (o.exclude_internal && metadata::is_internal_topic(name)) continue;
    if (re && !matches(*re, name)) continue;
    out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

int topics_zk_ensure_found(const std::vector<std::string>& topics, const topics_options& o, std::ostream& out) {
  if (topics.empty() && o.topic && !o.if_exists) {
    return topic_command_error(out, "Topic '" + *o.topic + "' does not exist as expected");
  }
  return 0;
}

// Registered brokers with their racks, sorted by id.
result<std::vector<metadata::broker_rack>> live_brokers(zk_admin& zk) {
  auto ids = zk.run(zk.kafka().list_broker_ids());
  if (!ids) return unexpected(ids.error());
  std::vector<metadata::broker_rack> out;
  for (int32_t id : *ids) {
    auto b = zk.run(zk.kafka().get_broker(id));
    if (!b) return unexpected(b.error());
    if (!*b) continue;  // went away meanwhile
    out.push_back({id, (*b)->registration.rack});
  }
  return out;
}

std::mt19937& rng() {
  static std::mt19937 r{std::random_device{}()};
  return r;
}

int create(zk_admin& zk, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  const std::string& name = *o.topic;
  if (auto why = metadata::topic_name_error(name); !why.empty()) return topic_command_error(out, why);

  std::string bad;
  auto configs = parse_key_values(o.configs, &bad);
  if (!configs) return topic_command_error(out, "Invalid topic config: all configs to be added must be in the format \"key=val\". Got: " + bad);
  for (const auto& [k, v] : *configs) {
    if (auto why = config::topic_key_error(k, v)) return topic_command_error(out, *why);
  }

  auto existing = zk.run(zk.kafka().list_topics());
  if (!existing) return topic_command_error(out, zk_message(existing.error()));
  if (std::find(existing->begin(), existing->end(), name) != existing->end()) {
    if (o.if_not_exists) return 0;
    return topic_command_error(out, "Topic '" + name + "' already exists.");
  }
  // Names that differ only in '.' vs '_' would share metric names: Kafka refuses them.
  auto normalise = [](std::string s) {
    std::replace(s.begin(), s.end(), '.', '_');
    return s;
  };
  std::vector<std::string> collisions;
  for (const auto& t : *existing) {
    if (normalise(t) == normalise(name)) collisions.push_back(t);
  }
  if (!collisions.empty()) {
    std::string list;
    for (const auto& c : collisions) list += (list.empty() ? "" : ", ") + c;
    return topic_command_error(out, "Topic '" + name + "' collides with existing topics: " + list);
  }

  std::map<int32_t, std::vector<int32_t>> assignment;
  if (o.replica_assignment) {
    auto a = parse_replica_assignment(*o.replica_assignment);
    if (!a) return topic_command_error(out, "Invalid replica assignment: " + *o.replica_assignment);
    if (auto why = metadata::manual_assignment_error(*a); !why.empty()) return topic_command_error(out, why);
    assignment = std::move(*a);
  } else {
    if (!o.partitions) return topic_command_error(out, "Missing required argument \"[partitions]\"");
    if (!o.replication_factor) return topic_command_error(out, "Missing required argument \"[replication-factor]\"");
    auto brokers = live_brokers(zk);
    if (!brokers) return topic_command_error(out, zk_message(brokers.error()));
    if (*o.replication_factor > static_cast<int32_t>(brokers->size())) {
      return topic_command_error(out, "Replication factor: " + std::to_string(*o.replication_factor) +
                                          " larger than available brokers: " + std::to_string(brokers->size()) + ".");
    }
    metadata::assignment_request req;
    req.partitions = *o.partitions;
    req.replication_factor = *o.replication_factor;
    req.rack_aware = !o.disable_rack_aware;
    auto assigned = metadata::assign_replicas(*brokers, req, rng());
    if (!assigned) return topic_command_error(out, assigned.error().message());
    assignment = std::move(*assigned);
  }

  if (metadata::has_collision_chars(name)) out << collision_warning << "\n";
  zk::topic_assignment znode;
  znode.partitions = std::move(assignment);  // no topic id: the controller adds one (§2.2)
  auto created = zk.run(zk.kafka().create_topic(name, znode, *configs));
  if (!created) {
    if (created.error() == zk::zk_errc::node_exists) {
      if (o.if_not_exists) return 0;
      return topic_command_error(out, "Topic '" + name + "' already exists.");
    }
    return topic_command_error(out, zk_message(created.error()));
  }
  out << "Created topic " << name << ".\n";
  return 0;
}

int list(zk_admin& zk, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto topics = matching_topics(zk, o);
  if (!topics) return topic_command_error(out, zk_message(topics.error()));
  auto marked = zk.run(zk.kafka().list_topics_marked_for_deletion());
  if (!marked) return topic_command_error(out, zk_message(marked.error()));
  for (const auto& t : *topics) {
    bool deleting = std::find(marked->begin(), marked->end(), t) != marked->end();
    out << t << (deleting ? " - marked for deletion" : "") << "\n";
  }
  return 0;
}

int describe(zk_admin& zk, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto topics = matching_topics(zk, o);
  if (!topics) return topic_command_error(out, zk_message(topics.error()));
  if (int rc = topics_zk_ensure_found(*topics, o, out)) return rc;
  auto brokers = zk.run(zk.kafka().list_broker_ids());
  if (!brokers) return topic_command_error(out, zk_message(brokers.error()));
  auto marked = zk.run(zk.kafka().list_topics_marked_for_deletion());
  if (!marked) return topic_command_error(out, zk_message(marked.error()));

  describe_filter filter;
  filter.under_replicated = o.under_replicated;
  filter.unavailable = o.unavailable;
  filter.live_brokers.insert(brokers->begin(), brokers->end());

  for (const auto& name : *topics) {
    auto assignment = zk.run(zk.kafka().get_topic_assignment(name));
    if (!assignment) return topic_command_error(out, zk_message(assignment.error()));
    if (!*assignment) {
      out << "Topic " << name << " doesn't exist!\n";
      continue;
    }
    const auto& a = (*assignment)->value;
    topic_view view;
    view.name = name;
    view.topic_id = a.topic_id.value_or(uuid{});
    view.marked_for_deletion = std::find(marked->begin(), marked->end(), name) != marked->end();
    auto configs = zk.run(zk.kafka().get_entity_config("topics", name));
    if (!configs) return topic_command_error(out, zk_message(configs.error()));
    for (const auto& [k, v] : *configs) view.configs.emplace_back(k, v);
    if (o.topics_with_overrides) {
      if (view.configs.empty()) continue;
    }
    for (const auto& [p, replicas] : a.partitions) {
      partition_view pv;
      pv.partition = p;
      pv.replicas = replicas;
      if (auto it = a.adding_replicas.find(p); it != a.adding_replicas.end()) pv.adding = it->second;
      if (auto it = a.removing_replicas.find(p); it != a.removing_replicas.end()) pv.removing = it->second;
      auto state = zk.run(zk.kafka().get_partition_state(name, p));
      if (!state) return topic_command_error(out, zk_message(state.error()));
      if (*state) {
        if ((*state)->value.leader >= 0) pv.leader = (*state)->value.leader;
        pv.isr = (*state)->value.isr;
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

int remove(zk_admin& zk, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto topics = matching_topics(zk, o);
  if (!topics) return topic_command_error(out, zk_message(topics.error()));
  if (int rc = topics_zk_ensure_found(*topics, o, out)) return rc;
  for (const auto& t : *topics) {
    if (metadata::is_internal_topic(t)) {
      return topic_command_error(out, "Topic " + t + " is a kafka internal topic and is not allowed to be marked for deletion.");
    }
    auto marked = zk.run(zk.kafka().mark_topic_for_deletion(t));
    if (!marked) {
      if (marked.error() == zk::zk_errc::node_exists) {
        out << "Topic " << t << " is already marked for deletion.\n";
        continue;
      }
      return topic_command_error(out, "Error while deleting topic " + t + ": " + zk_message(marked.error()));
    }
    out << "Topic " << t << " is marked for deletion.\n";
    out << "Note: This will have no impact if delete.topic.enable is not set to true.\n";
  }
  return 0;
}

int alter(zk_admin& zk, const topics_options& o, std::ostream& out, std::ostream& /*err*/) {
  auto topics = matching_topics(zk, o);
  if (!topics) return topic_command_error(out, zk_message(topics.error()));
  if (int rc = topics_zk_ensure_found(*topics, o, out)) return rc;
  if (topics->empty()) return 0;
  out << "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the "
         "messages will be affected\n";
  for (const auto& name : *topics) {
    if (metadata::is_internal_topic(name)) {
      return topic_command_error(out, "The number of partitions for the internal topic " + name + " cannot be changed.");
    }
    auto current = zk.run(zk.kafka().get_topic_assignment(name));
    if (!current) return topic_command_error(out, zk_message(current.error()));
    if (!*current) return topic_command_error(out, "Topic '" + name + "' does not exist as expected");
    auto assignment = (*current)->value;
    const int32_t existing = static_cast<int32_t>(assignment.partitions.size());
    const int32_t wanted = *o.partitions;
    if (wanted <= existing) {
      return topic_command_error(out, "The number of partitions for a topic can only be increased. Topic " + name +
                                          " currently has " + std::to_string(existing) + " partitions, " +
                                          std::to_string(wanted) + " would not be an increase.");
    }
    if (assignment.partitions.empty()) return topic_command_error(out, "Topic " + name + " has no partitions");
    const auto& first = assignment.partitions.begin()->second;
    if (o.replica_assignment) {
      auto a = parse_replica_assignment(*o.replica_assignment);
      if (!a) return topic_command_error(out, "Invalid replica assignment: " + *o.replica_assignment);
      for (int32_t p = existing; p < wanted; ++p) {
        auto it = a->find(p);
        if (it == a->end()) {
          return topic_command_error(out, "Replica assignment is missing partition " + std::to_string(p));
        }
        assignment.partitions[p] = it->second;
      }
      if (auto why = metadata::manual_assignment_error(assignment.partitions); !why.empty()) {
        return topic_command_error(out, why);
      }
    } else {
      auto brokers = live_brokers(zk);
      if (!brokers) return topic_command_error(out, zk_message(brokers.error()));
      // Kafka continues the round-robin from partition 0's preferred leader (§9).
      int32_t start = 0;
      for (size_t i = 0; i < brokers->size(); ++i) {
        if ((*brokers)[i].id >= first.front()) {
          start = static_cast<int32_t>(i);
          break;
        }
      }
      metadata::assignment_request req;
      req.partitions = wanted - existing;
      req.replication_factor = static_cast<int32_t>(first.size());
      req.first_partition = existing;
      req.fixed_start_index = start;
      req.rack_aware = !o.disable_rack_aware;
      auto added = metadata::assign_replicas(*brokers, req, rng());
      if (!added) return topic_command_error(out, added.error().message());
      for (auto& [p, replicas] : *added) assignment.partitions[p] = std::move(replicas);
    }
    auto written = zk.run(zk.kafka().set_topic_assignment(name, assignment, std::nullopt, (*current)->zk_version));
    if (!written) return topic_command_error(out, zk_message(written.error()));
  }
  out << "Adding partitions succeeded!\n";
  return 0;
}

} // namespace

int run_topics_zookeeper(const topics_options& o, std::ostream& out, std::ostream& err) {
  zk_admin zk(o.zookeeper);
  auto started = zk.run(zk.session().start(connection_timeout_ms));
  if (!started) {
    return topic_command_error(out, "Cannot connect to ZooKeeper at " + o.zookeeper + ": " + zk_message(started.error()));
  }
  switch (o.action) {
  case topics_action::create: return create(zk, o, out, err);
  case topics_action::list: return list(zk, o, out, err);
  case topics_action::describe: return describe(zk, o, out, err);
  case topics_action::remove: return remove(zk, o, out, err);
  case topics_action::alter: return alter(zk, o, out, err);
  case topics_action::none: break;
  }
  return 1;
}

} // namespace gregor::tools
