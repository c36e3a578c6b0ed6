// kafka-leader-election / kafka-preferred-replica-election: command-line checks, the election JSON
// file and the result texts. No broker.

#include <gtest/gtest.h>

#include <sstream>

#include "gregor/client/errc.h"
#include "leader_election.h"

namespace gregor::tools {
namespace {

using protocol::error_code;

struct parsed {
  std::optional<leader_election_options> options;
  int exit_code = 0;
  std::string err;
};

parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kafka-leader-election.sh");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  parsed p;
  p.options = parse_leader_election_options(static_cast<int>(argv.size()), argv.data(), out, err, p.exit_code);
  p.err = err.str();
  return p;
}

TEST(LeaderElectionOptionsTest, ElectionTypeIgnoresCase) {
  auto p = parse({"--bootstrap-server", "h:9092", "--election-type", "Unclean", "--all-topic-partitions"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->type, client::election_type::unclean);
  EXPECT_TRUE(p.options->all_topic_partitions);
  p = parse({"--bootstrap-server", "h:9092", "--election-type", "PREFERRED", "--topic", "orders", "--partition", "2",
             "--admin.config", "admin.properties"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->type, client::election_type::preferred);
  EXPECT_EQ(*p.options->topic, "orders");
  EXPECT_EQ(*p.options->partition, 2);
  EXPECT_EQ(p.options->admin_config, "admin.properties");
  EXPECT_EQ(election_type_name(client::election_type::unclean), "UNCLEAN");
}

TEST(LeaderElectionOptionsTest, ProblemsGoToStderrWithExitCode1) {
  struct usage_case {
    std::vector<std::string> args;
    const char* message;
  };
  const usage_case cases[] = {
    {{"--all-topic-partitions"}, "Missing required option(s): bootstrap-server, election-type"},
    {{"--bootstrap-server", "h:1", "--all-topic-partitions"}, "Missing required option(s): election-type"},
    {{"--bootstrap-server", "h:1", "--election-type", "random", "--all-topic-partitions"},
     "Cannot parse argument 'random' of option election-type"},
    {{"--bootstrap-server", "h:1", "--election-type", "preferred"},
     "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file"},
    {{"--bootstrap-server", "h:1", "--election-type", "preferred", "--all-topic-partitions", "--topic", "t", "--partition", "0"},
     "One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file"},
    {{"--bootstrap-server", "h:1", "--election-type", "preferred", "--topic", "t"}, "Missing required option(s): partition"},
    {{"--bootstrap-server", "h:1", "--election-type", "preferred", "--all-topic-partitions", "--partition", "1"},
     "Option partition is only allowed if topic is used"},
    {{"--bootstrap-server", "h:1", "--election-type", "preferred", "--topic", "t", "--partition", "x"},
     "Cannot parse argument 'x' of option partition"},
  };
  for (const auto& c : cases) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.options);
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_EQ(p.err, std::string(c.message) + "\n");
  }
}

TEST(ElectionJsonTest, ParsesPartitions) {
  std::string error;
  auto parts = parse_election_json(R"({"partitions":[{"topic":"a","partition":1},{"topic":"b","partition":0}]})",
                                   election_file_kind::leader_election, error);
  ASSERT_TRUE(parts) << error;
  EXPECT_EQ(*parts, (std::vector<topic_partition>{{"a", 1}, {"b", 0}}));
}

TEST(ElectionJsonTest, BadFilesGetKafkasMessages) {
  struct bad_case {
    const char* text;
    election_file_kind kind;
    const char* message;
  };
  const auto le = election_file_kind::leader_election;
  const auto pre = election_file_kind::preferred_replica_election;
  const bad_case cases[] = {
    {"", le, "Replica election data is empty"},
    {"{", pre, "Preferred replica election data is empty"},
    {"{}", le, "Replica election data is missing \"partitions\" field"},
    {"{}", pre, "Preferred replica election data is empty"},
    {R"({"partitions":[{"topic":"a"}]})", le, "No such field exists: `partition`"},
    {R"({"partitions":[{"topic":"a","partition":"1"}]})", le, "Expected `Int` value, received \"1\""},
    {R"({"partitions":"a-0"})", le, "Expected JSON array, received \"a-0\""},
    {R"({"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]})", le,
     "Replica election data contains duplicate partitions: a-1"},
    {R"({"partitions":[{"topic":"a","partition":1},{"topic":"a","partition":1}]})", pre,
     "Preferred replica election data contains duplicate partitions: a-1"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(parse_election_json(c.text, c.kind, error)) << c.text;
    EXPECT_EQ(error, c.message) << c.text;
  }
}

TEST(ElectionReportTest, SucceededNoopAndFailed) {
  std::map<topic_partition, client::partition_outcome> results{
    {{"orders", 0}, {}},
    {{"orders", 1}, {}},
    {{"orders", 2}, {client::kafka_error(error_code::election_not_needed), ""}},
    {{"orders", 3}, {client::kafka_error(error_code::preferred_leader_not_available), "Failed to elect leader for partition orders-3 under strategy PreferredReplicaPartitionLeaderElectionStrategy"}},
    {{"audit", 0}, {client::kafka_error(error_code::unknown_topic_or_partition), ""}}};
  auto r = leader_election_report(client::election_type::preferred, results);
  EXPECT_EQ(r.out,
            "Successfully completed leader election (PREFERRED) for partitions orders-0, orders-1\n"
            "Valid replica already elected for partitions orders-2\n"
            "Error completing leader election (PREFERRED) for partition: audit-0: "
            "org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n"
            "Error completing leader election (PREFERRED) for partition: orders-3: "
            "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: Failed to elect leader for partition "
            "orders-3 under strategy PreferredReplicaPartitionLeaderElectionStrategy\n");
  EXPECT_EQ(r.err, "2 replica(s) could not be elected\n");
  EXPECT_EQ(r.exit_code, 1);

  auto fine = leader_election_report(client::election_type::unclean, {{{"t", 0}, {}}});
  EXPECT_EQ(fine.out, "Successfully completed leader election (UNCLEAN) for partitions t-0\n");
  EXPECT_EQ(fine.err, "");
  EXPECT_EQ(fine.exit_code, 0);
  auto nothing = leader_election_report(client::election_type::preferred,
                                        {{{"t", 0}, {client::kafka_error(error_code::election_not_needed), ""}}});
  EXPECT_EQ(nothing.out, "Valid replica already elected for partitions t-0\n");
  EXPECT_EQ(nothing.exit_code, 0);
}

TEST(PreferredElectionTest, TextsAndOptions) {
  EXPECT_EQ(scala_set_text({{"b", 0}, {"a", 1}}), "Set(a-1, b-0)");
  EXPECT_EQ(scala_set_text({}), "Set()");
  EXPECT_EQ(scala_set_text({{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}, {"t", 4}}), "HashSet(t-0, t-1, t-2, t-3, t-4)");
  auto r = preferred_election_report({{{"t", 0}, {}},
                                      {{"t", 1}, {client::kafka_error(error_code::election_not_needed), ""}},
                                      {{"t", 2}, {client::kafka_error(error_code::preferred_leader_not_available), ""}}});
  EXPECT_EQ(r.out,
            "Successfully completed preferred replica election for partitions t-0, t-1\n"
            "Error completing preferred replica election for partition t-2: "
            "org.apache.kafka.common.errors.PreferredLeaderNotAvailableException: The preferred leader was not available.\n");
  EXPECT_EQ(r.err, "1 preferred replica(s) could not be elected\n");

  auto parse_pre = [](std::vector<std::string> args, int& code, std::string& err) {
    args.insert(args.begin(), "kafka-preferred-replica-election.sh");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream o, e;
    auto opts = parse_preferred_election_options(static_cast<int>(argv.size()), argv.data(), o, e, code);
    err = e.str();
    return opts;
  };
  int code = 0;
  std::string err;
  EXPECT_TRUE(parse_pre({"--zookeeper", "z:2181", "--path-to-json-file", "f"}, code, err));
  EXPECT_FALSE(parse_pre({"--path-to-json-file", "f"}, code, err));
  EXPECT_EQ(code, 1);
  EXPECT_EQ(err.substr(0, err.find('\n')), "Exactly one of '[bootstrap-server]' or '[zookeeper]' must be provided");
  EXPECT_FALSE(parse_pre({"--zookeeper", "z", "--bootstrap-server", "h:1"}, code, err));
  EXPECT_FALSE(parse_pre({"--zookeeper", "z", "--admin.config", "a"}, code, err));
  EXPECT_EQ(err, "Option admin.config is available only when bootstrap-server is present\n");
}

} // namespace
} // namespace gregor::tools
