#include "gregor/client/controller_requests.h"

#include <algorithm>

#include "gregor/client/errc.h"

namespace gregor::client {

namespace {

using protocol::error_code;

std::string message_of(const std::optional<std::string>& m) { return m.value_or(""); }

// Groups partitions by topic in first-seen order of the topics (the wire groups them so).
template <class Entry, class Container>
Entry& topic_entry(Container& topics, const std::string& name) {
  auto it = std::find_if(topics.begin(), topics.end(), [&](const Entry& e) { return e.name == name; });
  if (it != topics.end()) return *it;
  auto& e = topics.emplace_back();
  e.name = name;
  return e;
}

} // namespace

result<protocol::elect_leaders_request> build_elect_leaders_request(int16_t version, election_type type,
                                                                    const std::optional<std::vector<topic_partition>>& partitions,
                                                                    int32_t timeout_ms) {
  if (version < 1 && type != election_type::preferred) return unexpected(make_error_code(client_errc::unsupported_version));
  protocol::elect_leaders_request req;
  req.election_type = static_cast<int8_t>(type);
  req.timeout_ms = timeout_ms;
  if (!partitions) {
    req.topic_partitions = std::nullopt;
    return req;
  }
  req.topic_partitions.emplace();
  for (const auto& tp : *partitions) {
    auto& topics = *req.topic_partitions;
    auto it = std::find_if(topics.begin(), topics.end(), [&](const auto& t) { return t.topic == tp.topic; });
    if (it == topics.end()) {
      topics.emplace_back();
      it = topics.end() - 1;
      it->topic = tp.topic;
    }
    it->partitions.push_back(tp.partition);
  }
  return req;
}

result<std::map<topic_partition, partition_outcome>> read_elect_leaders_response(const protocol::elect_leaders_response& r) {
  if (r.error_code != 0) return unexpected(kafka_error(r.error_code));
  std::map<topic_partition, partition_outcome> out;
  bool all_not_controller = true;
  for (const auto& t : r.replica_election_results) {
    for (const auto& p : t.partition_result) {
      out[topic_partition{t.topic, p.partition_id}] = partition_outcome{kafka_error(p.error_code), message_of(p.error_message)};
      all_not_controller = all_not_controller && p.error_code == static_cast<int16_t>(error_code::not_controller);
    }
  }
  if (!out.empty() && all_not_controller) return unexpected(kafka_error(error_code::not_controller));
  return out;
}

protocol::alter_partition_reassignments_request build_alter_partition_reassignments_request(
  const std::map<topic_partition, std::optional<std::vector<int32_t>>>& targets, int32_t timeout_ms) {
  using topic_t = protocol::alter_partition_reassignments_request::reassignable_topic;
  protocol::alter_partition_reassignments_request req;
  req.timeout_ms = timeout_ms;
  for (const auto& [tp, replicas] : targets) {
    auto& t = topic_entry<topic_t>(req.topics, tp.topic);
    auto& p = t.partitions.emplace_back();
    p.partition_index = tp.partition;
    p.replicas = replicas;
  }
  return req;
}

result<std::map<topic_partition, partition_outcome>> read_alter_partition_reassignments_response(
  const protocol::alter_partition_reassignments_response& r) {
  if (r.error_code != 0) return unexpected(kafka_error(r.error_code));
  std::map<topic_partition, partition_outcome> out;
  for (const auto& t : r.responses) {
    for (const auto& p : t.partitions) {
      out[topic_partition{t.name, p.partition_index}] = partition_outcome{kafka_error(p.error_code), message_of(p.error_message)};
    }
  }
  return out;
}

protocol::list_partition_reassignments_request build_list_partition_reassignments_request(
  const std::optional<std::vector<topic_partition>>& partitions, int32_t timeout_ms) {
  using topic_t = protocol::list_partition_reassignments_request::list_partition_reassignments_topics;
  protocol::list_partition_reassignments_request req;
  req.timeout_ms = timeout_ms;
  if (!partitions) {
    req.topics = std::nullopt;
    return req;
  }
  req.topics.emplace();
  for (const auto& tp : *partitions) topic_entry<topic_t>(*req.topics, tp.topic).partition_indexes.push_back(tp.partition);
  return req;
}

result<std::map<topic_partition, ongoing_reassignment>> read_list_partition_reassignments_response(
  const protocol::list_partition_reassignments_response& r) {
  if (r.error_code != 0) return unexpected(kafka_error(r.error_code));
  std::map<topic_partition, ongoing_reassignment> out;
  for (const auto& t : r.topics) {
    for (const auto& p : t.partitions) {
      out[topic_partition{t.name, p.partition_index}] = ongoing_reassignment{p.replicas, p.adding_replicas, p.removing_replicas};
    }
  }
  return out;
}

protocol::incremental_alter_configs_request build_incremental_alter_configs_request(
  const std::vector<config_resource_change>& resources, bool validate_only) {
  protocol::incremental_alter_configs_request req;
  req.validate_only = validate_only;
  for (const auto& res : resources) {
    auto& r = req.resources.emplace_back();
    r.resource_type = static_cast<int8_t>(res.type);
    r.resource_name = res.name;
    for (const auto& a : res.alterations) {
      auto& c = r.configs.emplace_back();
      c.name = a.name;
      c.config_operation = static_cast<int8_t>(a.op);
      c.value = a.value;
    }
  }
  return req;
}

std::vector<config_resource_result> read_incremental_alter_configs_response(
  const protocol::incremental_alter_configs_response& r) {
  std::vector<config_resource_result> out;
  for (const auto& res : r.responses) {
    out.push_back({static_cast<config_resource_type>(res.resource_type), res.resource_name, kafka_error(res.error_code),
                   message_of(res.error_message)});
  }
  return out;
}

} // namespace gregor::client
