// kafka_zk against a real ZooKeeper: registration, election and fencing, topics, configs.

#include "gregor/zk/kafka_zk.h"

#include <gtest/gtest.h>

#include "zk_test_util.h"

namespace gregor::zk {
namespace {

using namespace gregor::zk::test;

constexpr std::string_view kafka_broker_json =
    R"({"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT","SSL":"SSL"},)"
    R"("endpoints":["PLAINTEXT://kafka1.example:9092","SSL://kafka1.example:9093"],)"
    R"("rack":"az1","jmx_port":9999,"port":9092,"host":"kafka1.example","version":5,"timestamp":"1700000000000"})";

broker_registration example_broker(int32_t id) {
  broker_registration r;
  r.id = id;
  r.endpoints = {{"PLAINTEXT", "kafka1.example", 9092, "PLAINTEXT"}, {"SSL", "kafka1.example", 9093, "SSL"}};
  r.rack = "az1";
  r.jmx_port = 9999;
  r.timestamp_ms = 1'700'000'000'000;
  return r;
}

class kafka_zk_test : public ::testing::Test {
protected:
  std::unique_ptr<session> open(int timeout_ms = 6000) {
    auto s = std::make_unique<session>(io.get_executor(), shared_zk().connect_string(test_chroot()), timeout_ms);
    auto r = run(io, s->start(15000));
    EXPECT_TRUE(r) << r.error().message();
    return s;
  }

  asio::io_context io;
  manual_clock clk{1'700'000'000'000};
};

TEST_F(kafka_zk_test, base_paths_and_cluster_id) {
  auto s1 = open();
  auto s2 = open();
  kafka_zk a(*s1, clk), b(*s2, clk);
  ASSERT_TRUE(run(io, a.ensure_base_paths()));
  ASSERT_TRUE(run(io, a.ensure_base_paths())) << "idempotent";
  for (const auto& p : paths::base_paths()) {
    auto e = run(io, s1->exists(p));
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->has_value()) << p;
  }
  auto id1 = run(io, a.get_or_create_cluster_id());
  ASSERT_TRUE(id1);
  EXPECT_EQ(id1->size(), 22u);
  auto id2 = run(io, b.get_or_create_cluster_id());
  ASSERT_TRUE(id2);
  EXPECT_EQ(*id1, *id2);
  auto raw = run(io, s1->get(paths::cluster_id()));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first), R"({"version":"1","id":")" + *id1 + R"("})");
}

TEST_F(kafka_zk_test, producer_id_blocks_are_claimed_in_turn_with_kafkas_json) {
  auto s1 = open();
  auto s2 = open();
  kafka_zk a(*s1, clk), b(*s2, clk);
  ASSERT_TRUE(run(io, a.ensure_base_paths()));  // /latest_producer_id_block with null data
  auto first = run(io, a.claim_producer_id_block(3));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, (producer_id_block{3, 0, 999}));
  auto raw = run(io, s1->get(paths::latest_producer_id_block()));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first), R"({"version":1,"broker":3,"block_start":"0","block_end":"999"})");
  // Two brokers claiming: every block once, consecutive.
  std::vector<producer_id_block> claimed;
  for (int i = 0; i < 3; ++i) {
    auto x = run(io, b.claim_producer_id_block(4));
    auto y = run(io, a.claim_producer_id_block(3));
    ASSERT_TRUE(x && y);
    claimed.push_back(*x);
    claimed.push_back(*y);
  }
  for (size_t i = 0; i < claimed.size(); ++i) {
    EXPECT_EQ(claimed[i].block_start, 1000 * static_cast<int64_t>(i + 1));
    EXPECT_EQ(claimed[i].block_end, 1000 * static_cast<int64_t>(i + 1) + 999);
  }
  // A znode Kafka could not have written is refused, not overwritten.
  ASSERT_TRUE(run(io, s1->set(paths::latest_producer_id_block(), bytes{'{', '}'}, -1)));
  auto bad = run(io, a.claim_producer_id_block(3));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), zk_errc::bad_data);
}

TEST_F(kafka_zk_test, broker_registration_is_byte_exact_and_checked) {
  auto s1 = open();
  auto s2 = open();
  kafka_zk a(*s1, clk), b(*s2, clk);
  ASSERT_TRUE(run(io, a.ensure_base_paths()));

  auto epoch = run(io, a.register_broker(example_broker(1)));
  ASSERT_TRUE(epoch) << epoch.error().message();
  auto raw = run(io, s2->get(paths::broker(1)));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first), kafka_broker_json);
  EXPECT_EQ(raw->second.czxid, *epoch) << "broker epoch = czxid";
  EXPECT_EQ(raw->second.ephemeral_owner, s1->session_id());

  auto again = run(io, a.register_broker(example_broker(1)));
  ASSERT_TRUE(again) << "same session may register again";
  EXPECT_EQ(*again, *epoch);

  auto other = run(io, b.register_broker(example_broker(1)));
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error(), zk_errc::node_exists);

  auto got = run(io, b.get_broker(1));
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->registration, example_broker(1));
  EXPECT_EQ((*got)->broker_epoch, *epoch);
  ASSERT_TRUE(run(io, b.register_broker(example_broker(3))));
  auto ids = run(io, b.list_broker_ids());
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, (std::vector<int32_t>{1, 3}));
  auto none = run(io, b.get_broker(2));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  // Once the owner's session ends, the id is free and the new registration has a newer epoch.
  run(io, s1->close());
  auto taken = run(io, b.register_broker(example_broker(1)));
  ASSERT_TRUE(taken) << taken.error().message();
  EXPECT_GT(*taken, *epoch);
}

// Spawns both elections before running either, so they race on the server.
std::pair<result<std::optional<controller_claim>>, result<std::optional<controller_claim>>> race(
    asio::io_context& io, kafka_zk& a, kafka_zk& b) {
  using R = result<std::optional<controller_claim>>;
  std::optional<R> ra, rb;
  auto into = [](std::optional<R>& slot) {
    return [&slot](std::exception_ptr e, std::optional<R> r) {
      slot = (e || !r) ? R(unexpected(zk_errc::system_error)) : std::move(*r);
    };
  };
  asio::co_spawn(io, as_optional(a.try_elect_controller(1)), into(ra));
  asio::co_spawn(io, as_optional(b.try_elect_controller(2)), into(rb));
  EXPECT_TRUE(run_until(io, [&] { return ra && rb; }));
  return {std::move(*ra), std::move(*rb)};
}

TEST_F(kafka_zk_test, controller_election_and_fencing) {
  auto s1 = open();
  auto s2 = open();
  kafka_zk a(*s1, clk), b(*s2, clk);
  ASSERT_TRUE(run(io, a.ensure_base_paths()));

  auto none = run(io, a.get_controller_id());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  auto [ra, rb] = race(io, a, b);
  ASSERT_TRUE(ra) << ra.error().message();
  ASSERT_TRUE(rb) << rb.error().message();
  ASSERT_NE(ra->has_value(), rb->has_value()) << "exactly one wins";
  const bool a_won = ra->has_value();
  controller_claim first = a_won ? **ra : **rb;
  EXPECT_EQ(first.epoch, 1) << "epoch goes 0 -> 1 on the first election";
  auto epoch_znode = run(io, s1->get(paths::controller_epoch()));
  ASSERT_TRUE(epoch_znode);
  EXPECT_EQ(s(epoch_znode->first), "1");
  EXPECT_EQ(epoch_znode->second.version, first.epoch_zk_version);
  auto ctrl = run(io, a.get_controller_id());
  ASSERT_TRUE(ctrl && ctrl->has_value());
  EXPECT_EQ(**ctrl, a_won ? 1 : 2);
  auto ctrl_json = run(io, s1->get(paths::controller()));
  ASSERT_TRUE(ctrl_json);
  EXPECT_EQ(s(ctrl_json->first),
            std::string(R"({"version":1,"brokerid":)") + (a_won ? "1" : "2") + R"(,"timestamp":"1700000000000"})");

  // The loser tries again while the winner holds /controller: still no.
  kafka_zk& winner = a_won ? a : b;
  kafka_zk& loser = a_won ? b : a;
  session& winner_session = a_won ? *s1 : *s2;
  auto retry = run(io, loser.try_elect_controller(a_won ? 2 : 1));
  ASSERT_TRUE(retry);
  EXPECT_FALSE(retry->has_value());

  // A fenced write with the live claim succeeds.
  std::vector<op> ok_ops;
  ok_ops.push_back(op::create("/fenced_ok", std::nullopt));
  auto fenced_ok = run(io, winner.fenced_multi(first, std::move(ok_ops)));
  ASSERT_TRUE(fenced_ok) << fenced_ok.error().message();
  ASSERT_EQ(fenced_ok->size(), 1u) << "the check op is not reported";
  EXPECT_EQ((*fenced_ok)[0].path, "/fenced_ok");

  // Winner's session ends -> /controller vanishes -> the other broker becomes controller, epoch 2.
  run(io, winner_session.close());
  auto second = run(io, loser.try_elect_controller(a_won ? 2 : 1));
  ASSERT_TRUE(second) << second.error().message();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->epoch, 2);
  EXPECT_NE((*second)->epoch_zk_version, first.epoch_zk_version);

  // The old claim is fenced off: nothing is written.
  std::vector<op> stale_ops;
  stale_ops.push_back(op::create("/fenced_stale", std::nullopt));
  auto stale = run(io, loser.fenced_multi(first, std::move(stale_ops)));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), zk_errc::controller_moved);
  auto absent = run(io, loser.zk().exists("/fenced_stale"));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());

  // Resigning is fenced too and frees /controller for the next election.
  auto stale_resign = run(io, loser.resign_controller(first));
  ASSERT_FALSE(stale_resign);
  EXPECT_EQ(stale_resign.error(), zk_errc::controller_moved);
  ASSERT_TRUE(run(io, loser.resign_controller(**second)));
  auto third = run(io, loser.try_elect_controller(a_won ? 2 : 1));
  ASSERT_TRUE(third && third->has_value());
  EXPECT_EQ((*third)->epoch, 3);
}

TEST_F(kafka_zk_test, topics_partitions_and_deletion) {
  auto s1 = open();
  kafka_zk kz(*s1, clk);
  ASSERT_TRUE(run(io, kz.ensure_base_paths()));
  auto claim = run(io, kz.try_elect_controller(1));
  ASSERT_TRUE(claim && claim->has_value());
  const controller_claim c = **claim;
  const controller_claim stale{c.epoch - 1, c.epoch_zk_version - 1};

  topic_assignment a;
  a.partitions = {{0, {1, 2}}, {1, {2, 1}}};
  ASSERT_TRUE(run(io, kz.create_topic("orders", a, {{"retention.ms", "1000"}})));
  auto dup = run(io, kz.create_topic("orders", a, {{"retention.ms", "5"}}));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), zk_errc::node_exists);
  auto cfg_raw = run(io, s1->get(paths::topic_config("orders")));
  ASSERT_TRUE(cfg_raw);
  EXPECT_EQ(s(cfg_raw->first), R"({"version":1,"config":{"retention.ms":"1000"}})") << "config left untouched";
  auto topic_raw = run(io, s1->get(paths::topic("orders")));
  ASSERT_TRUE(topic_raw);
  EXPECT_EQ(s(topic_raw->first),
            R"({"version":3,"partitions":{"0":[1,2],"1":[2,1]},"adding_replicas":{},"removing_replicas":{}})");
  ASSERT_TRUE(run(io, kz.create_topic("empty_cfg", a, {})));
  auto empty_cfg = run(io, s1->get(paths::topic_config("empty_cfg")));
  ASSERT_TRUE(empty_cfg);
  EXPECT_EQ(s(empty_cfg->first), R"({"version":1,"config":{}})");

  auto topics = run(io, kz.list_topics());
  ASSERT_TRUE(topics);
  std::sort(topics->begin(), topics->end());
  EXPECT_EQ(*topics, (std::vector<std::string>{"empty_cfg", "orders"}));

  auto got = run(io, kz.get_topic_assignment("orders"));
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->value, a);
  EXPECT_EQ((*got)->zk_version, 0);
  a.topic_id = uuid::random();
  auto v1 = run(io, kz.set_topic_assignment("orders", a, c, 0));
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(*v1, 1);
  auto fenced_off = run(io, kz.set_topic_assignment("orders", a, stale));
  ASSERT_FALSE(fenced_off);
  EXPECT_EQ(fenced_off.error(), zk_errc::controller_moved);
  auto cas = run(io, kz.set_topic_assignment("orders", a, std::nullopt, 0));
  ASSERT_FALSE(cas);
  EXPECT_EQ(cas.error(), zk_errc::bad_version);
  auto missing_topic = run(io, kz.get_topic_assignment("nope"));
  ASSERT_TRUE(missing_topic);
  EXPECT_FALSE(missing_topic->has_value());

  // Partition state: create, CAS update, stale CAS, stale controller.
  partition_state st{c.epoch, 1, 0, {1, 2}, 0};
  auto created = run(io, kz.create_partition_state(c, "orders", 0, st));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(*created, 0);
  auto exists_again = run(io, kz.create_partition_state(c, "orders", 0, st));
  ASSERT_FALSE(exists_again);
  EXPECT_EQ(exists_again.error(), zk_errc::node_exists);
  auto read = run(io, kz.get_partition_state("orders", 0));
  ASSERT_TRUE(read && read->has_value());
  EXPECT_EQ((*read)->value, st);
  EXPECT_EQ((*read)->zk_version, 0);

  st.leader = 2;
  st.leader_epoch = 1;
  auto updated = run(io, kz.update_partition_state(c, "orders", 0, st, 0));
  ASSERT_TRUE(updated);
  EXPECT_EQ(*updated, 1);
  auto lost_cas = run(io, kz.update_partition_state(c, "orders", 0, st, 0));
  ASSERT_FALSE(lost_cas);
  EXPECT_EQ(lost_cas.error(), zk_errc::bad_version);
  auto fenced_state = run(io, kz.update_partition_state(stale, "orders", 0, st, 1));
  ASSERT_FALSE(fenced_state);
  EXPECT_EQ(fenced_state.error(), zk_errc::controller_moved);
  auto fenced_create = run(io, kz.create_partition_state(stale, "orders", 1, st));
  ASSERT_FALSE(fenced_create);
  EXPECT_EQ(fenced_create.error(), zk_errc::controller_moved);

  // Deletion.
  ASSERT_TRUE(run(io, kz.mark_topic_for_deletion("orders")));
  auto marked_twice = run(io, kz.mark_topic_for_deletion("orders"));
  ASSERT_FALSE(marked_twice);
  EXPECT_EQ(marked_twice.error(), zk_errc::node_exists);
  auto marked = run(io, kz.list_topics_marked_for_deletion());
  ASSERT_TRUE(marked);
  EXPECT_EQ(*marked, std::vector<std::string>{"orders"});

  auto stale_delete = run(io, kz.delete_topic_znodes(stale, "orders"));
  ASSERT_FALSE(stale_delete);
  EXPECT_EQ(stale_delete.error(), zk_errc::controller_moved);
  auto still = run(io, kz.get_partition_state("orders", 0));
  ASSERT_TRUE(still && still->has_value()) << "a fenced-off delete removes nothing";

  ASSERT_TRUE(run(io, kz.delete_topic_znodes(c, "orders")));
  for (const auto& p : {paths::topic("orders"), paths::topic_config("orders"), paths::delete_topic("orders")}) {
    auto e = run(io, s1->exists(p));
    ASSERT_TRUE(e);
    EXPECT_FALSE(e->has_value()) << p;
  }
  ASSERT_TRUE(run(io, kz.delete_topic_znodes(c, "orders"))) << "idempotent";
}

// A leader's ISR write: CAS on the zkVersion only, so it works whatever the controller epoch is now.
TEST_F(kafka_zk_test, leader_state_write_is_cas_without_controller_fence) {
  auto s1 = open();
  kafka_zk kz(*s1, clk);
  ASSERT_TRUE(run(io, kz.ensure_base_paths()));
  auto claim = run(io, kz.try_elect_controller(1));
  ASSERT_TRUE(claim && claim->has_value());
  const controller_claim c = **claim;
  topic_assignment a;
  a.partitions = {{0, {1, 2, 3}}};
  ASSERT_TRUE(run(io, kz.create_topic("t", a, {})));
  partition_state st{c.epoch, 1, 3, {1, 2, 3}, 0};
  ASSERT_TRUE(run(io, kz.create_partition_state(c, "t", 0, st)));
  // A newer controller took over meanwhile: the leader's write is not fenced by it.
  ASSERT_TRUE(run(io, kz.resign_controller(c)));
  auto newer = run(io, kz.try_elect_controller(2));
  ASSERT_TRUE(newer && newer->has_value());

  partition_state shrunk = st;
  shrunk.isr = {1, 3};
  auto v1 = run(io, kz.update_partition_state_as_leader("t", 0, shrunk, 0));
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(*v1, 1);
  auto read = run(io, kz.get_partition_state("t", 0));
  ASSERT_TRUE(read && read->has_value());
  EXPECT_EQ((*read)->value, shrunk);
  EXPECT_EQ((*read)->zk_version, 1);
  auto raw = run(io, s1->get(paths::partition_state("t", 0)));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first), encode_partition_state(shrunk)) << "Kafka's JSON, as the controller writes it";

  auto stale = run(io, kz.update_partition_state_as_leader("t", 0, st, 0));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), zk_errc::bad_version);
  auto gone = run(io, kz.update_partition_state_as_leader("t", 7, st, 0));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), zk_errc::no_node);
}

TEST_F(kafka_zk_test, entity_config_and_change_notification) {
  auto s1 = open();
  kafka_zk kz(*s1, clk);
  ASSERT_TRUE(run(io, kz.ensure_base_paths()));
  auto empty = run(io, kz.get_entity_config("brokers", "<default>"));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  std::map<std::string, std::string> cfg{{"cleanup.policy", "compact"}, {"retention.ms", "86400000"}};
  ASSERT_TRUE(run(io, kz.set_entity_config("topics", "orders", cfg)));
  auto got = run(io, kz.get_entity_config("topics", "orders"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, cfg);
  cfg.erase("cleanup.policy");
  ASSERT_TRUE(run(io, kz.set_entity_config("topics", "orders", cfg)));
  got = run(io, kz.get_entity_config("topics", "orders"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, cfg);

  auto changes = run(io, s1->children(paths::config_changes()));
  ASSERT_TRUE(changes);
  std::sort(changes->begin(), changes->end());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ(paths::sequence_of((*changes)[0], "config_change_"), 0);
  EXPECT_EQ(paths::sequence_of((*changes)[1], "config_change_"), 1);
  auto note = run(io, s1->get(paths::config_changes() + "/" + (*changes)[1]));
  ASSERT_TRUE(note);
  EXPECT_EQ(s(note->first), R"({"version":2,"entity_path":"topics/orders"})");

  ASSERT_TRUE(run(io, s1->set(paths::topic_config("orders"), b("garbage"))));
  auto bad = run(io, kz.get_entity_config("topics", "orders"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), zk_errc::bad_data);
}

TEST_F(kafka_zk_test, config_change_list_read_and_delete) {
  auto s1 = open();
  kafka_zk kz(*s1, clk);
  ASSERT_TRUE(run(io, kz.ensure_base_paths()));
  auto none = run(io, kz.list_config_changes());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE(run(io, kz.set_entity_config("topics", "a", {{"retention.ms", "1"}})));
  ASSERT_TRUE(run(io, kz.set_entity_config("brokers", "<default>", {{"log.retention.ms", "2"}})));
  ASSERT_TRUE(run(io, s1->create(paths::config_changes() + "/not_a_notification", std::nullopt)));

  bool fired = false;
  auto list = run(io, kz.list_config_changes([&](watch_event) { fired = true; }));
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_LT((*list)[0].sequence, (*list)[1].sequence);
  auto first = run(io, kz.get_config_change((*list)[0].name));
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->entity_path, "topics/a");
  EXPECT_GT((*first)->ctime_ms, 0);
  auto second = run(io, kz.get_config_change((*list)[1].name));
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->entity_path, "brokers/<default>");

  ASSERT_TRUE(run(io, kz.delete_config_change((*list)[0].name)));
  ASSERT_TRUE(run(io, kz.delete_config_change((*list)[0].name))) << "deleting twice is not an error";
  auto gone = run(io, kz.get_config_change((*list)[0].name));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  for (int i = 0; i < 50 && !fired; ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(fired) << "the children watch fires on the deletion";
}

} // namespace
} // namespace gregor::zk
