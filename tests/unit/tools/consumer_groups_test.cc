// kafka-consumer-groups' tables, options and offset arithmetic, and the console consumer's group
// settings; no broker needed.

#include <gtest/gtest.h>

#include <sstream>

#include "consumer_groups_command.h"
#include "consumer_groups_console.h"
#include "consumer_groups_format.h"
#include "consumer_groups_reset.h"
#include "gregor/client/errc.h"

namespace gregor::tools {
namespace {

using protocol::error_code;

TEST(ConsumerGroupsFormatTest, OffsetsTableWidensToTheLongestValue) {
  std::vector<offset_row> rows;
  rows.push_back({"g", "t", 0, 5, 10, lag_of(5, 10), "consumer-g-1-abc", "/127.0.0.1", "consumer-g-1"});
  rows.push_back({"g", "t", 1, std::nullopt, 10, lag_of(std::nullopt, 10), "-", "-", "-"});
  EXPECT_EQ(format_offsets_table(rows),
            "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID      HOST            CLIENT-ID\n"
            "g               t               0          5               10              5               consumer-g-1-abc /127.0.0.1      consumer-g-1\n"
            "g               t               1          -               10              -               -                -               -\n");
  EXPECT_EQ(lag_of(-1, 10), std::nullopt);  // -1: nothing committed
  EXPECT_EQ(lag_of(3, std::nullopt), std::nullopt);
}

TEST(ConsumerGroupsFormatTest, MembersTableWithAndWithoutInstanceIds) {
  std::vector<member_row> rows{{"g", "c1", "", "/1.2.3.4", "cl", 2, {}}};
  EXPECT_EQ(format_members_table(rows, false),
            "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n"
            "g               c1              /1.2.3.4        cl              2               \n");
  rows = {{"g", "c1", "inst", "/1.2.3.4", "cl", 3, {{"b", {1}}, {"a", {2, 0}}}}, {"g", "c2", "", "/1.2.3.4", "cl", 0, {}}};
  EXPECT_EQ(format_members_table(rows, true),
            "\nGROUP           CONSUMER-ID     GROUP-INSTANCE-ID HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n"
            "g               c1              inst              /1.2.3.4        cl              3               a(0,2), b(1)\n"
            "g               c2                                /1.2.3.4        cl              0               -\n");
}

TEST(ConsumerGroupsFormatTest, StateListResetAndDeleteOffsetsTables) {
  EXPECT_EQ(format_state_table({"g", "localhost:9092 (0)", "range", "Stable", 2}),
            "\nGROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS\n"
            "g                         localhost:9092 (0)        range                Stable          2\n");

  std::vector<client::group_listing> groups{{"a-long-group-name-here", "consumer", "Empty"}};
  EXPECT_EQ(format_group_list(groups, false, false), "a-long-group-name-here\n");
  EXPECT_EQ(format_group_list(groups, false, true),
            "GROUP                            STATE               \n"
            "a-long-group-name-here           Empty               \n");

  reset_plan plan;
  plan["g"][topic_partition{"t", 1}] = 7;
  plan["g"][topic_partition{"t", 0}] = 3;
  EXPECT_EQ(format_reset_table(plan),
            "\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n"
            "g                              t                              0          3              \n"
            "g                              t                              1          7              \n");
  EXPECT_EQ(format_reset_table({}), "");
  EXPECT_EQ(format_reset_csv(plan, true), "t,0,3\nt,1,7\n\n");
  EXPECT_EQ(format_reset_csv(plan, false), "g,t,0,3\ng,t,1,7\n\n");

  std::map<topic_partition, std::optional<std::string>> deleted;
  deleted[{"t", 1}] = "The consumer group is actively subscribed to the topic";
  deleted[{"t", 0}] = std::nullopt;
  deleted[{"gone", -1}] = "This server does not host this topic-partition.";
  EXPECT_EQ(format_delete_offsets_table(deleted),
            "\nTOPIC                          PARTITION       STATUS         \n"
            "gone                           Not Provided    Error: This server does not host this topic-partition.\n"
            "t                              0               Successful     \n"
            "t                              1               Error: The consumer group is actively subscribed to the topic\n");
}

TEST(ConsumerGroupsFormatTest, NoticesAndJavaErrors) {
  auto empty = notice_for_group("g", "Empty", 2);
  EXPECT_EQ(empty.err, "\nConsumer group 'g' has no active members.\n");
  EXPECT_TRUE(empty.print);
  EXPECT_FALSE(notice_for_group("g", "Empty", 0).print);
  auto dead = notice_for_group("g", "Dead", 0);
  EXPECT_EQ(dead.out, "\nError: Consumer group 'g' does not exist.\n");
  EXPECT_FALSE(dead.print);
  EXPECT_EQ(notice_for_group("g", "PreparingRebalance", 1).err, "\nWarning: Consumer group 'g' is rebalancing.\n");
  auto stable = notice_for_group("g", "Stable", 1);
  EXPECT_TRUE(stable.out.empty() && stable.err.empty() && stable.print);
  EXPECT_EQ(notice_for_group("g", "Stable", std::nullopt).out, "\nError: The consumer group 'g' does not exist.\n");

  EXPECT_EQ(java_exception(client::kafka_error(error_code::non_empty_group)),
            "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.");
  EXPECT_EQ(java_exception(client::kafka_error(error_code::group_id_not_found), true), "The group id does not exist.");
  EXPECT_EQ(assignment_text({}), "-");
}

TEST(ConsumerGroupsResetTest, TopicArguments) {
  std::string error;
  auto whole = parse_topic_arg("orders", error);
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->partitions.empty());
  auto some = parse_topic_arg("orders:0,2", error);
  ASSERT_TRUE(some);
  EXPECT_EQ(some->topic, "orders");
  EXPECT_EQ(some->partitions, (std::vector<int32_t>{0, 2}));
  EXPECT_FALSE(parse_topic_arg("orders:", error));
  EXPECT_EQ(error, "Invalid topic arg 'orders:', expected topic name and partitions");
  EXPECT_FALSE(parse_topic_arg("orders:1,x", error));
  EXPECT_EQ(error, "Invalid partition 'x' specified in topic arg 'orders:1,x''");
}

TEST(ConsumerGroupsResetTest, DateTimesAreUtcUnlessZoned) {
  EXPECT_EQ(parse_reset_datetime("1970-01-01T00:00:00.000"), 0);
  EXPECT_EQ(parse_reset_datetime("2021-03-04T05:06:07.089"), 1614834367089);
  EXPECT_EQ(parse_reset_datetime("2021-03-04T05:06:07.089Z"), 1614834367089);
  EXPECT_EQ(parse_reset_datetime("2021-03-04T07:06:07.089+02:00"), 1614834367089);
  EXPECT_EQ(parse_reset_datetime("2021-03-04T00:06:07.089-0500"), 1614834367089);
  EXPECT_EQ(parse_reset_datetime("2021-03-04T05:06:07"), 1614834367000);
  EXPECT_FALSE(parse_reset_datetime("2021-03-04 05:06:07.000"));
  EXPECT_FALSE(parse_reset_datetime("2021-02-30T00:00:00.000"));
  EXPECT_FALSE(parse_reset_datetime("2021-03-04T25:00:00.000"));
  EXPECT_FALSE(parse_reset_datetime("2021-03-04T05:06:07.000X"));
}

TEST(ConsumerGroupsResetTest, IsoDurations) {
  EXPECT_EQ(parse_iso_duration_ms("PT10M"), 600'000);
  EXPECT_EQ(parse_iso_duration_ms("P1DT2H3M4.5S"), 86'400'000 + 2 * 3'600'000 + 3 * 60'000 + 4'500);
  EXPECT_EQ(parse_iso_duration_ms("p2d"), 2 * 86'400'000);
  EXPECT_EQ(parse_iso_duration_ms("-PT1S"), -1000);
  EXPECT_EQ(parse_iso_duration_ms("PT-1H"), -3'600'000);
  EXPECT_FALSE(parse_iso_duration_ms("P"));
  EXPECT_FALSE(parse_iso_duration_ms("PT"));
  EXPECT_FALSE(parse_iso_duration_ms("10M"));
  EXPECT_FALSE(parse_iso_duration_ms("PT10X"));
}

TEST(ConsumerGroupsResetTest, ClampAndCsvPlans) {
  EXPECT_EQ(clamp_offset(50, 10, 40), 40);
  EXPECT_EQ(clamp_offset(5, 10, 40), 10);
  EXPECT_EQ(clamp_offset(20, 10, 40), 20);
  EXPECT_EQ(clamp_offset(-3, std::nullopt, std::nullopt), -3);

  std::string error;
  auto single = parse_reset_csv("t,0,5\nt,1,6\n\n", std::string("g"), error);
  ASSERT_TRUE(single) << error;
  EXPECT_EQ((*single)["g"][(topic_partition{"t", 1})], 6);
  auto multi = parse_reset_csv("g1,t,0,5\r\ng2,u,3,9\n", std::nullopt, error);
  ASSERT_TRUE(multi) << error;
  EXPECT_EQ((*multi)["g2"][(topic_partition{"u", 3})], 9);
  EXPECT_FALSE(parse_reset_csv("t,0,5\n", std::nullopt, error));  // three columns need one group
  EXPECT_FALSE(parse_reset_csv("g,t,x,5\n", std::nullopt, error));
}

struct parsed {
  std::optional<consumer_groups_options> options;
  int exit_code = 0;
  std::string out;
  std::string err;
};

parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "kafka-consumer-groups.sh");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  parsed p;
  p.options = parse_consumer_groups_options(static_cast<int>(argv.size()), argv.data(), out, err, p.exit_code);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(ConsumerGroupsOptionsTest, ActionsAndDescribeViews) {
  auto list = parse({"--bootstrap-server", "b:9092", "--list", "--state"});
  ASSERT_TRUE(list.options) << list.err;
  EXPECT_EQ(list.options->action, groups_action::list);
  EXPECT_EQ(list.options->state, std::optional<std::string>(""));
  auto filtered = parse({"--bootstrap-server", "b:9092", "--list", "--state", "stable,empty"});
  ASSERT_TRUE(filtered.options) << filtered.err;
  EXPECT_EQ(filtered.options->state, std::optional<std::string>("stable,empty"));

  auto members = parse({"--bootstrap-server", "b:9092", "--describe", "--group", "g1", "--group", "g2", "--members", "--verbose"});
  ASSERT_TRUE(members.options) << members.err;
  EXPECT_EQ(members.options->view, describe_view::members);
  EXPECT_EQ(members.options->groups, (std::vector<std::string>{"g1", "g2"}));
  EXPECT_TRUE(members.options->verbose);
  auto state = parse({"--bootstrap-server", "b:9092", "--describe", "--all-groups", "--state"});
  ASSERT_TRUE(state.options) << state.err;
  EXPECT_EQ(state.options->view, describe_view::state);

  auto none = parse({"--bootstrap-server", "b:9092"});
  EXPECT_FALSE(none.options);
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("Command must include exactly one action"), std::string::npos);
  auto no_group = parse({"--bootstrap-server", "b:9092", "--describe"});
  EXPECT_NE(no_group.err.find("Option [describe] takes one of these options: [group], [all-groups]"), std::string::npos);
  auto two_views = parse({"--bootstrap-server", "b:9092", "--describe", "--group", "g", "--members", "--offsets"});
  EXPECT_NE(two_views.err.find("takes at most one of these options"), std::string::npos);
  auto state_value = parse({"--bootstrap-server", "b:9092", "--describe", "--group", "g", "--state", "stable"});
  EXPECT_NE(state_value.err.find("Option [describe] does not take a value for [state]"), std::string::npos);
  auto no_bootstrap = parse({"--list"});
  EXPECT_NE(no_bootstrap.err.find("Missing required argument \"[bootstrap-server]\""), std::string::npos);
  auto group_with_list = parse({"--bootstrap-server", "b:9092", "--list", "--group", "g"});
  EXPECT_NE(group_with_list.err.find("Option \"[group]\" can't be used with option \"[list]\""), std::string::npos);
  auto delete_topic = parse({"--bootstrap-server", "b:9092", "--delete", "--group", "g", "--topic", "t"});
  EXPECT_NE(delete_topic.err.find("The consumer does not support topic-specific offset deletion"), std::string::npos);
  auto delete_offsets = parse({"--bootstrap-server", "b:9092", "--delete-offsets", "--group", "g"});
  EXPECT_NE(delete_offsets.err.find("Option [delete-offsets] takes the following options: [group], [topic]"), std::string::npos);
}

TEST(ConsumerGroupsOptionsTest, ResetOffsetsScenariosAndScopes) {
  auto dry = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--topic", "t:0", "--shift-by", "-2"});
  ASSERT_TRUE(dry.options) << dry.err;
  EXPECT_NE(dry.err.find("WARN: No action will be performed as the --execute option is missing."), std::string::npos);
  EXPECT_EQ(dry.options->scenario, reset_scenario::shift_by);
  EXPECT_EQ(dry.options->reset_number, -2);
  auto exec = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--all-topics", "--to-datetime",
                     "2021-01-01T00:00:00.000", "--execute"});
  ASSERT_TRUE(exec.options) << exec.err;
  EXPECT_TRUE(exec.err.empty());
  EXPECT_EQ(exec.options->scenario, reset_scenario::to_datetime);
  EXPECT_EQ(exec.options->reset_text, "2021-01-01T00:00:00.000");

  auto both = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--all-topics", "--to-earliest",
                     "--dry-run", "--execute"});
  EXPECT_NE(both.err.find("Option [reset-offsets] only accepts one of [execute] and [dry-run]"), std::string::npos);
  auto two = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--all-topics", "--to-earliest",
                    "--to-offset", "3", "--dry-run"});
  EXPECT_NE(two.err.find("can't be used with option"), std::string::npos);
  auto no_scenario = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--all-topics", "--dry-run"});
  EXPECT_NE(no_scenario.err.find("requires one of the following scenarios"), std::string::npos);
  auto no_scope = parse({"--bootstrap-server", "b:9092", "--reset-offsets", "--group", "g", "--to-latest", "--dry-run"});
  EXPECT_NE(no_scope.err.find("One of the reset scopes should be defined: --all-topics, --topic."), std::string::npos);
  auto stray = parse({"--bootstrap-server", "b:9092", "--describe", "--group", "g", "--execute"});
  EXPECT_FALSE(stray.options);
}

TEST(ConsoleGroupTest, GroupIdSourcesDefaultsAndConflicts) {
  std::string error;
  auto generated = resolve_console_group(std::nullopt, {}, {}, false, false, 42, error);
  ASSERT_TRUE(generated) << error;
  EXPECT_EQ(generated->group_id, "console-consumer-42");
  EXPECT_FALSE(generated->group_given);
  EXPECT_FALSE(generated->auto_commit);  // generated groups commit nothing unless asked
  EXPECT_EQ(generated->auto_offset_reset, "latest");
  EXPECT_EQ(generated->client_id, "consumer-console-consumer-42-1");

  auto given = resolve_console_group(std::string("g"), {}, {}, false, true, 1, error);
  ASSERT_TRUE(given) << error;
  EXPECT_TRUE(given->auto_commit);
  EXPECT_EQ(given->auto_offset_reset, "earliest");

  auto from_property = resolve_console_group(std::nullopt, {{"group.id", "p"}, {"enable.auto.commit", "false"},
                                                            {"heartbeat.interval.ms", "500"}},
                                             {{"group.id", "p"}, {"client.id", "mine"}}, false, false, 1, error);
  ASSERT_TRUE(from_property) << error;
  EXPECT_EQ(from_property->group_id, "p");
  EXPECT_FALSE(from_property->auto_commit);
  EXPECT_EQ(from_property->heartbeat_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(from_property->client_id, "mine");

  EXPECT_FALSE(resolve_console_group(std::string("a"), {{"group.id", "b"}}, {}, false, false, 1, error));
  EXPECT_EQ(error, "The group ids provided in different places (directly using '--group', via '--consumer-property', or "
                   "via '--consumer.config') do not match. Detected group ids: 'a', 'b'");
  EXPECT_FALSE(resolve_console_group(std::string("a"), {}, {}, true, false, 1, error));
  EXPECT_EQ(error, "Options group and partition cannot be specified together.");
  EXPECT_FALSE(resolve_console_group(std::string("a"), {{"auto.offset.reset", "latest"}}, {}, false, true, 1, error));
  EXPECT_EQ(error, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option");
  EXPECT_FALSE(resolve_console_group(std::string("a"), {{"auto.offset.reset", "sometimes"}}, {}, false, false, 1, error));
  EXPECT_FALSE(resolve_console_group(std::string("a"), {{"session.timeout.ms", "1000"}, {"heartbeat.interval.ms", "1000"}},
                                     {}, false, false, 1, error));
}

} // namespace
} // namespace gregor::tools
