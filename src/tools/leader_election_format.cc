// The election tools' pure parts: election type names, the election JSON file and the result
// texts (see leader_election.h).

#include <algorithm>
#include <cctype>

#include "gregor/client/errc.h"
#include "json_input.h"
#include "kafka_exception.h"
#include "leader_election.h"
#include "reassign_json.h"

namespace gregor::tools {

namespace {

namespace ji = json_input;

std::string joined(const std::vector<topic_partition>& partitions, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < partitions.size(); ++i) out += (i > 0 ? sep : "") + partitions[i].to_string();
  return out;
}

} // namespace

std::string election_type_name(client::election_type t) {
  return t == client::election_type::unclean ? "UNCLEAN" : "PREFERRED";
}

std::optional<client::election_type> parse_election_type(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "preferred") return client::election_type::preferred;
  if (lower == "unclean") return client::election_type::unclean;
  return std::nullopt;
}

std::optional<std::vector<topic_partition>> parse_election_json(std::string_view text, election_file_kind kind,
                                                                std::string& error) {
  const bool preferred = kind == election_file_kind::preferred_replica_election;
  const std::string subject = preferred ? "Preferred replica election data" : "Replica election data";
  auto js = ji::parse_full(text);
  if (!js) {
    error = subject + " is empty";
    return std::nullopt;
  }
  const ji::json* obj = ji::as_object(*js, error);
  if (obj == nullptr) return std::nullopt;
  const ji::json* list = ji::optional_field(*obj, "partitions");
  if (list == nullptr) {
    error = preferred ? subject + " is empty" : subject + " is missing \"partitions\" field";
    return std::nullopt;
  }
  if (ji::as_array(*list, error) == nullptr) return std::nullopt;
  std::vector<topic_partition> out;
  for (const auto& entry : *list) {
    const ji::json* p = ji::as_object(entry, error);
    if (p == nullptr) return std::nullopt;
    const ji::json* topic_field = ji::field(*p, "topic", error);
    if (topic_field == nullptr) return std::nullopt;
    auto topic = ji::to_string(*topic_field, error);
    if (!topic) return std::nullopt;
    const ji::json* partition_field = ji::field(*p, "partition", error);
    if (partition_field == nullptr) return std::nullopt;
    auto partition = ji::to_int(*partition_field, error);
    if (!partition) return std::nullopt;
    out.push_back(topic_partition{std::move(*topic), *partition});
  }
  auto dup = duplicates(out);
  if (!dup.empty()) {
    error = subject + " contains duplicate partitions: " + joined(dup, ",");
    return std::nullopt;
  }
  return out;
}

election_report leader_election_report(client::election_type type,
                                       const std::map<topic_partition, client::partition_outcome>& results) {
  const auto not_needed = client::kafka_error(protocol::error_code::election_not_needed);
  std::vector<topic_partition> succeeded, noop;
  std::vector<std::pair<topic_partition, const client::partition_outcome*>> failed;
  for (const auto& [tp, outcome] : results) {
    if (!outcome.error) {
      succeeded.push_back(tp);
    } else if (outcome.error == not_needed) {
      noop.push_back(tp);
    } else {
      failed.emplace_back(tp, &outcome);
    }
  }
  election_report r;
  const std::string name = election_type_name(type);
  if (!succeeded.empty()) {
    r.out += "Successfully completed leader election (" + name + ") for partitions " + joined(succeeded, ", ") + "\n";
  }
  if (!noop.empty()) r.out += "Valid replica already elected for partitions " + joined(noop, ", ") + "\n";
  if (!failed.empty()) {
    for (const auto& [tp, outcome] : failed) {
      r.out += "Error completing leader election (" + name + ") for partition: " + tp.to_string() + ": " +
               kafka_exception_text(outcome->error, outcome->message) + "\n";
    }
    r.err = std::to_string(failed.size()) + " replica(s) could not be elected\n";
    r.exit_code = 1;
  }
  return r;
}

std::string scala_set_text(const std::vector<topic_partition>& partitions) {
  std::vector<topic_partition> sorted = partitions;
  std::sort(sorted.begin(), sorted.end());
  return std::string(sorted.size() > 4 ? "HashSet(" : "Set(") + joined(sorted, ", ") + ")";
}

election_report preferred_election_report(const std::map<topic_partition, client::partition_outcome>& results) {
  const auto not_needed = client::kafka_error(protocol::error_code::election_not_needed);
  std::vector<topic_partition> ok;
  std::vector<std::pair<topic_partition, const client::partition_outcome*>> failed;
  for (const auto& [tp, outcome] : results) {
    if (!outcome.error || outcome.error == not_needed) {
      ok.push_back(tp);
    } else {
      failed.emplace_back(tp, &outcome);
    }
  }
  election_report r;
  if (!ok.empty()) r.out += "Successfully completed preferred replica election for partitions " + joined(ok, ", ") + "\n";
  if (!failed.empty()) {
    for (const auto& [tp, outcome] : failed) {
      r.out += "Error completing preferred replica election for partition " + tp.to_string() + ": " +
               kafka_exception_text(outcome->error, outcome->message) + "\n";
    }
    r.err = std::to_string(failed.size()) + " preferred replica(s) could not be elected\n";
    r.exit_code = 1;
  }
  return r;
}

} // namespace gregor::tools
