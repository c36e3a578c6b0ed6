#pragma once
// gregor-leader-election (kafka-leader-election.sh, Kafka 2.4+) and
// gregor-preferred-replica-election (kafka-preferred-replica-election.sh, Kafka <= 2.8): options,
// the election JSON file, and the result texts. The leader-election tool sends ElectLeaders to the
// controller; the preferred-replica tool either does the same (--bootstrap-server) or writes
// /admin/preferred_replica_election (--zookeeper), as the 2.x script did.

#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gregor/client/types.h"
#include "gregor/common/topic_partition.h"

namespace gregor::tools {

// ---- kafka-leader-election.sh ----

struct leader_election_options {
  std::string bootstrap_server;
  std::string admin_config;  // --admin.config (or --command-config): client properties file
  client::election_type type = client::election_type::preferred;
  bool all_topic_partitions = false;
  std::optional<std::string> topic;
  std::optional<int32_t> partition;
  std::optional<std::string> path_to_json_file;
};

// Parses and checks the command line as Kafka's LeaderElectionCommand does. nullopt when the
// process should exit with `exit_code` (help printed, or the problem printed to `err`).
std::optional<leader_election_options> parse_leader_election_options(int argc, char** argv, std::ostream& out,
                                                                     std::ostream& err, int& exit_code);

// "PREFERRED" / "UNCLEAN" (Java's ElectionType names); parsing ignores case.
std::string election_type_name(client::election_type t);
std::optional<client::election_type> parse_election_type(std::string_view s);

// Which tool reads the file: the texts of Kafka's errors differ.
enum class election_file_kind { leader_election, preferred_replica_election };

// {"partitions":[{"topic":"t","partition":0},...]} -> the partitions, in file order. nullopt with
// Kafka's message ("Replica election data is empty", "... contains duplicate partitions: t-0", ...).
std::optional<std::vector<topic_partition>> parse_election_json(std::string_view text, election_file_kind kind,
                                                                std::string& error);

// What the tool prints for ElectLeaders' outcomes: `out` gets the success line, the "Valid replica
// already elected" line and one error line per failed partition; `err` gets "N replica(s) could
// not be elected" when some failed (then the exit code is 1).
struct election_report {
  std::string out;
  std::string err;
  int exit_code = 0;
};
election_report leader_election_report(client::election_type type,
                                       const std::map<topic_partition, client::partition_outcome>& results);

int run_leader_election(const leader_election_options& o, std::ostream& out, std::ostream& err);

// ---- kafka-preferred-replica-election.sh ----

struct preferred_election_options {
  std::string bootstrap_server;
  std::string zookeeper;
  std::string admin_config;
  std::optional<std::string> path_to_json_file;
};

std::optional<preferred_election_options> parse_preferred_election_options(int argc, char** argv, std::ostream& out,
                                                                           std::ostream& err, int& exit_code);

// Scala's Set rendering of partitions: "Set(t-0, t-1)" up to four elements, "HashSet(...)" beyond.
std::string scala_set_text(const std::vector<topic_partition>& partitions);

// The ElectLeaders (preferred) variant's texts: "Successfully completed preferred replica election
// for partitions t-0, t-1", "Error completing preferred replica election for partition t-2: <e>",
// and "N preferred replica(s) could not be elected" on err. Election not needed counts as done.
election_report preferred_election_report(const std::map<topic_partition, client::partition_outcome>& results);

int run_preferred_election(const preferred_election_options& o, std::ostream& out, std::ostream& err);

} // namespace gregor::tools
