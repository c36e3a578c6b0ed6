#include "consumer_groups_format.h"

#include <algorithm>

#include "gregor/client/errc.h"

namespace gregor::tools {

namespace {

constexpr const char* missing = "-";

// Java's "%-<width>s": left-aligned, padded with spaces, never truncated.
std::string pad(const std::string& s, size_t width) {
  if (s.size() >= width) return s;
  return s + std::string(width - s.size(), ' ');
}

template <class T>
std::string or_missing(const std::optional<T>& v) {
  if (!v) return missing;
  if constexpr (std::is_same_v<T, std::string>) {
    return *v;
  } else {
    return std::to_string(*v);
  }
}

struct java_error {
  protocol::error_code code;
  const char* exception;
  const char* message;
};

// The errors the group tools meet, with the Java client's exception class and message.
constexpr java_error java_errors[] = {
  {protocol::error_code::non_empty_group, "GroupNotEmptyException", "The group is not empty."},
  {protocol::error_code::group_id_not_found, "GroupIdNotFoundException", "The group id does not exist."},
  {protocol::error_code::invalid_group_id, "InvalidGroupIdException", "The configured groupId is invalid."},
  {protocol::error_code::group_authorization_failed, "GroupAuthorizationException", "Group authorization failed."},
  {protocol::error_code::coordinator_not_available, "CoordinatorNotAvailableException", "The coordinator is not available."},
  {protocol::error_code::not_coordinator, "NotCoordinatorException", "This is not the correct coordinator."},
  {protocol::error_code::coordinator_load_in_progress, "CoordinatorLoadInProgressException",
   "The coordinator is loading and hence can't process requests."},
  {protocol::error_code::group_subscribed_to_topic, "GroupSubscribedToTopicException",
   "The consumer group is actively subscribed to the topic"},
  {protocol::error_code::unknown_topic_or_partition, "UnknownTopicOrPartitionException",
   "This server does not host this topic-partition."},
  {protocol::error_code::unknown_member_id, "UnknownMemberIdException",
   "The coordinator is not aware of this member."},
  {protocol::error_code::illegal_generation, "IllegalGenerationException",
   "Specified group generation id is not valid."},
  {protocol::error_code::rebalance_in_progress, "RebalanceInProgressException",
   "The group is rebalancing, so a rejoin is needed."},
  {protocol::error_code::request_timed_out, "TimeoutException", "The request timed out."},
};

} // namespace

std::optional<int64_t> lag_of(std::optional<int64_t> committed, std::optional<int64_t> log_end) {
  if (!committed || *committed == -1 || !log_end) return std::nullopt;
  return *log_end - *committed;
}

std::string format_offsets_table(const std::vector<offset_row>& rows) {
  size_t group_w = 15, topic_w = 15, consumer_w = 15, host_w = 15;
  for (const auto& r : rows) {
    group_w = std::max(group_w, r.group.size());
    topic_w = std::max(topic_w, or_missing(r.topic).size());
    consumer_w = std::max(consumer_w, or_missing(r.consumer_id).size());
    host_w = std::max(host_w, or_missing(r.host).size());
  }
  auto line = [&](const std::string& g, const std::string& t, const std::string& p, const std::string& cur,
                  const std::string& end, const std::string& lag, const std::string& c, const std::string& h,
                  const std::string& cl) {
    return pad(g, group_w) + " " + pad(t, topic_w) + " " + pad(p, 10) + " " + pad(cur, 15) + " " + pad(end, 15) + " " +
           pad(lag, 15) + " " + pad(c, consumer_w) + " " + pad(h, host_w) + " " + cl + "\n";
  };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
                                "HOST", "CLIENT-ID");
  for (const auto& r : rows) {
    out += line(r.group, or_missing(r.topic), or_missing(r.partition), or_missing(r.current_offset),
                 or_missing(r.log_end_offset), or_missing(r.lag), or_missing(r.consumer_id), or_missing(r.host),
                 or_missing(r.client_id));
  }
  return out;
}

std::string assignment_text(const client::partition_map& assignment) {
  std::string out;
  for (const auto& [topic, parts] : assignment) {  // std::map: topics sorted
    if (parts.empty()) continue;
    std::vector<int32_t> sorted = parts;
    std::sort(sorted.begin(), sorted.end());
    if (!out.empty()) out += ", ";
    out += topic + "(";
    for (size_t i = 0; i < sorted.size(); ++i) out += (i > 0 ? "," : "") + std::to_string(sorted[i]);
    out += ")";
  }
  return out.empty() ? missing : out;
}

std::string format_members_table(const std::vector<member_row>& rows, bool verbose) {
  size_t group_w = 15, consumer_w = 15, instance_w = 17, host_w = 15, client_w = 15;
  bool with_instance = false;
  for (const auto& r : rows) {
    group_w = std::max(group_w, r.group.size());
    consumer_w = std::max(consumer_w, r.consumer_id.size());
    instance_w = std::max(instance_w, r.group_instance_id.size());
    host_w = std::max(host_w, r.host.size());
    client_w = std::max(client_w, r.client_id.size());
    with_instance = with_instance || !r.group_instance_id.empty();
  }
  auto line = [&](const std::string& g, const std::string& c, const std::string& i, const std::string& h,
                  const std::string& cl, const std::string& n) {
    std::string s = pad(g, group_w) + " " + pad(c, consumer_w) + " ";
    if (with_instance) s += pad(i, instance_w) + " ";
    return s + pad(h, host_w) + " " + pad(cl, client_w) + " " + pad(n, 15) + " ";
  };
  std::string out = "\n" + line("GROUP", "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS");
  if (verbose) out += "ASSIGNMENT";
  out += "\n";
  for (const auto& r : rows) {
    out += line(r.group, r.consumer_id, r.group_instance_id, r.host, r.client_id, std::to_string(r.partitions));
    if (verbose) out += assignment_text(r.assignment);
    out += "\n";
  }
  return out;
}

std::string format_state_table(const state_row& row) {
  // Kafka sizes the first column by the coordinator's text (a quirk of its format string).
  const size_t first_w = std::max<size_t>(25, row.coordinator.size());
  auto line = [&](const std::string& g, const std::string& c, const std::string& a, const std::string& s,
                  const std::string& n) {
    return "\n" + pad(g, first_w) + " " + pad(c, 25) + " " + pad(a, 20) + " " + pad(s, 15) + " " + n;
  };
  return line("GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS") +
         line(row.group, row.coordinator, row.assignment_strategy, row.state, std::to_string(row.members)) + "\n";
}

std::string format_group_list(const std::vector<client::group_listing>& groups, bool with_type, bool with_state) {
  std::string out;
  if (!with_type && !with_state) {
    for (const auto& g : groups) out += g.group_id + "\n";
    return out;
  }
  size_t group_w = 15;
  for (const auto& g : groups) group_w = std::max(group_w, g.group_id.size());
  group_w += 10;
  auto line = [&](const std::string& id, const std::string& type, const std::string& state) {
    std::string s = pad(id, group_w);
    if (with_type) s += " " + pad(type, 20);
    if (with_state) s += " " + pad(state, 20);
    return s + "\n";
  };
  out += line("GROUP", "TYPE", "STATE");
  for (const auto& g : groups) out += line(g.group_id, "Classic", g.state.empty() ? "Unknown" : g.state);
  return out;
}

std::string format_reset_table(const reset_plan& plan) {
  if (plan.empty()) return "";
  auto line = [](const std::string& g, const std::string& t, const std::string& p, const std::string& o) {
    return pad(g, 30) + " " + pad(t, 30) + " " + pad(p, 10) + " " + pad(o, 15) + "\n";
  };
  std::string out = "\n" + line("GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
  for (const auto& [group, offsets] : plan) {
    for (const auto& [tp, offset] : offsets) out += line(group, tp.topic, std::to_string(tp.partition), std::to_string(offset));
  }
  return out;
}

std::string format_reset_csv(const reset_plan& plan, bool single_group) {
  std::string out;
  for (const auto& [group, offsets] : plan) {
    for (const auto& [tp, offset] : offsets) {
      if (!single_group) out += group + ",";
      out += tp.topic + "," + std::to_string(tp.partition) + "," + std::to_string(offset) + "\n";
    }
  }
  return out + "\n";
}

std::string format_delete_offsets_table(const std::map<topic_partition, std::optional<std::string>>& results) {
  auto line = [](const std::string& t, const std::string& p, const std::string& s) {
    return pad(t, 30) + " " + pad(p, 15) + " " + pad(s, 15) + "\n";
  };
  // Kafka sorts by topic + partition as one string.
  std::vector<std::pair<std::string, const std::pair<const topic_partition, std::optional<std::string>>*>> order;
  for (const auto& entry : results) order.emplace_back(entry.first.topic + std::to_string(entry.first.partition), &entry);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "\n" + line("TOPIC", "PARTITION", "STATUS");
  for (const auto& [key, entry] : order) {
    const auto& tp = entry->first;
    const auto& error = entry->second;
    out += line(tp.topic, tp.partition >= 0 ? std::to_string(tp.partition) : "Not Provided",
                error ? "Error: " + *error : "Successful");
  }
  return out;
}

group_notice notice_for_group(const std::string& group, const std::string& state, std::optional<size_t> rows) {
  group_notice n;
  if (!rows) {
    n.out = error_line("The consumer group '" + group + "' does not exist.");
    return n;
  }
  if (state == "Dead") {
    n.out = error_line("Consumer group '" + group + "' does not exist.");
  } else if (state == "Empty") {
    n.err = "\nConsumer group '" + group + "' has no active members.\n";
  } else if (state == "PreparingRebalance" || state == "CompletingRebalance" || state == "Assigning" ||
             state == "Reconciling") {
    n.err = "\nWarning: Consumer group '" + group + "' is rebalancing.\n";
  }
  n.print = state != "Dead" && *rows > 0;
  return n;
}

std::string error_line(const std::string& message) { return "\nError: " + message + "\n"; }

std::string java_exception(const std::error_code& ec, bool message_only) {
  if (ec.category() == client::kafka_category()) {
    for (const auto& e : java_errors) {
      if (ec.value() == static_cast<int>(e.code)) {
        if (message_only) return e.message;
        return std::string("org.apache.kafka.common.errors.") + e.exception + ": " + e.message;
      }
    }
  }
  if (ec == client::client_errc::timed_out || ec == client::client_errc::no_broker_reachable) {
    return message_only ? "Timed out waiting for a node assignment."
                        : "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment.";
  }
  return ec.message();
}

} // namespace gregor::tools
