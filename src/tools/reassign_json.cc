#include "reassign_json.h"

#include <charconv>

#include "json_input.h"

namespace gregor::tools {

namespace {

namespace ji = json_input;
using ordered = nlohmann::ordered_json;

constexpr int32_t supported_version = 1;  // the only plan / topic-list version Kafka defines

// Java's List.toString: "[1, 2]".
template <class T>
std::string java_list(const std::vector<T>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    if constexpr (std::is_same_v<T, std::string>) {
      out += values[i];
    } else {
      out += std::to_string(values[i]);
    }
  }
  return out + "]";
}

// The top-level object and its version check, shared by both file kinds.
const ji::json* versioned_object(const ji::json& js, std::string& error) {
  const ji::json* obj = ji::as_object(js, error);
  if (obj == nullptr) return nullptr;
  if (const ji::json* v = ji::optional_field(*obj, "version")) {
    auto version = ji::to_int(*v, error);
    if (!version) return nullptr;
    if (*version != supported_version) {
      error = "Not supported version field value " + std::to_string(*version);
      return nullptr;
    }
  }
  return obj;
}

// One entry of the plan's "partitions" array.
bool parse_plan_entry(const ji::json& entry, reassignment_plan& plan, std::string& error) {
  const ji::json* p = ji::as_object(entry, error);
  if (p == nullptr) return false;
  const ji::json* topic_field = ji::field(*p, "topic", error);
  if (topic_field == nullptr) return false;
  auto topic = ji::to_string(*topic_field, error);
  if (!topic) return false;
  const ji::json* partition_field = ji::field(*p, "partition", error);
  if (partition_field == nullptr) return false;
  auto partition = ji::to_int(*partition_field, error);
  if (!partition) return false;
  const ji::json* replicas_field = ji::field(*p, "replicas", error);
  if (replicas_field == nullptr) return false;
  auto replicas = ji::to_int_list(*replicas_field, error);
  if (!replicas) return false;
  std::vector<std::string> dirs(replicas->size(), "any");
  if (const ji::json* dirs_field = ji::optional_field(*p, "log_dirs")) {
    auto listed = ji::to_string_list(*dirs_field, error);
    if (!listed) return false;
    dirs = std::move(*listed);
  }
  topic_partition tp{*topic, *partition};
  if (dirs.size() != replicas->size()) {
    error = "Size of replicas list " + java_list(*replicas) + " is different from size of log dirs list " +
            java_list(dirs) + " for partition " + tp.to_string();
    return false;
  }
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (dirs[i] != "any") plan.log_dirs[topic_partition_replica{tp.topic, tp.partition, (*replicas)[i]}] = dirs[i];
  }
  plan.partitions.emplace_back(std::move(tp), std::move(*replicas));
  return true;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? sep : "") + items[i];
  return out;
}

} // namespace

std::string topic_partition_replica::to_string() const {
  return topic + "-" + std::to_string(partition) + "-" + std::to_string(broker);
}

std::optional<reassignment_plan> parse_reassignment_json(std::string_view text, std::string& error) {
  auto js = ji::parse_full(text);
  if (!js) {
    error = "The input string is not a valid JSON";
    return std::nullopt;
  }
  const ji::json* obj = versioned_object(*js, error);
  if (obj == nullptr) return std::nullopt;
  reassignment_plan plan;
  const ji::json* partitions = ji::optional_field(*obj, "partitions");
  if (partitions == nullptr) return plan;
  if (ji::as_array(*partitions, error) == nullptr) return std::nullopt;
  for (const auto& entry : *partitions) {
    if (!parse_plan_entry(entry, plan, error)) return std::nullopt;
  }
  return plan;
}

std::string execute_plan_error(const reassignment_plan& plan) {
  if (plan.partitions.empty()) return "Partition reassignment list cannot be empty";
  std::vector<topic_partition> parts;
  for (const auto& [tp, replicas] : plan.partitions) {
    if (replicas.empty()) return "Partition replica list cannot be empty";
    parts.push_back(tp);
  }
  auto dup_parts = duplicates(parts);
  if (!dup_parts.empty()) {
    std::vector<std::string> names;
    for (const auto& tp : dup_parts) names.push_back(tp.to_string());
    return "Partition reassignment contains duplicate topic partitions: " + join(names, ",");
  }
  std::vector<std::string> dup_msgs;
  for (const auto& [tp, replicas] : plan.partitions) {
    auto dup = duplicates(replicas);
    if (dup.empty()) continue;
    std::vector<std::string> ids;
    for (int32_t id : dup) ids.push_back(std::to_string(id));
    dup_msgs.push_back(tp.to_string() + " contains multiple entries for " + join(ids, ","));
  }
  if (!dup_msgs.empty()) return "Partition replica lists may not contain duplicate entries: " + join(dup_msgs, ". ");
  return {};
}

std::optional<std::vector<std::string>> parse_topics_to_move_json(std::string_view text, std::string& error) {
  auto js = ji::parse_full(text);
  if (!js) {
    error = "The input string is not a valid JSON";
    return std::nullopt;
  }
  const ji::json* obj = versioned_object(*js, error);
  if (obj == nullptr) return std::nullopt;
  std::vector<std::string> out;
  const ji::json* topics = ji::optional_field(*obj, "topics");
  if (topics == nullptr) return out;
  if (ji::as_array(*topics, error) == nullptr) return std::nullopt;
  for (const auto& entry : *topics) {
    const ji::json* t = ji::as_object(entry, error);
    if (t == nullptr) return std::nullopt;
    const ji::json* name_field = ji::field(*t, "topic", error);
    if (name_field == nullptr) return std::nullopt;
    auto name = ji::to_string(*name_field, error);
    if (!name) return std::nullopt;
    out.push_back(std::move(*name));
  }
  return out;
}

std::optional<std::vector<int32_t>> parse_broker_list(std::string_view text, std::string& error) {
  // Java's String.split(","): trailing empty entries are dropped, inner ones are kept (and fail).
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  while (!items.empty() && items.back().empty() && items.size() > 1) items.pop_back();
  std::vector<int32_t> ids;
  for (auto item : items) {
    std::string_view digits = item;
    // Integer.parseInt allows one sign, '+' or '-', before the digits.
    if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-') digits.remove_prefix(1);
    int32_t id = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
      error = "For input string: \"" + std::string(item) + "\"";
      return std::nullopt;
    }
    ids.push_back(id);
  }
  auto dup = duplicates(ids);
  if (!dup.empty()) {
    std::vector<std::string> names;
    for (int32_t id : dup) names.push_back(std::to_string(id));
    error = "Broker list contains duplicate entries: " + join(names, ",");
    return std::nullopt;
  }
  return ids;
}

std::string format_reassignment_json(const std::map<topic_partition, std::vector<int32_t>>& assignment,
                                     const std::map<topic_partition_replica, std::string>& log_dirs) {
  ordered doc;
  doc["version"] = supported_version;
  doc["partitions"] = ordered::array();
  for (const auto& [tp, replicas] : assignment) {
    ordered p;
    p["topic"] = tp.topic;
    p["partition"] = tp.partition;
    p["replicas"] = replicas;
    ordered dirs = ordered::array();
    for (int32_t r : replicas) {
      auto it = log_dirs.find(topic_partition_replica{tp.topic, tp.partition, r});
      dirs.push_back(it == log_dirs.end() ? std::string("any") : it->second);
    }
    p["log_dirs"] = std::move(dirs);
    doc["partitions"].push_back(std::move(p));
  }
  return doc.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

} // namespace gregor::tools
