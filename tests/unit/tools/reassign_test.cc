// kafka-reassign-partitions' pure parts: its JSON files (good and bad input, Kafka's messages),
// the printed plan JSON and texts, --generate's placement, the throttle computations and the
// command-line checks. No broker.

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <sstream>

#include "reassign_command.h"
#include "reassign_format.h"
#include "reassign_generate.h"
#include "reassign_json.h"
#include "reassign_throttle.h"

namespace gregor::tools {
namespace {

// ---- the plan file ----

TEST(ReassignJsonTest, ParsesAPlanWithAndWithoutLogDirs) {
  std::string error;
  auto plan = parse_reassignment_json(
    R"({"version":1,"partitions":[{"topic":"orders","partition":1,"replicas":[3,1]},)"
    R"({"topic":"orders","partition":0,"replicas":[1,2],"log_dirs":["any","/data/b"]}]})",
    error);
  ASSERT_TRUE(plan) << error;
  ASSERT_EQ(plan->partitions.size(), 2u);
  EXPECT_EQ(plan->partitions[0].first, (topic_partition{"orders", 1}));  // file order kept
  EXPECT_EQ(plan->partitions[0].second, (std::vector<int32_t>{3, 1}));
  ASSERT_EQ(plan->log_dirs.size(), 1u);
  EXPECT_EQ(plan->log_dirs.begin()->first, (topic_partition_replica{"orders", 0, 2}));
  EXPECT_EQ(plan->log_dirs.begin()->second, "/data/b");
  EXPECT_EQ(plan->log_dirs.begin()->first.to_string(), "orders-0-2");
}

TEST(ReassignJsonTest, VersionAndPartitionsAreOptional) {
  std::string error;
  auto empty = parse_reassignment_json("{}", error);
  ASSERT_TRUE(empty) << error;
  EXPECT_TRUE(empty->partitions.empty());
  EXPECT_EQ(execute_plan_error(*empty), "Partition reassignment list cannot be empty");
}

struct bad_input {
  const char* text;
  const char* message;
};

TEST(ReassignJsonTest, BadPlansGetKafkasMessages) {
  const bad_input cases[] = {
    {"", "The input string is not a valid JSON"},
    {"{\"partitions\":[", "The input string is not a valid JSON"},
    {"[1,2]", "Expected JSON object, received [1,2]"},
    {R"({"version":2,"partitions":[]})", "Not supported version field value 2"},
    {R"({"version":"1"})", "Expected `Int` value, received \"1\""},
    {R"({"partitions":{"topic":"a"}})", "Expected JSON array, received {\"topic\":\"a\"}"},
    {R"({"partitions":[7]})", "Expected JSON object, received 7"},
    {R"({"partitions":[{"partition":0,"replicas":[1]}]})", "No such field exists: `topic`"},
    {R"({"partitions":[{"topic":"a","replicas":[1]}]})", "No such field exists: `partition`"},
    {R"({"partitions":[{"topic":"a","partition":0}]})", "No such field exists: `replicas`"},
    {R"({"partitions":[{"topic":1,"partition":0,"replicas":[1]}]})", "Expected `String` value, received 1"},
    {R"({"partitions":[{"topic":"a","partition":"0","replicas":[1]}]})", "Expected `Int` value, received \"0\""},
    {R"({"partitions":[{"topic":"a","partition":1.5,"replicas":[1]}]})", "Expected `Int` value, received 1.5"},
    {R"({"partitions":[{"topic":"a","partition":4294967296,"replicas":[1]}]})",
     "Expected `Int` value, received 4294967296"},
    {R"({"partitions":[{"topic":"a","partition":0,"replicas":[1,"x"]}]})", "Expected `Int` value, received \"x\""},
    {R"({"partitions":[{"topic":"a","partition":0,"replicas":[1,2],"log_dirs":["any"]}]})",
     "Size of replicas list [1, 2] is different from size of log dirs list [any] for partition a-0"},
    {R"({"partitions":[{"topic":"a","partition":0,"replicas":[1],"log_dirs":[3]}]})",
     "Expected `String` value, received 3"},
  };
  for (const auto& c : cases) {
    std::string error;
    auto plan = parse_reassignment_json(c.text, error);
    EXPECT_FALSE(plan) << c.text;
    EXPECT_EQ(error, c.message) << c.text;
  }
}

TEST(ReassignJsonTest, ExecuteRefusesEmptyAndDuplicateEntries) {
  auto check = [](const char* text) {
    std::string error;
    auto plan = parse_reassignment_json(text, error);
    EXPECT_TRUE(plan) << error;
    return plan ? execute_plan_error(*plan) : error;
  };
  EXPECT_EQ(check(R"({"partitions":[{"topic":"a","partition":0,"replicas":[]}]})"),
            "Partition replica list cannot be empty");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"a","partition":0,"replicas":[1]},{"topic":"a","partition":0,"replicas":[2]}]})"),
            "Partition reassignment contains duplicate topic partitions: a-0");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"a","partition":0,"replicas":[1,1]},{"topic":"b","partition":3,"replicas":[2,3,3,2]}]})"),
            "Partition replica lists may not contain duplicate entries: a-0 contains multiple entries for 1. "
            "b-3 contains multiple entries for 3,2");
  EXPECT_EQ(check(R"({"partitions":[{"topic":"a","partition":0,"replicas":[1,2]}]})"), "");
}

TEST(ReassignJsonTest, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  const std::string alphabet = "{}[]\",:0123456789-.eEtruefalsnl topicpartitionreplicaslog_dirsversion\\";
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    int len = static_cast<int>(rng() % 80);
    for (int j = 0; j < len; ++j) text += alphabet[rng() % alphabet.size()];
    std::string error;
    auto plan = parse_reassignment_json(text, error);
    if (!plan) {
      EXPECT_FALSE(error.empty()) << text;
    }
    auto topics = parse_topics_to_move_json(text, error);
    (void)topics;
  }
}

// ---- the topics-to-move file and the broker list ----

TEST(ReassignJsonTest, TopicsToMove) {
  std::string error;
  auto topics = parse_topics_to_move_json(R"({"version":1,"topics":[{"topic":"b"},{"topic":"a"}]})", error);
  ASSERT_TRUE(topics) << error;
  EXPECT_EQ(*topics, (std::vector<std::string>{"b", "a"}));
  EXPECT_FALSE(parse_topics_to_move_json("not json", error));
  EXPECT_EQ(error, "The input string is not a valid JSON");
  EXPECT_FALSE(parse_topics_to_move_json(R"({"topics":[{"name":"a"}]})", error));
  EXPECT_EQ(error, "No such field exists: `topic`");
  EXPECT_FALSE(parse_topics_to_move_json(R"({"version":3,"topics":[]})", error));
  EXPECT_EQ(error, "Not supported version field value 3");
}

TEST(ReassignJsonTest, BrokerList) {
  std::string error;
  EXPECT_EQ(parse_broker_list("1,2,3", error), (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(parse_broker_list("+4,5,", error), (std::vector<int32_t>{4, 5}));  // Java's split drops the trailing ""
  EXPECT_FALSE(parse_broker_list("1,x", error));
  EXPECT_EQ(error, "For input string: \"x\"");
  EXPECT_FALSE(parse_broker_list("1, 2", error));
  EXPECT_EQ(error, "For input string: \" 2\"");
  EXPECT_FALSE(parse_broker_list("1,,2", error));
  EXPECT_EQ(error, "For input string: \"\"");
  EXPECT_FALSE(parse_broker_list("1,2,1,2", error));
  EXPECT_EQ(error, "Broker list contains duplicate entries: 1,2");
}

// ---- printed JSON and texts ----

TEST(ReassignFormatTest, PlanJsonIsKafkasCompactLayoutSorted) {
  std::map<topic_partition, std::vector<int32_t>> a{{{"orders", 1}, {2, 3}}, {{"audit", 0}, {1}}, {{"orders", 0}, {1, 2}}};
  EXPECT_EQ(format_reassignment_json(a),
            R"({"version":1,"partitions":[{"topic":"audit","partition":0,"replicas":[1],"log_dirs":["any"]},)"
            R"({"topic":"orders","partition":0,"replicas":[1,2],"log_dirs":["any","any"]},)"
            R"({"topic":"orders","partition":1,"replicas":[2,3],"log_dirs":["any","any"]}]})");
  EXPECT_EQ(format_reassignment_json({}), R"({"version":1,"partitions":[]})");
  std::map<topic_partition_replica, std::string> dirs{{{"orders", 0, 2}, "/d2"}};
  EXPECT_EQ(format_reassignment_json({{{"orders", 0}, {1, 2}}}, dirs),
            R"({"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[1,2],"log_dirs":["any","/d2"]}]})");
}

TEST(ReassignFormatTest, ExecuteAndGenerateTexts) {
  std::map<topic_partition, std::vector<int32_t>> cur{{{"t", 0}, {1}}};
  EXPECT_EQ(rollback_text(cur),
            "Current partition replica assignment\n\n"
            R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any"]}]})"
            "\n\nSave this to use as the --reassignment-json-file option during rollback");
  std::map<topic_partition, std::vector<int32_t>> prop{{{"t", 0}, {2}}};
  EXPECT_EQ(generate_text(cur, prop),
            "Current partition replica assignment\n"
            R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1],"log_dirs":["any"]}]})"
            "\n\nProposed partition reassignment configuration\n"
            R"({"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[2],"log_dirs":["any"]}]})");
  EXPECT_EQ(started_text({{"orders", 1}, {"orders", 0}}), "Successfully started partition reassignments for orders-0,orders-1");
  EXPECT_EQ(started_text({{"orders", 1}}), "Successfully started partition reassignment for orders-1");
  EXPECT_EQ(cancelled_text({{"orders", 1}}), "Successfully cancelled partition reassignment for: orders-1");
  EXPECT_EQ(reassign_errors_text({{{"a", 0}, "Replica assignment is invalid."}, {{"a", 1}, "boom"}}),
            "Error reassigning partition(s):\na-0: Replica assignment is invalid.\na-1: boom");
  EXPECT_EQ(cancel_errors_text({{{"a", 0}, "x"}}), "Error cancelling partition reassignment for:\na-0: x");
  EXPECT_EQ(clearing_broker_throttles_text({3, 1, 2}), "Clearing broker-level throttles on brokers 1,2,3");
  EXPECT_EQ(clearing_broker_throttles_text({1}), "Clearing broker-level throttles on broker 1");
  EXPECT_EQ(clearing_topic_throttles_text({"orders"}), "Clearing topic-level throttles on topic orders");
  EXPECT_EQ(clearing_topic_throttles_text({"b", "a"}), "Clearing topic-level throttles on topics a,b");
}

TEST(ReassignFormatTest, VerifyStatusLines) {
  std::map<topic_partition, partition_reassignment_state> states{
    {{"orders", 2}, {{1, 2, 3}, {2, 3}, false}},
    {{"orders", 0}, {{2, 1}, {2, 1}, true}},
    {{"orders", 1}, {{1, 2}, {3, 2}, true}}};
  EXPECT_EQ(partition_states_text(states),
            "Status of partition reassignment:\n"
            "Reassignment of partition orders-0 is complete.\n"
            "There is no active reassignment of partition orders-1, but replica set is 1,2 rather than 3,2.\n"
            "Reassignment of partition orders-2 is still in progress.");
}

TEST(ReassignFormatTest, ListText) {
  EXPECT_EQ(current_reassignments_text({}), "No partition reassignments found.");
  std::map<topic_partition, client::ongoing_reassignment> r{{{"t", 1}, {{1, 2}, {}, {}}}, {{"t", 0}, {{3, 1, 2}, {3}, {1}}}};
  EXPECT_EQ(current_reassignments_text(r),
            "Current partition reassignments:\n"
            "t-0: replicas: 3,1,2. adding: 3. removing: 1.\n"
            "t-1: replicas: 1,2.");
}

// ---- --generate placement ----

TEST(ReassignGenerateTest, KeepsShapeAndUsesOnlyTheListedBrokers) {
  std::map<topic_partition, std::vector<int32_t>> current;
  for (int p = 0; p < 6; ++p) current[{"orders", p}] = {0, 1};
  current[{"audit", 0}] = {0, 1, 2};
  std::vector<metadata::broker_rack> brokers{{3, std::nullopt}, {4, std::nullopt}, {5, std::nullopt}};
  for (uint32_t seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    std::string error;
    auto proposed = propose_reassignment(current, brokers, true, rng, error);
    ASSERT_TRUE(proposed) << error;
    ASSERT_EQ(proposed->size(), current.size());
    std::map<int32_t, int> leaders;
    for (const auto& [tp, replicas] : *proposed) {
      EXPECT_EQ(replicas.size(), current.at(tp).size()) << tp.to_string();
      std::set<int32_t> unique(replicas.begin(), replicas.end());
      EXPECT_EQ(unique.size(), replicas.size()) << tp.to_string();
      for (int32_t b : replicas) EXPECT_TRUE(b >= 3 && b <= 5) << b;
      if (tp.topic == "orders") ++leaders[replicas.front()];
    }
    // Leaders round-robin over the brokers: 6 partitions over 3 brokers, two each.
    EXPECT_EQ(leaders, (std::map<int32_t, int>{{3, 2}, {4, 2}, {5, 2}}));
  }
}

TEST(ReassignGenerateTest, RackAwarePlacementSpreadsRacks) {
  std::map<topic_partition, std::vector<int32_t>> current;
  for (int p = 0; p < 4; ++p) current[{"t", p}] = {1, 2};
  std::vector<metadata::broker_rack> brokers{{1, "r1"}, {2, "r1"}, {3, "r2"}, {4, "r2"}};
  std::mt19937 rng(3);
  std::string error;
  auto proposed = propose_reassignment(current, brokers, true, rng, error);
  ASSERT_TRUE(proposed) << error;
  auto rack = [](int32_t b) { return b <= 2 ? "r1" : "r2"; };
  for (const auto& [tp, replicas] : *proposed) EXPECT_NE(std::string(rack(replicas[0])), rack(replicas[1])) << tp.to_string();
}

TEST(ReassignGenerateTest, Errors) {
  std::map<topic_partition, std::vector<int32_t>> current{{{"t", 0}, {1, 2, 3}}};
  std::mt19937 rng(1);
  std::string error;
  EXPECT_FALSE(propose_reassignment(current, {{1, std::nullopt}, {2, std::nullopt}}, true, rng, error));
  EXPECT_EQ(error, "Replication factor: 3 larger than available brokers: 2.");
  std::vector<metadata::broker_rack> mixed{{1, "r1"}, {2, std::nullopt}, {3, "r2"}};
  EXPECT_FALSE(propose_reassignment(current, mixed, true, rng, error));
  EXPECT_EQ(error, "Not all brokers have rack information for replica rack aware assignment.");
}

// ---- throttles ----

TEST(ReassignThrottleTest, LeaderAndFollowerThrottlesAsKafkaComputesThem) {
  std::map<topic_partition, std::vector<int32_t>> current{{{"t", 0}, {1, 2}}, {{"t", 1}, {2, 3}}};
  std::map<topic_partition, std::vector<int32_t>> proposed{{{"t", 0}, {3, 1}}, {{"t", 1}, {2, 3}}};
  std::map<topic_partition, client::ongoing_reassignment> running{{{"u", 10}, {{4, 5, 6}, {6}, {4}}}};
  auto moves = proposed_move_map(running, proposed, current);
  auto leaders = leader_throttles(moves);
  auto followers = follower_throttles(moves);
  EXPECT_EQ(leaders["t"], "0:1,0:2,1:2,1:3");
  EXPECT_EQ(followers["t"], "0:3");
  EXPECT_EQ(leaders["u"], "10:4,10:5");  // the running move's sources: replicas not being added
  EXPECT_EQ(followers["u"], "10:6");
  EXPECT_EQ(reassigning_brokers(moves), (std::set<int32_t>{1, 2, 3, 4, 5, 6}));
}

// ---- command line ----

struct parsed {
  std::optional<reassign_options> options;
  int exit_code = 0;
  std::string out, err;
};

parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kafka-reassign-partitions.sh");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  parsed p;
  p.options = parse_reassign_options(static_cast<int>(argv.size()), argv.data(), out, err, p.exit_code);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(ReassignOptionsTest, Actions) {
  auto p = parse({"--bootstrap-server", "h:9092", "--execute", "--reassignment-json-file", "f.json", "--throttle", "1000"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->action, reassign_action::execute);
  EXPECT_EQ(p.options->throttle, 1000);
  EXPECT_EQ(p.options->timeout_ms, 10000);

  p = parse({"--zookeeper", "z:2181", "--generate", "--topics-to-move-json-file", "t.json", "--broker-list", "1,2",
             "--disable-rack-aware"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->action, reassign_action::generate);
  EXPECT_TRUE(p.options->disable_rack_aware);

  p = parse({"--bootstrap-server", "h:9092", "--list"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->action, reassign_action::list);
}

TEST(ReassignOptionsTest, UsageErrorsAsKafkaReportsThem) {
  struct usage_case {
    std::vector<std::string> args;
    const char* first_line;
  };
  const usage_case cases[] = {
    {{"--bootstrap-server", "h:1"}, "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list"},
    {{"--bootstrap-server", "h:1", "--list", "--verify"}, "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list"},
    {{"--list"}, "Please specify --bootstrap-server"},
    {{"--bootstrap-server", "h:1", "--verify"}, "Missing required argument \"[reassignment-json-file]\""},
    {{"--bootstrap-server", "h:1", "--generate", "--topics-to-move-json-file", "t"}, "Missing required argument \"[broker-list]\""},
    {{"--bootstrap-server", "h:1", "--verify", "--reassignment-json-file", "f", "--throttle", "1"},
     "Option \"[throttle]\" can't be used with action \"[verify]\""},
    {{"--bootstrap-server", "h:1", "--list", "--broker-list", "1"}, "Option \"[broker-list]\" can't be used with action \"[list]\""},
    {{"--zookeeper", "z:1", "--execute", "--reassignment-json-file", "f", "--additional"},
     "Exception in thread \"main\" java.lang.RuntimeException: You must specify --bootstrap-server when using \"[additional]\""},
  };
  for (const auto& c : cases) {
    auto p = parse(c.args);
    EXPECT_FALSE(p.options);
    EXPECT_EQ(p.exit_code, 1);
    EXPECT_EQ(p.err.substr(0, p.err.find('\n')), c.first_line);
  }
  auto help = parse({"--help"});
  EXPECT_FALSE(help.options);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--reassignment-json-file"), std::string::npos);
}

} // namespace
} // namespace gregor::tools
