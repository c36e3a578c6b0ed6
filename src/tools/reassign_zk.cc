// kafka-reassign-partitions --zookeeper, as Kafka's tool worked up to 2.8: --generate reads the
// topic znodes and broker registrations, --execute writes /admin/reassign_partitions (refusing
// when it exists: a reassignment is running) and the throttle configs, --verify compares the topic
// znodes with the plan and, once nothing is being reassigned, removes the throttles. --cancel and
// --list need --bootstrap-server (rejected while parsing the options).

#include <algorithm>
#include <ostream>
#include <random>
#include <set>

#include "cli_util.h"
#include "gregor/metadata/replica_assignment.h"
#include "gregor/zk/znodes.h"
#include "json_input.h"
#include "reassign_command.h"
#include "reassign_format.h"
#include "reassign_generate.h"
#include "reassign_json.h"
#include "reassign_throttle.h"
#include "zk_tool_session.h"

namespace gregor::tools {

namespace {

using assignment_map = std::map<topic_partition, std::vector<int32_t>>;

constexpr const char* log_dirs_need_bootstrap =
  "bootstrap-server needs to be provided when replica reassignments are present.";

struct failure {
  std::string message;
  bool terse = false;
};

bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

class zk_reassigner {
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
    if (!f) return 0;
    if (f->terse) {
      _out << f->message << "\n";
      return 1;
    }
    return reassign_error(_out, f->message);
  }

private:
  static failure zk_failure(const std::error_code& ec) { return {ec.message()}; }

  std::optional<failure> read_plan(reassignment_plan& plan) {
    std::string error;
    auto text = json_input::read_file(_o.reassignment_json_file, error);
    if (!text) return failure{error};
    auto parsed = parse_reassignment_json(*text, error);
    if (!parsed) return failure{error};
    plan = std::move(*parsed);
    return std::nullopt;
  }

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

  std::optional<failure> generate() {
    std::string error;
    auto wanted = parse_broker_list(_o.broker_list, error);
    if (!wanted) return failure{error};
    auto text = json_input::read_file(_o.topics_to_move_json_file, error);
    if (!text) return failure{error};
    auto topics = parse_topics_to_move_json(*text, error);
    if (!topics) return failure{error};
    auto dup = duplicates(*topics);
    if (!dup.empty()) {
      std::string names;
      for (const auto& t : dup) names += (names.empty() ? "" : ",") + t;
      return failure{"List of topics to reassign contains duplicate entries: " + names};
    }
    assignment_map current;
    if (auto f = topic_replicas(std::set<std::string>(topics->begin(), topics->end()), current)) return f;
    std::vector<metadata::broker_rack> all;
    if (auto f = registered_brokers(all)) return f;
    std::vector<metadata::broker_rack> brokers;
    for (auto& b : all) {
      if (std::find(wanted->begin(), wanted->end(), b.id) == wanted->end()) continue;
      if (_o.disable_rack_aware) b.rack.reset();
      brokers.push_back(b);
    }
    std::mt19937 rng{std::random_device{}()};
    auto proposed = propose_reassignment(current, brokers, !_o.disable_rack_aware, rng, error);
    if (!proposed) return failure{error};
    _out << generate_text(current, *proposed) << "\n";
    return std::nullopt;
  }

  std::optional<failure> execute() {
    reassignment_plan plan;
    if (auto f = read_plan(plan)) return f;
    if (auto why = execute_plan_error(plan); !why.empty()) return failure{why};
    if (!plan.log_dirs.empty()) return failure{log_dirs_need_bootstrap};
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
      auto leaders = leader_throttles(moves);
      auto followers = follower_throttles(moves);
      for (const auto& [topic, parts] : moves) {
        std::map<std::string, std::optional<std::string>> changes{{leader_throttled_replicas, leaders[topic]},
                                                                  {follower_throttled_replicas, followers[topic]}};
        if (auto f = change_config("topics", topic, changes)) return f;
      }
      std::string rate = std::to_string(_o.throttle);
      for (int32_t b : reassigning_brokers(moves)) {
        std::map<std::string, std::optional<std::string>> changes{{leader_throttled_rate, rate},
                                                                  {follower_throttled_rate, rate}};
        if (auto f = change_config("brokers", std::to_string(b), changes)) return f;
      }
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
    if (auto f = read_plan(plan)) return f;
    if (!plan.log_dirs.empty()) return failure{log_dirs_need_bootstrap};
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
    return clear_all_throttles(plan);
  }

  std::optional<failure> clear_all_throttles(const reassignment_plan& plan) {
    std::vector<metadata::broker_rack> live;
    if (auto f = registered_brokers(live)) return f;
    std::set<int32_t> brokers;
    for (const auto& b : live) brokers.insert(b.id);
    std::set<std::string> topics;
    for (const auto& [tp, replicas] : plan.partitions) {
      brokers.insert(replicas.begin(), replicas.end());
      topics.insert(tp.topic);
    }
    _out << clearing_broker_throttles_text(std::vector<int32_t>(brokers.begin(), brokers.end())) << "\n";
    for (int32_t b : brokers) {
      std::map<std::string, std::optional<std::string>> removals{
        {leader_throttled_rate, std::nullopt}, {follower_throttled_rate, std::nullopt}, {log_dirs_throttled_rate, std::nullopt}};
      if (auto f = change_config("brokers", std::to_string(b), removals)) return f;
    }
    _out << clearing_topic_throttles_text(std::vector<std::string>(topics.begin(), topics.end())) << "\n";
    for (const auto& t : topics) {
      std::map<std::string, std::optional<std::string>> removals{{leader_throttled_replicas, std::nullopt},
                                                                 {follower_throttled_replicas, std::nullopt}};
      if (auto f = change_config("topics", t, removals)) return f;
    }
    return std::nullopt;
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
