// The three tools through their real command lines against ZooKeeper + one real gregor-server:
// kafka-topics in both modes (--bootstrap-server and --zookeeper), the console producer with every
// codec, and the console consumer reading everything back.

#include <signal.h>

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "broker_process.h"
#include "fixtures/zookeeper.h"
#include "gregor/client/partitioner.h"
#include "process.h"

namespace gregor::testing {
namespace {

using namespace std::chrono_literals;

const std::string bin_dir = GREGOR_BIN_DIR;

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

class ToolsBrokerTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    ::signal(SIGPIPE, SIG_IGN);
    zk = std::make_unique<zookeeper_server>();
    broker = std::make_unique<broker_process>(bin_dir + "/gregor-server", zk->connect_string("/kafka"), 1);
    if (!broker->wait_ready(60s)) {
      std::string tail = broker->log_tail();
      broker.reset();
      zk.reset();
      FAIL() << "broker did not come up; log tail:\n" << tail;
    }
  }
  static void TearDownTestSuite() {
    broker.reset();
    zk.reset();
  }
  void SetUp() override {
    if (!broker) GTEST_SKIP() << "no broker";
  }

  static process_result tool(const std::string& name, std::vector<std::string> args, const std::string& input = "",
                             std::chrono::milliseconds timeout = 60s) {
    args.insert(args.begin(), bin_dir + "/" + name);
    return run_process(args, input, timeout);
  }
  static process_result topics(std::vector<std::string> args) {
    args.insert(args.begin(), {"--bootstrap-server", broker->bootstrap()});
    return tool("gregor-topics", std::move(args));
  }
  static process_result zk_topics(std::vector<std::string> args) {
    args.insert(args.begin(), {"--zookeeper", zk->connect_string("/kafka")});
    return tool("gregor-topics", std::move(args));
  }

  // Polls `describe` until every partition has a leader, or gives up.
  static std::vector<std::string> describe_when_online(const std::string& topic, size_t partitions, bool via_zk) {
    std::vector<std::string> lines;
    for (int i = 0; i < 100; ++i) {
      auto r = via_zk ? zk_topics({"--describe", "--topic", topic}) : topics({"--describe", "--topic", topic});
      lines = split_lines(r.out);
      bool online = r.exit_code == 0 && lines.size() == partitions + 1 &&
                    std::none_of(lines.begin(), lines.end(), [](const std::string& l) { return l.find("Leader: none") != std::string::npos; }) &&
                    lines[0].find("TopicId: ") != std::string::npos;
      if (online) break;
      std::this_thread::sleep_for(100ms);
    }
    return lines;
  }

  static inline std::unique_ptr<zookeeper_server> zk;
  static inline std::unique_ptr<broker_process> broker;
};

// The header line minus the TopicId value (random) and with configs as a set (broker order).
struct header_fields {
  std::string before_id;
  std::string after_id;
  std::set<std::string> configs;
};

header_fields parse_header(const std::string& line) {
  header_fields h;
  auto id = line.find("\tTopicId: ");
  EXPECT_NE(id, std::string::npos) << line;
  if (id == std::string::npos) return h;
  h.before_id = line.substr(0, id);
  auto after = line.find('\t', id + 1);
  std::string rest = line.substr(after);
  auto configs = rest.find("Configs: ");
  h.after_id = rest.substr(0, configs + 9);
  std::stringstream ss(rest.substr(configs + 9));
  std::string entry;
  while (std::getline(ss, entry, ',')) h.configs.insert(entry);
  return h;
}

TEST_F(ToolsBrokerTest, TopicsThroughTheBroker) {
  auto created = topics({"--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "1", "--config",
                         "cleanup.policy=compact", "--config", "retention.ms=1000"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "Created topic orders.\n");

  auto again = topics({"--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "1"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "");
  EXPECT_EQ(again.out, "Error while executing topic command : Topic 'orders' already exists.\n");
  auto quiet = topics({"--create", "--topic", "orders", "--if-not-exists", "--partitions", "3", "--replication-factor", "1"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, "");

  auto lines = describe_when_online("orders", 3, false);
  ASSERT_EQ(lines.size(), 4u);
  auto h = parse_header(lines[0]);
  EXPECT_EQ(h.before_id, "Topic: orders");
  EXPECT_EQ(h.after_id, "\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: ");
  // Topic overrides plus the broker's static log.segment.bytes; defaults are left out.
  EXPECT_EQ(h.configs, (std::set<std::string>{"cleanup.policy=compact", "retention.ms=1000", "segment.bytes=1073741824"}));
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(lines[p + 1], "\tTopic: orders\tPartition: " + std::to_string(p) + "\tLeader: 1\tReplicas: 1\tIsr: 1");
  }

  auto listed = topics({"--list"});
  EXPECT_EQ(listed.exit_code, 0);
  auto names = split_lines(listed.out);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_NE(std::find(names.begin(), names.end(), "orders"), names.end());
  auto filtered = topics({"--list", "--topic", "ord.*"});
  EXPECT_EQ(filtered.out, "orders\n");

  auto healthy = topics({"--describe", "--topic", "orders", "--under-replicated-partitions"});
  EXPECT_EQ(healthy.exit_code, 0);
  EXPECT_EQ(healthy.out, "");

  auto missing = topics({"--describe", "--topic", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "Error while executing topic command : Topic 'nope' does not exist as expected\n");
  auto tolerated = topics({"--describe", "--topic", "nope", "--if-exists"});
  EXPECT_EQ(tolerated.exit_code, 0);

  // CreatePartitions: either the broker serves it, or the tool says it cannot (at once, no retries).
  auto start = std::chrono::steady_clock::now();
  auto grown = topics({"--alter", "--topic", "orders", "--partitions", "4"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  if (grown.exit_code == 0) {
    EXPECT_EQ(grown.out, "");
    EXPECT_EQ(describe_when_online("orders", 4, false).size(), 5u);
  } else {
    EXPECT_EQ(grown.exit_code, 1);
    EXPECT_EQ(grown.out, "Error while executing topic command : The broker does not support this request.\n");
  }

  auto deleted = topics({"--delete", "--topic", "orders"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "");
  auto after = topics({"--list", "--topic", "orders"});
  EXPECT_EQ(after.out, "");
}

TEST_F(ToolsBrokerTest, TopicsThroughZooKeeper) {
  auto created = zk_topics({"--create", "--topic", "zk.events", "--partitions", "2", "--replication-factor", "1",
                            "--config", "max.message.bytes=2000000"});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, std::string("WARNING: Due to limitations in metric names, topics with a period ('.') or "
                                     "underscore ('_') could collide. To avoid issues it is best to use either, but "
                                     "not both.\nCreated topic zk.events.\n"));
  auto collide = zk_topics({"--create", "--topic", "zk_events", "--partitions", "1", "--replication-factor", "1"});
  EXPECT_EQ(collide.exit_code, 1);
  EXPECT_EQ(collide.out, "Error while executing topic command : Topic 'zk_events' collides with existing topics: zk.events\n");
  auto too_many = zk_topics({"--create", "--topic", "wide", "--partitions", "1", "--replication-factor", "3"});
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_EQ(too_many.out, "Error while executing topic command : Replication factor: 3 larger than available brokers: 1.\n");

  // The controller picks the topic up, adds a topic id and elects leaders.
  auto lines = describe_when_online("zk.events", 2, true);
  ASSERT_EQ(lines.size(), 3u);
  auto h = parse_header(lines[0]);
  EXPECT_EQ(h.before_id, "Topic: zk.events");
  EXPECT_EQ(h.after_id, "\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: ");
  EXPECT_EQ(h.configs, (std::set<std::string>{"max.message.bytes=2000000"}));  // ZK mode: overrides only
  EXPECT_EQ(lines[1], "\tTopic: zk.events\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1");
  EXPECT_EQ(lines[2], "\tTopic: zk.events\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1");

  // The broker sees the same topic.
  auto via_broker = describe_when_online("zk.events", 2, false);
  ASSERT_EQ(via_broker.size(), 3u);
  EXPECT_EQ(via_broker[1], lines[1]);
  EXPECT_EQ(parse_header(via_broker[0]).configs,
            (std::set<std::string>{"max.message.bytes=2000000", "segment.bytes=1073741824"}));

  auto listed = zk_topics({"--list", "--topic", "zk.*"});
  EXPECT_EQ(listed.out, "zk.events\n");

  auto shrink = zk_topics({"--alter", "--topic", "zk.events", "--partitions", "1"});
  EXPECT_EQ(shrink.exit_code, 1);
  auto grown = zk_topics({"--alter", "--topic", "zk.events", "--partitions", "4"});
  EXPECT_EQ(grown.exit_code, 0) << grown.err;
  EXPECT_EQ(grown.out, "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering "
                       "of the messages will be affected\nAdding partitions succeeded!\n");
  auto four = describe_when_online("zk.events", 4, true);
  ASSERT_EQ(four.size(), 5u);
  EXPECT_EQ(four[4], "\tTopic: zk.events\tPartition: 3\tLeader: 1\tReplicas: 1\tIsr: 1");

  auto deleted = zk_topics({"--delete", "--topic", "zk.events"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "Topic zk.events is marked for deletion.\n"
                         "Note: This will have no impact if delete.topic.enable is not set to true.\n");
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = zk_topics({"--list", "--topic", "zk.events"}).out.empty();
    if (!gone) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(gone);
}

TEST_F(ToolsBrokerTest, ProduceAndConsumeEveryCodec) {
  for (std::string codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    SCOPED_TRACE(codec);
    const std::string topic = "codec-" + codec;
    auto created = topics({"--create", "--topic", topic, "--partitions", "3", "--replication-factor", "1"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_EQ(describe_when_online(topic, 3, false).size(), 4u);

    std::string input;
    std::vector<std::string> expected;
    for (int i = 0; i < 1000; ++i) {
      input += "key-" + std::to_string(i) + ":value " + std::to_string(i) + " of " + codec + "\n";
      expected.push_back("key-" + std::to_string(i) + "\tvalue " + std::to_string(i) + " of " + codec);
    }
    auto produced = tool("gregor-console-producer",
                         {"--bootstrap-server", broker->bootstrap(), "--topic", topic, "--property", "parse.key=true",
                          "--property", "key.separator=:", "--compression-codec", codec},
                         input);
    ASSERT_EQ(produced.exit_code, 0) << produced.err;
    EXPECT_EQ(produced.out, "");

    auto consumed = tool("gregor-console-consumer",
                         {"--bootstrap-server", broker->bootstrap(), "--topic", topic, "--from-beginning",
                          "--max-messages", "1000", "--timeout-ms", "20000", "--property", "print.key=true"});
    ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
    EXPECT_NE(consumed.err.find("Processed a total of 1000 messages"), std::string::npos) << consumed.err;
    auto got = split_lines(consumed.out);
    std::sort(got.begin(), got.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected);

    // Keys land where Java's partitioner puts them, in order within the partition.
    auto p1 = tool("gregor-console-consumer",
                   {"--bootstrap-server", broker->bootstrap(), "--topic", topic, "--partition", "1", "--offset",
                    "earliest", "--timeout-ms", "1500", "--property", "print.key=true", "--property",
                    "print.offset=true", "--property", "key.separator=|"});
    ASSERT_EQ(p1.exit_code, 0) << p1.err;
    auto lines = split_lines(p1.out);
    EXPECT_FALSE(lines.empty());
    int64_t previous = -1;
    for (const auto& l : lines) {
      auto bar = l.find('|');
      auto key_end = l.find('|', bar + 1);
      ASSERT_NE(key_end, std::string::npos) << l;
      int64_t offset = std::stoll(l.substr(7, bar - 7));  // "Offset:<n>"
      EXPECT_EQ(offset, previous + 1);
      previous = offset;
      std::string key = l.substr(bar + 1, key_end - bar - 1);
      EXPECT_EQ(client::partition_for_key(as_bytes(key), 3), 1) << key;
    }
  }
}

TEST_F(ToolsBrokerTest, ConsumerStopsAfterTimeoutWithNothingToRead) {
  ASSERT_EQ(topics({"--create", "--topic", "empty", "--partitions", "1", "--replication-factor", "1"}).exit_code, 0);
  ASSERT_EQ(describe_when_online("empty", 1, false).size(), 2u);
  auto start = std::chrono::steady_clock::now();
  auto r = tool("gregor-console-consumer",
                {"--bootstrap-server", broker->bootstrap(), "--topic", "empty", "--timeout-ms", "1500"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Processed a total of 0 messages"), std::string::npos) << r.err;
  EXPECT_GE(took, 1500ms);
  EXPECT_LT(took, 15s);

  // Latest (the default start) skips what is already there; --offset reads from a position.
  auto produced = tool("gregor-console-producer", {"--broker-list", broker->bootstrap(), "--topic", "empty", "--sync"},
                       "a\nb\nc\n");
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  auto latest = tool("gregor-console-consumer",
                     {"--bootstrap-server", broker->bootstrap(), "--topic", "empty", "--timeout-ms", "1000"});
  EXPECT_EQ(latest.out, "");
  auto from_one = tool("gregor-console-consumer", {"--bootstrap-server", broker->bootstrap(), "--topic", "empty",
                                                   "--partition", "0", "--offset", "1", "--timeout-ms", "1500",
                                                   "--property", "print.timestamp=true"});
  auto lines = split_lines(from_one.out);
  ASSERT_EQ(lines.size(), 2u) << from_one.out;
  EXPECT_EQ(lines[0].substr(0, 11), "CreateTime:");
  EXPECT_EQ(lines[0].substr(lines[0].size() - 2), "\tb");
  EXPECT_EQ(lines[1].substr(lines[1].size() - 2), "\tc");
}

TEST_F(ToolsBrokerTest, ProducerReportsBadInputAndUnreachableBrokers) {
  ASSERT_EQ(topics({"--create", "--topic", "strict", "--partitions", "1", "--replication-factor", "1"}).exit_code, 0);
  auto r = tool("gregor-console-producer",
                {"--bootstrap-server", broker->bootstrap(), "--topic", "strict", "--property", "parse.key=true"},
                "k\tv\nno separator\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("No key separator found on line number 2: 'no separator'"), std::string::npos) << r.err;

  auto big = tool("gregor-console-producer",
                  {"--bootstrap-server", broker->bootstrap(), "--topic", "strict", "--producer-property",
                   "max.request.size=100"},
                  "small\n" + std::string(200, 'x') + "\n");
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_NE(big.err.find("The message is 221 bytes when serialized which is larger than 100, which is the value of "
                         "the max.request.size configuration."),
            std::string::npos)
      << big.err;

  auto nobody = tool("gregor-console-producer",
                     {"--bootstrap-server", "127.0.0.1:" + std::to_string(free_port()), "--topic", "strict"}, "x\n", 30s);
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_FALSE(nobody.err.empty());
}

TEST_F(ToolsBrokerTest, ScriptsRunTheToolsFromTheBuildDirectory) {
  const std::string script = std::string(GREGOR_SOURCE_DIR) + "/scripts/kafka-topics.sh";
  auto build_dir = std::filesystem::path(bin_dir).parent_path().string();
  auto r = run_process({"/bin/bash", script, "--bootstrap-server", broker->bootstrap(), "--list", "--exclude-internal"},
                       "", 60s, {{"GREGOR_BUILD_DIR", build_dir}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, topics({"--list", "--exclude-internal"}).out);
  auto usage = run_process({"/bin/bash", script, "--list"}, "", 60s, {{"GREGOR_BUILD_DIR", build_dir}});
  EXPECT_EQ(usage.exit_code, 1);
  EXPECT_NE(usage.err.find("Only one of --bootstrap-server or --zookeeper must be specified"), std::string::npos);
}

} // namespace
} // namespace gregor::testing
