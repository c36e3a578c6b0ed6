// kafka-reassign-partitions --bootstrap-server: Metadata for the current replicas and the live
// brokers, AlterPartitionReassignments / ListPartitionReassignments at the controller, and
// IncrementalAlterConfigs for the replication throttles, as Kafka 2.6+'s tool does.
//
// Replica moves between log directories ("log_dirs" other than "any") are refused: Gregor's
// brokers do not serve AlterReplicaLogDirs.

#include <ostream>
#include <set>

#include "admin_client_options.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"
#include "kafka_exception.h"
#include "reassign_backend.h"
#include "reassign_format.h"

namespace gregor::tools {

namespace {

namespace gc = gregor::client;

constexpr const char* log_dirs_unsupported =
  "Moving replicas between log directories (\"log_dirs\" other than \"any\") is not supported: the brokers do "
  "not serve AlterReplicaLogDirs.";

using failure = reassign_failure;

class reassigner : public reassign_backend {
public:
  reassigner(gc::sync_client& c, const reassign_options& o, std::ostream& out) : _c(c), _o(o), _out(out) {}

  int run() {
    std::optional<failure> f;
    switch (_o.action) {
    case reassign_action::generate: f = generate(); break;
    case reassign_action::execute: f = execute(); break;
    case reassign_action::verify: f = verify(); break;
    case reassign_action::cancel: f = cancel(); break;
    case reassign_action::list: f = list(); break;
    case reassign_action::none: return 1;
    }
    return reassign_exit(_out, f);
  }

private:
  std::chrono::milliseconds timeout() const { return _c.async().options().request_timeout; }

  static failure broker_failure(const std::error_code& ec) { return {kafka_exception_text(ec, ""), false}; }

  // The replicas of every partition of `topics`; a topic that does not exist fails the command.
  std::optional<failure> topic_replicas(const std::vector<std::string>& topics, assignment_map& out,
                                        gc::cluster_metadata* md_out = nullptr) {
    std::optional<std::vector<std::string>> wanted(topics);
    auto md = _c.run(_c.async().refresh_metadata(wanted, false));
    if (!md) return broker_failure(md.error());
    for (const auto& name : topics) {
      const auto* t = md->find_topic(name);
      if (t == nullptr || t->error) {
        return failure{"org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic " + name + " not found."};
      }
      for (const auto& [p, info] : t->partitions) out[topic_partition{name, p}] = info.replicas;
    }
    if (md_out != nullptr) *md_out = std::move(*md);
    return std::nullopt;
  }

  reassign_outcome generate_inputs(const std::vector<std::string>& topics, assignment_map& current,
                                   std::vector<metadata::broker_rack>& brokers) override {
    gc::cluster_metadata md;
    if (auto f = topic_replicas(topics, current, &md)) return f;
    for (const auto& [id, b] : md.brokers) brokers.push_back({id, b.rack});
    return std::nullopt;
  }

  reassign_outcome live_brokers(std::set<int32_t>& out) override {
    auto md = _c.run(_c.async().refresh_metadata(std::nullopt, false));
    if (!md) return broker_failure(md.error());
    for (const auto& [id, b] : md->brokers) out.insert(id);
    return std::nullopt;
  }

  // IncrementalAlterConfigs; the first failed resource fails the command.
  reassign_outcome alter_configs(const std::vector<entity_config_change>& changes) override {
    if (changes.empty()) return std::nullopt;
    std::vector<gc::config_resource_change> request;
    for (const auto& c : changes) {
      gc::config_resource_change r{c.broker ? gc::config_resource_type::broker : gc::config_resource_type::topic,
                                   c.name, {}};
      for (const auto& [key, value] : c.keys) {
        r.alterations.push_back({key, value ? gc::config_op_type::set : gc::config_op_type::remove, value});
      }
      request.push_back(std::move(r));
    }
    auto results = _c.run(_c.async().incremental_alter_configs(std::move(request)));
    if (!results) return broker_failure(results.error());
    for (const auto& r : *results) {
      if (r.error) return failure{kafka_exception_text(r.error, r.message)};
    }
    return std::nullopt;
  }

  std::optional<failure> in_progress(std::optional<std::vector<topic_partition>> partitions,
                                     std::map<topic_partition, gc::ongoing_reassignment>& out) {
    auto listed = _c.run(_c.async().list_partition_reassignments(std::move(partitions), timeout()));
    if (!listed) return broker_failure(listed.error());
    out = std::move(*listed);
    return std::nullopt;
  }

  std::optional<failure> generate() { return generate_reassignment(_o, *this, _out); }

  std::optional<failure> execute() {
    reassignment_plan plan;
    if (auto f = read_reassignment_plan(_o.reassignment_json_file, true, log_dirs_unsupported, plan)) return f;
    assignment_map proposed(plan.partitions.begin(), plan.partitions.end());

    std::map<topic_partition, gc::ongoing_reassignment> ongoing;
    if (auto f = in_progress(std::nullopt, ongoing)) return f;
    if (!_o.additional && !ongoing.empty()) return failure{existing_reassignment_message, true};

    std::set<std::string> topic_set;
    for (const auto& [tp, replicas] : proposed) topic_set.insert(tp.topic);
    assignment_map all_current;
    gc::cluster_metadata md;
    if (auto f = topic_replicas(std::vector<std::string>(topic_set.begin(), topic_set.end()), all_current, &md)) return f;
    std::set<int32_t> planned_brokers;
    for (const auto& [tp, replicas] : proposed) planned_brokers.insert(replicas.begin(), replicas.end());
    for (int32_t b : planned_brokers) {
      if (md.brokers.count(b) == 0) return failure{"Unknown broker id " + std::to_string(b)};
    }
    assignment_map current;
    std::vector<std::string> missing;
    for (const auto& [tp, replicas] : proposed) {
      auto it = all_current.find(tp);
      if (it == all_current.end()) {
        missing.push_back(tp.to_string());
      } else {
        current[tp] = it->second;
      }
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      return failure{"org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: " + names};
    }
    _out << rollback_text(current) << "\n";

    if (_o.throttle >= 0 || _o.replica_alter_log_dirs_throttle >= 0) {
      _out << verify_periodically_message << "\n";
      if (_o.throttle >= 0) {
        auto moves = proposed_move_map(ongoing, proposed, current);
        if (auto f = set_reassignment_throttles(moves, _o.throttle, *this)) return f;
        _out << "The inter-broker throttle limit was set to " << _o.throttle << " B/s\n";
      }
      if (_o.replica_alter_log_dirs_throttle >= 0) {
        // Only brokers with a log-directory move get this throttle, and the plan has none.
        _out << "The replica-alter-dir throttle limit was set to " << _o.replica_alter_log_dirs_throttle << " B/s\n";
      }
    }

    std::map<topic_partition, std::optional<std::vector<int32_t>>> targets;
    for (const auto& [tp, replicas] : proposed) targets[tp] = replicas;
    auto results = _c.run(_c.async().alter_partition_reassignments(std::move(targets), timeout()));
    if (!results) return broker_failure(results.error());
    std::map<topic_partition, std::string> errors;
    for (const auto& [tp, outcome] : *results) {
      if (outcome.error) errors[tp] = kafka_exception_message(outcome.error, outcome.message);
    }
    if (!errors.empty()) return failure{reassign_errors_text(errors), true};
    std::vector<topic_partition> started;
    for (const auto& [tp, replicas] : proposed) started.push_back(tp);
    _out << started_text(started) << "\n";
    return std::nullopt;
  }

  std::optional<failure> verify() {
    reassignment_plan plan;
    if (auto f = read_reassignment_plan(_o.reassignment_json_file, false, log_dirs_unsupported, plan)) return f;
    std::map<topic_partition, gc::ongoing_reassignment> ongoing;
    if (auto f = in_progress(std::nullopt, ongoing)) return f;

    std::set<std::string> lookup;
    for (const auto& [tp, target] : plan.partitions) {
      if (ongoing.count(tp) == 0) lookup.insert(tp.topic);
    }
    gc::cluster_metadata md;
    if (!lookup.empty()) {
      std::optional<std::vector<std::string>> wanted(std::in_place, lookup.begin(), lookup.end());
      auto fresh = _c.run(_c.async().refresh_metadata(wanted, false));
      if (!fresh) return broker_failure(fresh.error());
      md = std::move(*fresh);
    }
    std::map<topic_partition, partition_reassignment_state> states;
    for (const auto& [tp, target] : plan.partitions) {
      partition_reassignment_state s;
      s.target = target;
      if (auto it = ongoing.find(tp); it != ongoing.end()) {
        s.current = it->second.replicas;
        s.done = false;
      } else {
        // Not being reassigned: done, with whatever replicas the partition has (none if unknown).
        if (const auto* p = md.find_partition(tp.topic, tp.partition)) s.current = p->replicas;
        s.done = true;
      }
      states[tp] = std::move(s);
    }
    _out << partition_states_text(states) << "\n";
    _out << "\n";  // Kafka prints the (empty) summary of log-directory moves here
    if (ongoing.empty() && !_o.preserve_throttles) return clear_reassignment_throttles(plan, *this, _out);
    return std::nullopt;
  }

  std::optional<failure> cancel() {
    reassignment_plan plan;
    if (auto f = read_reassignment_plan(_o.reassignment_json_file, false, log_dirs_unsupported, plan)) return f;
    std::set<topic_partition> targets;
    for (const auto& [tp, replicas] : plan.partitions) targets.insert(tp);
    std::map<topic_partition, gc::ongoing_reassignment> ongoing;
    std::optional<std::vector<topic_partition>> asked(std::in_place, targets.begin(), targets.end());
    if (auto f = in_progress(std::move(asked), ongoing)) return f;
    std::vector<topic_partition> active;
    for (const auto& [tp, r] : ongoing) {
      if (targets.count(tp) > 0 && (!r.adding.empty() || !r.removing.empty())) active.push_back(tp);
    }
    if (!active.empty()) {
      std::map<topic_partition, std::optional<std::vector<int32_t>>> cancels;
      for (const auto& tp : active) cancels[tp] = std::nullopt;
      auto results = _c.run(_c.async().alter_partition_reassignments(std::move(cancels), timeout()));
      if (!results) return broker_failure(results.error());
      std::map<topic_partition, std::string> errors;
      for (const auto& [tp, outcome] : *results) {
        if (outcome.error) errors[tp] = kafka_exception_message(outcome.error, outcome.message);
      }
      if (!errors.empty()) return failure{cancel_errors_text(errors), true};
      _out << cancelled_text(active) << "\n";
    } else {
      _out << "None of the specified partition reassignments are active.\n";
    }
    _out << "None of the specified partition moves are active.\n";
    if (!_o.preserve_throttles) return clear_reassignment_throttles(plan, *this, _out);
    return std::nullopt;
  }

  std::optional<failure> list() {
    std::map<topic_partition, gc::ongoing_reassignment> ongoing;
    if (auto f = in_progress(std::nullopt, ongoing)) return f;
    _out << current_reassignments_text(ongoing) << "\n";
    return std::nullopt;
  }

  gc::sync_client& _c;
  const reassign_options& _o;
  std::ostream& _out;
};

} // namespace

int run_reassign_bootstrap(const reassign_options& o, std::ostream& out, std::ostream& /*err*/) {
  if (!o.zookeeper.empty()) {
    out << "Warning: ignoring deprecated --zookeeper option because --bootstrap-server was specified.  The "
           "--zookeeper option will be removed in a future version of Kafka.\n";
  }
  std::string options_error;
  auto co = admin_client_options(o.bootstrap_server, o.command_config, "reassign-partitions-tool", options_error);
  if (!co) return reassign_error(out, options_error);
  // Not connected yet: the input files are checked before the first request, as Kafka's tool does.
  gc::sync_client c(std::move(*co));
  reassigner r(c, o, out);
  return r.run();
}

} // namespace gregor::tools
