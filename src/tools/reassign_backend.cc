#include "reassign_backend.h"

#include <algorithm>
#include <ostream>
#include <random>

#include "json_input.h"
#include "reassign_format.h"
#include "reassign_generate.h"

namespace gregor::tools {

int reassign_exit(std::ostream& out, const reassign_outcome& f) {
  if (!f) return 0;
  if (f->terse) {
    out << f->message << "\n";
    return 1;
  }
  return reassign_error(out, f->message);
}

reassign_outcome read_reassignment_plan(const std::string& path, bool for_execute, const char* log_dirs_refusal,
                                        reassignment_plan& plan) {
  std::string error;
  auto text = json_input::read_file(path, error);
  if (!text) return reassign_failure{error};
  auto parsed = parse_reassignment_json(*text, error);
  if (!parsed) return reassign_failure{error};
  plan = std::move(*parsed);
  if (for_execute) {
    if (auto why = execute_plan_error(plan); !why.empty()) return reassign_failure{why};
  }
  if (!plan.log_dirs.empty()) return reassign_failure{log_dirs_refusal};
  return std::nullopt;
}

reassign_outcome generate_reassignment(const reassign_options& o, reassign_backend& backend, std::ostream& out) {
  std::string error;
  auto wanted = parse_broker_list(o.broker_list, error);
  if (!wanted) return reassign_failure{error};
  auto text = json_input::read_file(o.topics_to_move_json_file, error);
  if (!text) return reassign_failure{error};
  auto topics = parse_topics_to_move_json(*text, error);
  if (!topics) return reassign_failure{error};
  auto dup = duplicates(*topics);
  if (!dup.empty()) {
    std::string names;
    for (const auto& t : dup) names += (names.empty() ? "" : ",") + t;
    return reassign_failure{"List of topics to reassign contains duplicate entries: " + names};
  }
  assignment_map current;
  std::vector<metadata::broker_rack> registered;
  if (auto f = backend.generate_inputs(*topics, current, registered)) return f;
  // The registered brokers of the list; racks only when rack awareness is on.
  std::vector<metadata::broker_rack> brokers;
  for (auto& b : registered) {
    if (std::find(wanted->begin(), wanted->end(), b.id) == wanted->end()) continue;
    if (o.disable_rack_aware) b.rack.reset();
    brokers.push_back(b);
  }
  size_t racked = std::count_if(brokers.begin(), brokers.end(), [](const auto& b) { return b.rack.has_value(); });
  if (!o.disable_rack_aware && racked != 0 && racked != brokers.size()) {
    return reassign_failure{"Not all brokers have rack information. Add --disable-rack-aware in command line to make "
                            "replica assignment without rack information."};
  }
  std::mt19937 rng{std::random_device{}()};
  auto proposed = propose_reassignment(current, brokers, !o.disable_rack_aware, rng, error);
  if (!proposed) return reassign_failure{error};
  out << generate_text(current, *proposed) << "\n";
  return std::nullopt;
}

reassign_outcome set_reassignment_throttles(const move_map& moves, int64_t rate, reassign_backend& backend) {
  auto leaders = leader_throttles(moves);
  auto followers = follower_throttles(moves);
  std::vector<entity_config_change> changes;
  for (const auto& [topic, parts] : moves) {
    changes.push_back({false, topic, {{leader_throttled_replicas, leaders[topic]}, {follower_throttled_replicas, followers[topic]}}});
  }
  if (auto f = backend.alter_configs(changes)) return f;
  changes.clear();
  std::string rate_text = std::to_string(rate);
  for (int32_t b : reassigning_brokers(moves)) {
    changes.push_back({true, std::to_string(b), {{leader_throttled_rate, rate_text}, {follower_throttled_rate, rate_text}}});
  }
  return backend.alter_configs(changes);
}

reassign_outcome clear_reassignment_throttles(const reassignment_plan& plan, reassign_backend& backend,
                                              std::ostream& out) {
  std::set<int32_t> brokers;
  if (auto f = backend.live_brokers(brokers)) return f;
  std::set<std::string> topics;
  for (const auto& [tp, replicas] : plan.partitions) {
    brokers.insert(replicas.begin(), replicas.end());
    topics.insert(tp.topic);
  }
  std::vector<entity_config_change> changes;
  for (int32_t b : brokers) {
    changes.push_back({true,
                       std::to_string(b),
                       {{leader_throttled_rate, std::nullopt},
                        {follower_throttled_rate, std::nullopt},
                        {log_dirs_throttled_rate, std::nullopt}}});
  }
  out << clearing_broker_throttles_text(std::vector<int32_t>(brokers.begin(), brokers.end())) << "\n";
  if (auto f = backend.alter_configs(changes)) return f;
  changes.clear();
  for (const auto& t : topics) {
    changes.push_back({false, t, {{leader_throttled_replicas, std::nullopt}, {follower_throttled_replicas, std::nullopt}}});
  }
  out << clearing_topic_throttles_text(std::vector<std::string>(topics.begin(), topics.end())) << "\n";
  return backend.alter_configs(changes);
}

} // namespace gregor::tools
