// kafka-consumer-groups' actions against a cluster (see consumer_groups_command.h). Every
// cluster call goes through the client library; tables come from consumer_groups_format.cc.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>

#include "admin_client_options.h"
#include "consumer_groups_command.h"
#include "consumer_groups_format.h"
#include "consumer_groups_reset.h"
#include "gregor/client/consumer_protocol.h"
#include "gregor/client/errc.h"
#include "gregor/client/sync_client.h"

namespace gregor::tools {

namespace {

namespace gc = gregor::client;

// A failure of the command itself: Kafka prints "Error: Executing consumer group command failed
// due to <message>" and still exits 0.
struct command_failure {
  std::string message;
};

// A usage error found while running (Kafka's printUsageAndExit): exit 1.
struct usage_failure {
  std::string message;
};

using offsets_by_partition = std::map<topic_partition, std::optional<int64_t>>;

// The consumer-group states Kafka's --list --state accepts, in ConsumerGroupState's order.
constexpr const char* group_states[] = {"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty",
                                        "Assigning", "Reconciling"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(trim(item));
  return out;
}

class groups_service {
public:
  groups_service(const consumer_groups_options& o, gc::sync_client& c, std::ostream& out, std::ostream& err)
    : _o(o), _c(c), _out(out), _err(err) {}

  void list();
  void describe();
  void remove();
  void reset_offsets();
  void delete_offsets();

private:
  std::vector<gc::group_listing> consumer_groups(const std::vector<std::string>& states);
  std::vector<std::string> selected_groups();
  std::vector<gc::group_description> describe_all(const std::vector<std::string>& ids);
  std::map<topic_partition, gc::committed_offset> committed(const std::string& group);
  offsets_by_partition log_offsets(const std::vector<topic_partition>& partitions, int64_t timestamp);
  std::vector<topic_partition> partitions_of(const std::vector<std::string>& topic_args, bool fail_on_unknown,
                                             std::map<topic_partition, std::optional<std::string>>* unknown);
  void describe_offsets(const gc::group_description& d);
  void describe_members(const gc::group_description& d);
  void describe_state(const gc::group_description& d);
  std::map<topic_partition, int64_t> prepare_reset(const std::string& group, const std::vector<topic_partition>& partitions,
                                                   const std::optional<reset_plan>& file_plan);

  template <class T>
  T value_or_fail(result<T> r) {
    if (!r) throw command_failure{java_exception(r.error())};
    return std::move(*r);
  }

  const consumer_groups_options& _o;
  gc::sync_client& _c;
  std::ostream& _out;
  std::ostream& _err;
};

std::vector<gc::group_listing> groups_service::consumer_groups(const std::vector<std::string>& states) {
  auto listed = value_or_fail(_c.run(_c.async().list_groups(states)));
  std::vector<gc::group_listing> out;
  for (auto& g : listed) {
    // Consumer groups, and groups that only have committed offsets (protocol type "").
    if (g.protocol_type == gc::consumer_protocol_type || g.protocol_type.empty()) out.push_back(std::move(g));
  }
  return out;  // sorted by id (the client merges into a sorted map)
}

std::vector<std::string> groups_service::selected_groups() {
  std::vector<std::string> ids;
  if (_o.all_groups) {
    for (const auto& g : consumer_groups({})) ids.push_back(g.group_id);
    return ids;
  }
  std::set<std::string> seen;
  for (const auto& g : _o.groups) {
    if (seen.insert(g).second) ids.push_back(g);
  }
  return ids;
}

std::vector<gc::group_description> groups_service::describe_all(const std::vector<std::string>& ids) {
  auto described = value_or_fail(_c.run(_c.async().describe_groups(ids)));
  for (const auto& d : described) {
    if (d.error) throw command_failure{java_exception(d.error)};
  }
  std::sort(described.begin(), described.end(), [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
  return described;
}

std::map<topic_partition, gc::committed_offset> groups_service::committed(const std::string& group) {
  std::optional<std::vector<topic_partition>> all;
  auto fetched = value_or_fail(_c.run(_c.async().fetch_offsets(group, all)));
  std::map<topic_partition, gc::committed_offset> out;
  for (auto& [tp, c] : fetched) {
    if (!c.error && c.offset >= 0) out[tp] = std::move(c);  // -1: nothing committed
  }
  return out;
}

offsets_by_partition groups_service::log_offsets(const std::vector<topic_partition>& partitions, int64_t timestamp) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  offsets_by_partition out;
  for (const auto& [topic, parts] : by_topic) {
    auto listed = _c.run(_c.async().list_offsets(topic, parts, timestamp));
    for (int32_t p : parts) {
      std::optional<int64_t> v;
      if (listed) {
        auto it = listed->find(p);
        if (it != listed->end()) v = it->second;
      }
      out[topic_partition{topic, p}] = v;
    }
  }
  return out;
}

// Partitions named by --topic arguments: "t:0,1" as given, "t" as every partition of t. An
// unknown topic fails the command, or (delete-offsets) is reported in `unknown`.
std::vector<topic_partition> groups_service::partitions_of(const std::vector<std::string>& topic_args, bool fail_on_unknown,
                                                           std::map<topic_partition, std::optional<std::string>>* unknown) {
  std::vector<topic_partition> out;
  std::vector<std::string> whole;
  for (const auto& arg : topic_args) {
    std::string error;
    auto parsed = parse_topic_arg(arg, error);
    if (!parsed) throw usage_failure{error};
    if (parsed->partitions.empty()) {
      whole.push_back(parsed->topic);
      continue;
    }
    for (int32_t p : parsed->partitions) out.push_back(topic_partition{parsed->topic, p});
  }
  if (whole.empty()) return out;
  std::optional<std::vector<std::string>> wanted(whole);
  auto md = value_or_fail(_c.run(_c.async().refresh_metadata(wanted, false)));
  for (const auto& topic : whole) {
    const auto* t = md.find_topic(topic);
    if (t == nullptr || t->error) {
      auto ec = t != nullptr ? t->error : gc::kafka_error(protocol::error_code::unknown_topic_or_partition);
      if (fail_on_unknown) throw command_failure{java_exception(ec)};
      if (unknown != nullptr) (*unknown)[topic_partition{topic, -1}] = java_exception(ec, true);
      continue;
    }
    for (const auto& [p, info] : t->partitions) out.push_back(topic_partition{topic, p});
  }
  return out;
}

void groups_service::list() {
  std::vector<std::string> states;
  if (_o.state && !_o.state->empty()) {
    for (const auto& s : split_commas(*_o.state)) {
      const char* canonical = nullptr;
      for (const char* known : group_states) {
        if (lower(known) == lower(s)) canonical = known;
      }
      if (canonical == nullptr) {
        throw usage_failure{"Invalid state list '" + *_o.state +
                            "'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling"};
      }
      states.emplace_back(canonical);
    }
  }
  bool classic_wanted = true;
  if (_o.type && !_o.type->empty()) {
    classic_wanted = false;
    for (const auto& t : split_commas(lower(*_o.type))) {
      if (t == "classic") {
        classic_wanted = true;
      } else if (t != "consumer") {
        throw usage_failure{"Invalid types list '" + *_o.type + "'. Valid types are: Consumer, Classic"};
      }
    }
  }
  auto groups = consumer_groups(states);
  if (!classic_wanted) groups.clear();  // every group here uses the classic protocol
  _out << format_group_list(groups, _o.type.has_value(), _o.state.has_value());
}

void groups_service::describe() {
  auto ids = selected_groups();
  if (ids.empty()) return;
  for (const auto& d : describe_all(ids)) {
    switch (_o.view) {
    case describe_view::offsets: describe_offsets(d); break;
    case describe_view::members: describe_members(d); break;
    case describe_view::state: describe_state(d); break;
    }
  }
}

void groups_service::describe_offsets(const gc::group_description& d) {
  auto offsets = committed(d.group_id);
  // Members with partitions, the busiest first; their partitions in order.
  struct member_partitions {
    const gc::group_member_description* member;
    std::vector<topic_partition> partitions;
  };
  std::vector<member_partitions> members;
  for (const auto& m : d.members) {
    auto a = gc::decode_assignment(m.assignment);
    if (!a) continue;
    member_partitions mp{&m, {}};
    for (const auto& [topic, parts] : a->partitions) {
      for (int32_t p : parts) mp.partitions.push_back(topic_partition{topic, p});
    }
    std::sort(mp.partitions.begin(), mp.partitions.end());
    if (!mp.partitions.empty()) members.push_back(std::move(mp));
  }
  std::stable_sort(members.begin(), members.end(),
                   [](const auto& a, const auto& b) { return a.partitions.size() > b.partitions.size(); });
  std::vector<topic_partition> all;
  std::set<topic_partition> assigned;
  for (const auto& m : members) {
    for (const auto& tp : m.partitions) {
      all.push_back(tp);
      assigned.insert(tp);
    }
  }
  std::vector<topic_partition> unassigned;
  for (const auto& [tp, c] : offsets) {
    if (assigned.count(tp) == 0) unassigned.push_back(tp);
  }
  all.insert(all.end(), unassigned.begin(), unassigned.end());
  auto ends = log_offsets(all, gc::latest_timestamp);

  std::vector<offset_row> rows;
  auto add_row = [&](const topic_partition& tp, std::optional<std::string> consumer, std::optional<std::string> host,
                     std::optional<std::string> client_id) {
    offset_row r;
    r.group = d.group_id;
    r.topic = tp.topic;
    r.partition = tp.partition;
    if (auto it = offsets.find(tp); it != offsets.end()) r.current_offset = it->second.offset;
    r.log_end_offset = ends[tp];
    r.lag = lag_of(r.current_offset, r.log_end_offset);
    r.consumer_id = std::move(consumer);
    r.host = std::move(host);
    r.client_id = std::move(client_id);
    rows.push_back(std::move(r));
  };
  for (const auto& m : members) {
    for (const auto& tp : m.partitions) add_row(tp, m.member->member_id, m.member->client_host, m.member->client_id);
  }
  for (const auto& tp : unassigned) add_row(tp, std::string("-"), std::string("-"), std::string("-"));

  auto notice = notice_for_group(d.group_id, d.state, rows.size());
  _out << notice.out;
  _err << notice.err;
  if (notice.print) _out << format_offsets_table(rows);
}

void groups_service::describe_members(const gc::group_description& d) {
  std::vector<member_row> rows;
  for (const auto& m : d.members) {
    member_row r;
    r.group = d.group_id;
    r.consumer_id = m.member_id;
    r.group_instance_id = m.group_instance_id.value_or("");
    r.host = m.client_host;
    r.client_id = m.client_id;
    if (auto a = gc::decode_assignment(m.assignment); a) {
      for (const auto& [topic, parts] : a->partitions) r.partitions += static_cast<int32_t>(parts.size());
      if (_o.verbose) r.assignment = a->partitions;
    }
    rows.push_back(std::move(r));
  }
  auto notice = notice_for_group(d.group_id, d.state, rows.size());
  _out << notice.out;
  _err << notice.err;
  if (notice.print) _out << format_members_table(rows, _o.verbose);
}

void groups_service::describe_state(const gc::group_description& d) {
  auto notice = notice_for_group(d.group_id, d.state, 1);
  _out << notice.out;
  _err << notice.err;
  if (!notice.print) return;
  state_row r;
  r.group = d.group_id;
  r.coordinator = d.coordinator.host + ":" + std::to_string(d.coordinator.port) + " (" + std::to_string(d.coordinator.id) + ")";
  r.assignment_strategy = d.protocol;
  r.state = d.state;
  r.members = static_cast<int32_t>(d.members.size());
  _out << format_state_table(r);
}

void groups_service::remove() {
  auto ids = selected_groups();
  auto results = value_or_fail(_c.run(_c.async().delete_groups(ids)));
  std::vector<std::string> ok;
  std::vector<std::pair<std::string, std::error_code>> failed;
  for (const auto& [group, ec] : results) {
    if (ec) {
      failed.emplace_back(group, ec);
    } else {
      ok.push_back(group);
    }
  }
  auto quoted = [](const std::vector<std::string>& names) {
    std::string s;
    for (size_t i = 0; i < names.size(); ++i) s += (i > 0 ? ", '" : "'") + names[i] + "'";
    return s;
  };
  if (failed.empty()) {
    _out << "Deletion of requested consumer groups (" << quoted(ok) << ") was successful.\n";
    return;
  }
  _out << error_line("Deletion of some consumer groups failed:");
  for (const auto& [group, ec] : failed) {
    _out << "* Group '" << group << "' could not be deleted due to: java.util.concurrent.ExecutionException: "
         << java_exception(ec) << "\n";
  }
  if (!ok.empty()) _out << "\nThese consumer groups were deleted successfully: " << quoted(ok) << "\n";
}

void groups_service::delete_offsets() {
  const std::string& group = _o.groups.front();
  std::map<topic_partition, std::optional<std::string>> results;
  auto partitions = partitions_of(_o.topics, false, &results);
  std::error_code top;
  if (!partitions.empty()) {
    std::sort(partitions.begin(), partitions.end());
    partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
    auto outcome = value_or_fail(_c.run(_c.async().delete_offsets(group, partitions)));
    top = outcome.error;
    for (const auto& tp : partitions) {
      std::error_code ec = outcome.error;
      if (!ec) {
        auto it = outcome.partitions.find(tp);
        if (it != outcome.partitions.end()) ec = it->second;
      }
      if (!top && ec) top = ec;  // the admin client fails the whole call with the first partition error
      results[tp] = ec ? std::optional<std::string>(java_exception(ec, true)) : std::nullopt;
    }
  }
  using protocol::error_code;
  auto is = [&](error_code e) { return top == gc::kafka_error(e); };
  if (!top) {
    std::string names;
    for (size_t i = 0; i < _o.topics.size(); ++i) names += (i > 0 ? ", " : "") + _o.topics[i];
    _out << "Request succeed for deleting offsets with topic " << names << " group " << group << "\n";
  } else if (is(error_code::invalid_group_id)) {
    _out << error_line("'" + group + "' is not valid.");
  } else if (is(error_code::group_id_not_found)) {
    _out << error_line("'" + group + "' does not exist.");
  } else if (is(error_code::group_authorization_failed)) {
    _out << error_line("Access to '" + group + "' is not authorized.");
  } else if (is(error_code::non_empty_group)) {
    _out << error_line("Deleting offsets of a consumer group '" + group + "' is forbidden if the group is not empty.");
  } else if (is(error_code::group_subscribed_to_topic) || is(error_code::topic_authorization_failed) ||
             is(error_code::unknown_topic_or_partition)) {
    _out << error_line("Encounter some partition level error, see the follow-up details:");
  } else {
    _out << error_line("Encounter some unknown error: " + std::string(protocol::error_name(static_cast<error_code>(top.value()))));
  }
  _out << format_delete_offsets_table(results);
}

std::map<topic_partition, int64_t> groups_service::prepare_reset(const std::string& group,
                                                                 const std::vector<topic_partition>& partitions,
                                                                 const std::optional<reset_plan>& file_plan) {
  std::map<topic_partition, int64_t> out;
  auto clamp_all = [&](const std::map<topic_partition, int64_t>& requested) {
    std::vector<topic_partition> parts;
    for (const auto& [tp, o] : requested) parts.push_back(tp);
    auto starts = log_offsets(parts, gc::earliest_timestamp);
    auto ends = log_offsets(parts, gc::latest_timestamp);
    std::map<topic_partition, int64_t> clamped;
    for (const auto& [tp, o] : requested) clamped[tp] = clamp_offset(o, starts[tp], ends[tp]);
    return clamped;
  };
  auto from_log = [&](int64_t timestamp, const char* what) {
    auto found = log_offsets(partitions, timestamp);
    std::map<topic_partition, int64_t> r;
    for (const auto& tp : partitions) {
      auto v = found[tp];
      if (!v) throw usage_failure{std::string("Error getting ") + what + " offset of topic partition: " + tp.to_string()};
      r[tp] = *v;
    }
    return r;
  };
  auto by_time = [&](int64_t timestamp) {
    auto found = log_offsets(partitions, timestamp);
    std::vector<topic_partition> empty;
    std::map<topic_partition, int64_t> r;
    for (const auto& tp : partitions) {
      auto v = found[tp];
      if (v && *v >= 0) {
        r[tp] = *v;
      } else if (v) {
        _out << "\nWarn: Partition " << tp.partition << " from topic " << tp.topic
             << " is empty. Falling back to latest known offset.\n";
        empty.push_back(tp);
      } else {
        throw usage_failure{"Error getting offset by timestamp of topic partition: " + tp.to_string()};
      }
    }
    auto ends = log_offsets(empty, gc::latest_timestamp);
    for (const auto& tp : empty) {
      if (!ends[tp]) throw usage_failure{"Error getting offset by timestamp of topic partition: " + tp.to_string()};
      r[tp] = *ends[tp];
    }
    return r;
  };

  switch (*_o.scenario) {
  case reset_scenario::to_offset: {
    std::map<topic_partition, int64_t> requested;
    for (const auto& tp : partitions) requested[tp] = _o.reset_number;
    return clamp_all(requested);
  }
  case reset_scenario::to_earliest: return from_log(gc::earliest_timestamp, "starting");
  case reset_scenario::to_latest: return from_log(gc::latest_timestamp, "ending");
  case reset_scenario::shift_by: {
    auto current = committed(group);
    std::map<topic_partition, int64_t> requested;
    for (const auto& tp : partitions) {
      auto it = current.find(tp);
      if (it == current.end()) {
        throw usage_failure{"Cannot shift offset for partition " + tp.to_string() + " since there is no current committed offset"};
      }
      requested[tp] = it->second.offset + _o.reset_number;
    }
    return clamp_all(requested);
  }
  case reset_scenario::to_datetime: {
    auto ts = parse_reset_datetime(_o.reset_text);
    if (!ts) throw command_failure{"Unparseable date: \"" + _o.reset_text + "\""};
    return by_time(*ts);
  }
  case reset_scenario::by_duration: {
    auto d = parse_iso_duration_ms(_o.reset_text);
    if (!d) throw command_failure{"Text cannot be parsed to a Duration"};
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    return by_time(now.count() - *d);
  }
  case reset_scenario::to_current: {
    auto current = committed(group);
    std::vector<topic_partition> without;
    for (const auto& tp : partitions) {
      auto it = current.find(tp);
      if (it != current.end()) {
        out[tp] = it->second.offset;
      } else {
        without.push_back(tp);
      }
    }
    auto ends = log_offsets(without, gc::latest_timestamp);
    for (const auto& tp : without) {
      if (!ends[tp]) throw usage_failure{"Error getting ending offset of topic partition: " + tp.to_string()};
      out[tp] = *ends[tp];
    }
    return out;
  }
  case reset_scenario::from_file: {
    auto it = file_plan->find(group);
    if (it == file_plan->end()) {
      _out << error_line("No reset plan for group " + group + " found");
      return out;
    }
    return clamp_all(it->second);
  }
  }
  return out;
}

void groups_service::reset_offsets() {
  std::optional<reset_plan> file_plan;
  if (_o.scenario == reset_scenario::from_file) {
    std::ifstream in(_o.reset_text);
    if (!in) throw command_failure{_o.reset_text + " (No such file or directory)"};
    std::stringstream text;
    text << in.rdbuf();
    std::string error;
    std::optional<std::string> single;
    if (_o.groups.size() == 1) single = _o.groups.front();
    file_plan = parse_reset_csv(text.str(), single, error);
    if (!file_plan) throw command_failure{error};
  }
  auto ids = selected_groups();
  reset_plan plan;
  for (const auto& d : describe_all(ids)) {
    if (d.state != "Empty" && d.state != "Dead") {
      _out << error_line("Assignments can only be reset if the group '" + d.group_id +
                         "' is inactive, but the current state is " + d.state + ".");
      plan[d.group_id];
      continue;
    }
    std::vector<topic_partition> partitions;
    if (_o.all_topics) {
      for (const auto& [tp, c] : committed(d.group_id)) partitions.push_back(tp);
    } else if (!_o.topics.empty()) {
      partitions = partitions_of(_o.topics, true, nullptr);
    }
    auto prepared = prepare_reset(d.group_id, partitions, file_plan);
    if (_o.execute && !prepared.empty()) {
      gc::offset_commit_params commit;
      commit.group_id = d.group_id;
      commit.offsets = prepared;
      auto done = value_or_fail(_c.run(_c.async().commit_offsets(std::move(commit))));
      for (const auto& [tp, ec] : done) {
        if (ec) throw command_failure{java_exception(ec)};
      }
    }
    plan[d.group_id] = std::move(prepared);
  }
  if (_o.export_csv) {
    _out << format_reset_csv(plan, _o.groups.size() == 1);
  } else {
    _out << format_reset_table(plan);
  }
}

} // namespace

int run_consumer_groups(const consumer_groups_options& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto options = admin_client_options(o.bootstrap_server, o.command_config, "adminclient-1", error);
  if (!options) {
    err << error << "\n";
    return 1;
  }
  if (o.timeout_ms > 0) options->request_timeout = std::chrono::milliseconds(o.timeout_ms);
  gc::sync_client c(*options);
  groups_service service(o, c, out, err);
  try {
    switch (o.action) {
    case groups_action::list: service.list(); break;
    case groups_action::describe: service.describe(); break;
    case groups_action::remove: service.remove(); break;
    case groups_action::reset_offsets: service.reset_offsets(); break;
    case groups_action::delete_offsets: service.delete_offsets(); break;
    }
  } catch (const usage_failure& f) {
    out.flush();
    err << f.message << "\n" << "Run with --help for the list of options.\n";
    return 1;
  } catch (const command_failure& f) {
    out << error_line("Executing consumer group command failed due to " + f.message);
  }
  out.flush();
  return 0;
}

} // namespace gregor::tools
