// kafka-reassign-partitions --zookeeper, as Kafka's tool worked up to 2.8: --generate reads the
// topic znodes and broker registrations, --execute writes /admin/reassign_partitions (refusing
// when it exists: a reassignment is running) and the throttle configs, --verify compares the topic
// znodes with the plan and, once nothing is being reassigned, removes the throttles. --cancel and
// --list need --bootstrap-server (rejected while parsing the options).

#include <algorithm>
#include <ostream>
#include <set>

#include "cli_util.h"
#include "gregor/zk/znodes.h"
#include "reassign_backend.h"
#include "reassign_format.h"
#include "zk_tool_session.h"

namespace gregor::tools {

namespace {

constexpr const char* log_dirs_need_bootstrap =
  "bootstrap-server needs to be provided when replica reassignments are present.";

using failure = reassign_failure;

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

class zk_reassigner : public reassign_backend {
public:
  zk_reassigner(zk_tool_session& zk, const reassign_options& o, std::ostream& out) : _zk(zk), _o(o), _out(out) {}

  int run() {
    std::optional<failure> f;
    switch (_o.action) {
    case reassign_action::generate: f = generate(); break;
    case reassign_action::execute: f = execute(); break;
    case reassign_action::verify: f = verify(); break;
    case reassign_action::cancel:
    case reassign_action::list:
    case reassign_action::none: f = failure{"Unsupported action."}; break;
    }
    return reassign_exit(_out, f);
  }

private:
  static failure zk_failure(const std::error_code& ec) { return {ec.message()}; }

  // Replicas of every partition of the named topics that exist (others are skipped, as Kafka's
  // getReplicaAssignmentForTopics skips them). `moving`, when given, receives the partitions whose
  // topic znode shows adding or removing replicas (a reassignment started through the API).
  std::optional<failure> topic_replicas(const std::set<std::string>& topics, assignment_map& out,
                                        std::set<topic_partition>* moving = nullptr) {
    for (const auto& topic : topics) {
      auto a = _zk.run(_zk.kafka().get_topic_assignment(topic));
      if (!a) return zk_failure(a.error());
      if (!*a) continue;
      const auto& value = (*a)->value;
      for (const auto& [p, replicas] : value.partitions) out[topic_partition{topic, p}] = replicas;
      if (moving == nullptr) continue;
      for (const auto& [p, adding] : value.adding_replicas) {
        if (!adding.empty()) moving->insert(topic_partition{topic, p});
      }
      for (const auto& [p, removing] : value.removing_replicas) {
        if (!removing.empty()) moving->insert(topic_partition{topic, p});
      }
    }
    return std::nullopt;
  }

  std::optional<failure> registered_brokers(std::vector<metadata::broker_rack>& out) {
    auto ids = _zk.run(_zk.kafka().list_broker_ids());
    if (!ids) return zk_failure(ids.error());
    for (int32_t id : *ids) {
      auto b = _zk.run(_zk.kafka().get_broker(id));
      if (!b) return zk_failure(b.error());
      if (*b) out.push_back({id, (*b)->registration.rack});
    }
    return std::nullopt;
  }

  reassign_outcome generate_inputs(const std::vector<std::string>& topics, assignment_map& current,
                                   std::vector<metadata::broker_rack>& brokers) override {
    if (auto f = topic_replicas(std::set<std::string>(topics.begin(), topics.end()), current)) return f;
    return registered_brokers(brokers);
  }

  reassign_outcome live_brokers(std::set<int32_t>& out) override {
    std::vector<metadata::broker_rack> live;
    if (auto f = registered_brokers(live)) return f;
    for (const auto& b : live) out.insert(b.id);
    return std::nullopt;
  }

  // One entity at a time (each write makes its own change notification).
  reassign_outcome alter_configs(const std::vector<entity_config_change>& changes) override {
    for (const auto& c : changes) {
      std::map<std::string, std::optional<std::string>> keys(c.keys.begin(), c.keys.end());
      if (auto f = change_config(c.broker ? "brokers" : "topics", c.name, keys)) return f;
    }
    return std::nullopt;
  }

  // The partitions /admin/reassign_partitions lists (empty when the znode is absent).
  std::optional<failure> legacy_reassignments(std::map<topic_partition, std::vector<int32_t>>& out, bool& exists) {
    auto got = _zk.run(_zk.session().get(zk::paths::reassign_partitions()));
    exists = false;
    if (!got) {
      if (got.error() == zk::zk_errc::no_node) return std::nullopt;
      return zk_failure(got.error());
    }
    exists = true;
    if (!got->first) return std::nullopt;
    auto decoded = zk::decode_reassignment(as_string_view(*got->first));
    if (!decoded) return failure{"Cannot parse " + zk::paths::reassign_partitions()};
    out = std::move(*decoded);
    return std::nullopt;
  }

  // Sets (value) or removes (nullopt) keys of one entity's dynamic config, writing it (and its
  // change notification) only when something changed.
  std::optional<failure> change_config(const std::string& type, const std::string& name,
                                       const std::map<std::string, std::optional<std::string>>& changes) {
    auto current = _zk.run(_zk.kafka().get_entity_config(type, name));
    if (!current) return zk_failure(current.error());
    auto updated = *current;
    for (const auto& [key, value] : changes) {
      if (value) {
        updated[key] = *value;
      } else {
        updated.erase(key);
      }
    }
    if (updated == *current) return std::nullopt;
    auto written = _zk.run(_zk.kafka().set_entity_config(type, name, std::move(updated)));
    if (!written) return zk_failure(written.error());
    return std::nullopt;
  }

  std::optional<failure> generate() { return generate_reassignment(_o, *this, _out); }

  std::optional<failure> execute() {
    reassignment_plan plan;
    if (auto f = read_reassignment_plan(_o.reassignment_json_file, true, log_dirs_need_bootstrap, plan)) return f;
    assignment_map proposed(plan.partitions.begin(), plan.partitions.end());

    std::set<std::string> topics;
    for (const auto& [tp, replicas] : proposed) topics.insert(tp.topic);
    assignment_map existing;
    if (auto f = topic_replicas(topics, existing)) return f;
    std::string missing;
    for (const auto& [tp, replicas] : proposed) {
      if (existing.count(tp) == 0) missing += (missing.empty() ? "" : ", ") + tp.to_string();
    }
    if (!missing.empty()) return failure{"The proposed assignment contains non-existent partitions: List(" + missing + ")"};
    std::vector<metadata::broker_rack> live;
    if (auto f = registered_brokers(live)) return f;
    std::set<int32_t> unknown;
    for (const auto& [tp, replicas] : proposed) {
      for (int32_t b : replicas) {
        bool known = std::any_of(live.begin(), live.end(), [&](const auto& x) { return x.id == b; });
        if (!known) unknown.insert(b);
      }
    }
    if (!unknown.empty()) {
      return failure{"The proposed assignment contains non-existent brokerIDs: " +
                     join_ids(std::vector<int32_t>(unknown.begin(), unknown.end()))};
    }

    std::map<topic_partition, std::vector<int32_t>> running;
    bool znode_exists = false;
    if (auto f = legacy_reassignments(running, znode_exists)) return f;
    if (znode_exists) return failure{existing_reassignment_message, true};

    assignment_map current;
    for (const auto& [tp, replicas] : proposed) current[tp] = existing[tp];
    _out << rollback_text(current) << "\n";

    if (_o.throttle >= 0) {
      _out << verify_periodically_message << "\n";
      auto moves = proposed_move_map({}, proposed, current);
      if (auto f = set_reassignment_throttles(moves, _o.throttle, *this)) return f;
      _out << "The inter-broker throttle limit was set to " << _o.throttle << " B/s\n";
    }

    auto data = to_bytes(zk::encode_reassignment(proposed));
    auto created = _zk.run(_zk.session().create(zk::paths::reassign_partitions(), std::move(data)));
    if (!created) {
      if (created.error() == zk::zk_errc::node_exists) return failure{existing_reassignment_message, true};
      return zk_failure(created.error());
    }
    std::vector<topic_partition> started;
    for (const auto& [tp, replicas] : proposed) started.push_back(tp);
    _out << started_text(started) << "\n";
    return std::nullopt;
  }

  std::optional<failure> verify() {
    reassignment_plan plan;
    if (auto f = read_reassignment_plan(_o.reassignment_json_file, false, log_dirs_need_bootstrap, plan)) return f;
    _out << "Warning: because you are using the deprecated --zookeeper option, the results may be incomplete.  Use "
            "--bootstrap-server instead for more accurate results.\n";
    std::map<topic_partition, std::vector<int32_t>> running;
    bool znode_exists = false;
    if (auto f = legacy_reassignments(running, znode_exists)) return f;
    std::set<std::string> topics;
    for (const auto& [tp, target] : plan.partitions) topics.insert(tp.topic);
    assignment_map current;
    std::set<topic_partition> moving;
    if (auto f = topic_replicas(topics, current, &moving)) return f;
    std::map<topic_partition, partition_reassignment_state> states;
    for (const auto& [tp, target] : plan.partitions) {
      partition_reassignment_state s;
      s.target = target;
      if (auto it = current.find(tp); it != current.end()) s.current = it->second;
      s.done = running.count(tp) == 0 && moving.count(tp) == 0;
      states[tp] = std::move(s);
    }
    _out << partition_states_text(states) << "\n";
    if (!running.empty() || !moving.empty() || _o.preserve_throttles) return std::nullopt;
    return clear_reassignment_throttles(plan, *this, _out);
  }

  zk_tool_session& _zk;
  const reassign_options& _o;
  std::ostream& _out;
};

} // namespace

int run_reassign_zookeeper(const reassign_options& o, std::ostream& out, std::ostream& /*err*/) {
  out << "Warning: --zookeeper is deprecated, and will be removed in a future version of Kafka.\n";
  zk_tool_session zk(o.zookeeper);
  auto started = zk.start();
  if (!started) return reassign_error(out, "Cannot connect to ZooKeeper at " + o.zookeeper + ": " + started.error().message());
  zk_reassigner r(zk, o, out);
  return r.run();
}

} // namespace gregor::tools
