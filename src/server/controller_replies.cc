#include "controller_replies.h"

#include <set>

namespace gregor::server {

using protocol::error_code;

namespace {

int16_t code_of(error_code e) { return static_cast<int16_t>(e); }

// Appends a result to the last topic entry of `topics` when it names `topic`, else to a new one:
// fed from a map sorted by topic, this groups each topic's partitions into one entry.
template <typename TopicEntry>
TopicEntry& topic_entry(std::vector<TopicEntry>& topics, const std::string& topic) {
  if (topics.empty() || topics.back().name != topic) topics.emplace_back().name = topic;
  return topics.back();
}

} // namespace

protocol::controlled_shutdown_response to_response(const controller::controlled_shutdown_reply& reply) {
  protocol::controlled_shutdown_response resp;
  resp.error_code = code_of(reply.error);
  for (const auto& tp : reply.remaining) {
    auto& p = resp.remaining_partitions.emplace_back();
    p.topic_name = tp.topic;
    p.partition_index = tp.partition;
  }
  return resp;
}

std::optional<std::vector<topic_partition>> requested_partitions(const protocol::elect_leaders_request& req) {
  if (!req.topic_partitions) return std::nullopt;
  std::vector<topic_partition> out;
  std::set<topic_partition> seen;
  for (const auto& t : *req.topic_partitions) {
    for (int32_t p : t.partitions) {
      topic_partition tp{t.topic, p};
      if (seen.insert(tp).second) out.push_back(std::move(tp));
    }
  }
  return out;
}

std::optional<controller::election_type> requested_election_type(const protocol::elect_leaders_request& req,
                                                                  int16_t version) {
  if (version < 1) return controller::election_type::preferred;
  switch (req.election_type) {
    case 0: return controller::election_type::preferred;
    case 1: return controller::election_type::unclean;
    default: return std::nullopt;
  }
}

protocol::elect_leaders_response elect_leaders_failure(const std::optional<std::vector<topic_partition>>& partitions,
                                                       error_code error) {
  protocol::elect_leaders_response resp;
  resp.error_code = code_of(error);
  if (!partitions) return resp;
  std::set<topic_partition> sorted(partitions->begin(), partitions->end());
  auto& topics = resp.replica_election_results;
  for (const auto& tp : sorted) {
    if (topics.empty() || topics.back().topic != tp.topic) topics.emplace_back().topic = tp.topic;
    auto& r = topics.back().partition_result.emplace_back();
    r.partition_id = tp.partition;
    r.error_code = code_of(error);
    r.error_message = std::nullopt;
  }
  return resp;
}

protocol::elect_leaders_response to_response(const controller::elect_leaders_reply& reply, bool all_partitions) {
  if (reply.error != error_code::none) {
    std::vector<topic_partition> named;
    for (const auto& [tp, outcome] : reply.partitions) named.push_back(tp);
    return elect_leaders_failure(all_partitions ? std::nullopt : std::optional(named), reply.error);
  }
  protocol::elect_leaders_response resp;
  auto& topics = resp.replica_election_results;
  for (const auto& [tp, outcome] : reply.partitions) {
    if (all_partitions && outcome.error == error_code::election_not_needed) continue;
    if (topics.empty() || topics.back().topic != tp.topic) topics.emplace_back().topic = tp.topic;
    auto& r = topics.back().partition_result.emplace_back();
    r.partition_id = tp.partition;
    r.error_code = code_of(outcome.error);
    r.error_message = outcome.message;
  }
  return resp;
}

std::map<topic_partition, std::optional<std::vector<int32_t>>> reassignment_targets(
    const protocol::alter_partition_reassignments_request& req) {
  std::map<topic_partition, std::optional<std::vector<int32_t>>> out;
  for (const auto& t : req.topics) {
    for (const auto& p : t.partitions) out[topic_partition{t.name, p.partition_index}] = p.replicas;
  }
  return out;
}

protocol::alter_partition_reassignments_response to_response(const controller::alter_reassignments_reply& reply) {
  protocol::alter_partition_reassignments_response resp;
  resp.error_code = code_of(reply.error);
  resp.error_message = reply.message;
  if (reply.error != error_code::none) return resp;  // Kafka: a top-level error carries no partitions
  for (const auto& [tp, outcome] : reply.partitions) {
    auto& r = topic_entry(resp.responses, tp.topic).partitions.emplace_back();
    r.partition_index = tp.partition;
    r.error_code = code_of(outcome.error);
    r.error_message = outcome.message;
  }
  return resp;
}

std::optional<std::vector<topic_partition>> requested_partitions(
    const protocol::list_partition_reassignments_request& req) {
  if (!req.topics) return std::nullopt;
  std::vector<topic_partition> out;
  std::set<topic_partition> seen;
  for (const auto& t : *req.topics) {
    for (int32_t p : t.partition_indexes) {
      topic_partition tp{t.name, p};
      if (seen.insert(tp).second) out.push_back(std::move(tp));
    }
  }
  return out;
}

protocol::list_partition_reassignments_response to_response(const controller::list_reassignments_reply& reply) {
  protocol::list_partition_reassignments_response resp;
  resp.error_code = code_of(reply.error);
  resp.error_message = std::nullopt;
  if (reply.error != error_code::none) return resp;
  for (const auto& [tp, ongoing] : reply.partitions) {
    auto& r = topic_entry(resp.topics, tp.topic).partitions.emplace_back();
    r.partition_index = tp.partition;
    r.replicas = ongoing.replicas;
    r.adding_replicas = ongoing.adding;
    r.removing_replicas = ongoing.removing;
  }
  return resp;
}

} // namespace gregor::server
