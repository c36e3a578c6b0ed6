// Formatting and parsing of the CLI tools; no broker needed.

#include <gtest/gtest.h>

#include <sstream>

#include "cli_util.h"
#include "line_reader.h"
#include "message_formatter.h"
#include "topic_format.h"
#include "topics_command.h"

namespace gregor::tools {
namespace {

topic_view orders() {
  topic_view t;
  t.name = "orders";
  t.topic_id = *uuid::from_base64url("Qm9vdHN0cmFwVG9waWNJZA");
  t.configs = {{"cleanup.policy", "compact"}, {"segment.bytes", "1073741824"}};
  t.partitions.push_back({0, 1, {1, 2}, {1, 2}, {}, {}});
  t.partitions.push_back({1, 2, {2, 3}, {2}, {}, {}});
  t.partitions.push_back({2, std::nullopt, {3, 1}, {3}, {}, {}});
  return t;
}

TEST(TopicFormatTest, DescribeMatchesKafka3Layout) {
  auto lines = describe_lines(orders(), {});
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "Topic: orders\tTopicId: Qm9vdHN0cmFwVG9waWNJZA\tPartitionCount: 3\tReplicationFactor: 2\t"
            "Configs: cleanup.policy=compact,segment.bytes=1073741824");
  EXPECT_EQ(lines[1], "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2");
  EXPECT_EQ(lines[2], "\tTopic: orders\tPartition: 1\tLeader: 2\tReplicas: 2,3\tIsr: 2");
  EXPECT_EQ(lines[3], "\tTopic: orders\tPartition: 2\tLeader: none\tReplicas: 3,1\tIsr: 3");
}

TEST(TopicFormatTest, NoTopicIdNoConfigsAndDeletionMarks) {
  auto t = orders();
  t.topic_id = uuid{};
  t.configs.clear();
  t.marked_for_deletion = true;
  t.partitions.resize(1);
  t.partitions[0].leader = -1;
  EXPECT_EQ(format_topic_header(t),
            "Topic: orders\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: \tMarkedForDeletion: true");
  EXPECT_EQ(format_partition_line(t, t.partitions[0]),
            "\tTopic: orders\tPartition: 0\tLeader: none\tReplicas: 1,2\tIsr: 1,2\tMarkedForDeletion: true");
}

TEST(TopicFormatTest, ReassignmentFieldsAndReplicationFactor) {
  auto t = orders();
  t.partitions.resize(1);
  t.partitions[0].replicas = {4, 1, 2};
  t.partitions[0].adding = {4};
  t.partitions[0].removing = {2};
  EXPECT_NE(format_topic_header(t).find("\tReplicationFactor: 2\t"), std::string::npos);
  EXPECT_EQ(format_partition_line(t, t.partitions[0]),
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 4,1,2\tIsr: 1,2\tAdding Replicas: 4\tRemoving Replicas: 2");
  // Kafka prints both fields for a partition being reassigned, empty ones too.
  t.partitions[0].removing.clear();
  EXPECT_EQ(format_partition_line(t, t.partitions[0]),
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 4,1,2\tIsr: 1,2\tAdding Replicas: 4\tRemoving Replicas: ");
  t.partitions[0].adding.clear();
  t.partitions[0].reassigning = true;
  EXPECT_EQ(format_partition_line(t, t.partitions[0]),
            "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 4,1,2\tIsr: 1,2\tAdding Replicas: \tRemoving Replicas: ");
}

TEST(TopicFormatTest, FiltersDropHeadersAndHealthyPartitions) {
  describe_filter under;
  under.under_replicated = true;
  auto lines = describe_lines(orders(), under);
  ASSERT_EQ(lines.size(), 2u);  // partitions 1 and 2, no header
  EXPECT_EQ(lines[0].substr(0, 30), "\tTopic: orders\tPartition: 1\tLe");

  describe_filter unavailable;
  unavailable.unavailable = true;
  unavailable.live_brokers = {1, 3};  // broker 2 is down: partition 1's leader is not live
  lines = describe_lines(orders(), unavailable);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("Partition: 1"), std::string::npos);
  EXPECT_NE(lines[1].find("Partition: 2"), std::string::npos);
}

client::consumer_record rec(std::optional<std::string> key, std::optional<std::string> value) {
  client::consumer_record r;
  r.offset = 42;
  r.timestamp = 1700000000000;
  if (key) r.key = bytes(key->begin(), key->end());
  if (value) r.value = bytes(value->begin(), value->end());
  return r;
}

TEST(MessageFormatterTest, DefaultPrintsValueOnly) {
  formatter_options o;
  EXPECT_EQ(format_record(o, 0, rec("k", "hello")), "hello\n");
  EXPECT_EQ(format_record(o, 0, rec("k", std::nullopt)), "null\n");
}

TEST(MessageFormatterTest, PrintOptionsInKafkaOrder) {
  auto o = formatter_options_from({{"print.key", "true"}, {"print.timestamp", "true"}, {"print.partition", "TRUE"},
                                   {"print.offset", "true"}});
  EXPECT_EQ(format_record(o, 3, rec("k", "v")), "CreateTime:1700000000000\tPartition:3\tOffset:42\tk\tv\n");
  auto r = rec(std::nullopt, "v");
  r.ts_type = client::timestamp_type::log_append_time;
  auto o2 = formatter_options_from({{"print.key", "true"}, {"print.timestamp", "true"}, {"key.separator", " | "}});
  EXPECT_EQ(format_record(o2, 0, r), "LogAppendTime:1700000000000 | null | v\n");
}

TEST(MessageFormatterTest, HeadersAndNoValue) {
  auto o = formatter_options_from({{"print.headers", "true"}, {"print.value", "false"}, {"print.key", "true"}});
  auto r = rec("k", "v");
  EXPECT_EQ(format_record(o, 0, r), "NO_HEADERS\tk\n");  // the last field ends the line
  r.headers.push_back({"h1", bytes{'x'}});
  r.headers.push_back({"h2", std::nullopt});
  EXPECT_EQ(format_record(o, 0, r), "h1:x,h2:null\tk\n");
}

TEST(LineReaderTest, PlainAndKeyedLines) {
  line_reader_options plain;
  auto p = parse_line(plain, "a\tb", 1);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->key);
  EXPECT_EQ(*p->value, "a\tb");

  auto keyed = line_reader_options_from({{"parse.key", "true"}, {"key.separator", ":"}});
  p = parse_line(keyed, "user1:hello:world", 1);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p->key, "user1");
  EXPECT_EQ(*p->value, "hello:world");

  auto missing = parse_line(keyed, "nokey", 7);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "No key separator found on line number 7: 'nokey'");

  auto lenient = line_reader_options_from({{"parse.key", "true"}, {"ignore.error", "true"}, {"null.marker", "NULL"}});
  p = parse_line(lenient, "nokey", 1);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->key);
  EXPECT_EQ(*p->value, "nokey");
  p = parse_line(lenient, "NULL\tNULL", 1);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->key);
  EXPECT_FALSE(p->value);
}

TEST(CliUtilTest, ReplicaAssignment) {
  auto a = parse_replica_assignment("1:2,2:3, 3:1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 3u);
  EXPECT_EQ(a->at(2), (std::vector<int32_t>{3, 1}));
  EXPECT_FALSE(parse_replica_assignment("1:x"));
  EXPECT_FALSE(parse_replica_assignment("1,,2"));
  EXPECT_FALSE(parse_replica_assignment(""));
}

TEST(CliUtilTest, TopicRegexMatchesWholeNames) {
  auto re = topic_include_regex("orders.*, audit");
  EXPECT_TRUE(matches(re, "orders"));
  EXPECT_TRUE(matches(re, "orders-eu"));
  EXPECT_TRUE(matches(re, "audit"));
  EXPECT_FALSE(matches(re, "my-orders"));
  EXPECT_FALSE(matches(re, "audit2"));
  EXPECT_TRUE(matches(topic_include_regex("a.b"), "a_b"));  // a regex, as in Kafka
}

TEST(CliUtilTest, KeyValuesAndBareCodecFlag) {
  std::string bad;
  auto kv = parse_key_values({"a=1", "b=x=y"}, &bad);
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->at("b"), "x=y");
  EXPECT_FALSE(parse_key_values({"novalue"}, &bad));
  EXPECT_EQ(bad, "novalue");

  const char* argv1[] = {"p", "--compression-codec", "--topic", "t"};
  auto args = expand_bare_codec_flag(4, const_cast<char**>(argv1));
  EXPECT_EQ(args, (std::vector<std::string>{"p", "--compression-codec", "gzip", "--topic", "t"}));
  const char* argv2[] = {"p", "--compression-codec", "zstd"};
  EXPECT_EQ(expand_bare_codec_flag(3, const_cast<char**>(argv2)).size(), 3u);
  const char* argv3[] = {"p", "--compression-codec"};
  EXPECT_EQ(expand_bare_codec_flag(2, const_cast<char**>(argv3)).back(), "gzip");
}

struct parsed {
  std::optional<topics_options> options;
  int exit_code = -1;
  std::string out;
  std::string err;
};

parsed parse_topics(std::vector<std::string> args) {
  args.insert(args.begin(), "kafka-topics.sh");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  parsed p;
  p.options = parse_topics_options(static_cast<int>(argv.size()), argv.data(), out, err, p.exit_code);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(TopicsOptionsTest, AcceptsKafkaStyleCommandLines) {
  auto p = parse_topics({"--bootstrap-server", "h:9092", "--create", "--topic", "t", "--partitions", "3",
                         "--replication-factor", "2", "--config", "a=1", "--config", "b=2"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->action, topics_action::create);
  EXPECT_EQ(p.options->partitions, 3);
  EXPECT_EQ(p.options->replication_factor, 2);
  EXPECT_EQ(p.options->configs, (std::vector<std::string>{"a=1", "b=2"}));

  p = parse_topics({"--zookeeper", "zk:2181/kafka", "--describe", "--under-replicated-partitions"});
  ASSERT_TRUE(p.options) << p.err;
  EXPECT_EQ(p.options->action, topics_action::describe);
  EXPECT_TRUE(p.options->under_replicated);
  EXPECT_EQ(p.options->zookeeper, "zk:2181/kafka");
}

TEST(TopicsOptionsTest, RejectsWhatKafkaRejects) {
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<bad_case> cases = {
      {{"--bootstrap-server", "h:1"}, "Command must include exactly one action"},
      {{"--bootstrap-server", "h:1", "--list", "--describe"}, "Command must include exactly one action"},
      {{"--list"}, "Only one of --bootstrap-server or --zookeeper must be specified"},
      {{"--list", "--bootstrap-server", "h:1", "--zookeeper", "z:1"}, "Only one of --bootstrap-server or --zookeeper"},
      {{"--bootstrap-server", "h:1", "--delete"}, "Missing required argument \"[topic]\""},
      {{"--bootstrap-server", "h:1", "--create", "--topic", "t", "--partitions", "1", "--replica-assignment", "1"},
       "can't be used with option"},
      {{"--bootstrap-server", "h:1", "--list", "--if-exists"}, "[if-exists]"},
      {{"--bootstrap-server", "h:1", "--alter", "--topic", "t"}, "[partitions]"},
      {{"--bootstrap-server", "h:1", "--create", "--topic", "t", "--partitions", "0"}, "partitions must be greater than 0"},
      {{"--bootstrap-server", "h:1", "--list", "--bogus"}, "--bogus"},
  };
  for (const auto& c : cases) {
    auto p = parse_topics(c.args);
    EXPECT_FALSE(p.options) << c.message;
    EXPECT_EQ(p.exit_code, 1) << c.message;
    EXPECT_NE(p.err.find(c.message), std::string::npos) << p.err;
  }
}

TEST(TopicsOptionsTest, HelpExitsZero) {
  auto p = parse_topics({"--help"});
  EXPECT_FALSE(p.options);
  EXPECT_EQ(p.exit_code, 0);
  EXPECT_NE(p.out.find("--bootstrap-server"), std::string::npos);
}

} // namespace
} // namespace gregor::tools
