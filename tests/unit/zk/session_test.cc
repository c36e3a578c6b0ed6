// zk::session against a real ZooKeeper (tests/fixtures/zookeeper.h).

#include "gregor/zk/session.h"

#include <thread>

#include <gtest/gtest.h>

#include "zk_test_util.h"

namespace gregor::zk {
namespace {

using namespace gregor::zk::test;

class session_test : public ::testing::Test {
protected:
  std::unique_ptr<session> open(const std::string& chroot, int timeout_ms = 6000) {
    auto s = std::make_unique<session>(io.get_executor(), shared_zk().connect_string(chroot), timeout_ms);
    auto r = run(io, s->start(15000));
    EXPECT_TRUE(r) << r.error().message();
    return s;
  }

  asio::io_context io;
};

TEST_F(session_test, crud) {
  auto zk = open(test_chroot());
  auto created = run(io, zk->create("/a", b("hello")));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(*created, "/a");

  auto got = run(io, zk->get("/a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(s(got->first), "hello");
  EXPECT_EQ(got->second.version, 0);
  EXPECT_EQ(got->second.data_length, 5);
  EXPECT_EQ(got->second.ephemeral_owner, 0);

  auto set = run(io, zk->set("/a", b("world"), 0));
  ASSERT_TRUE(set);
  EXPECT_EQ(set->version, 1);
  auto stale = run(io, zk->set("/a", b("x"), 0));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), zk_errc::bad_version);

  auto dup = run(io, zk->create("/a", std::nullopt));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error(), zk_errc::node_exists);

  // Null data is distinct from empty data.
  ASSERT_TRUE(run(io, zk->create("/a/null", std::nullopt)));
  ASSERT_TRUE(run(io, zk->create("/a/empty", bytes{})));
  auto null_data = run(io, zk->get("/a/null"));
  ASSERT_TRUE(null_data);
  EXPECT_FALSE(null_data->first.has_value());
  auto empty_data = run(io, zk->get("/a/empty"));
  ASSERT_TRUE(empty_data);
  ASSERT_TRUE(empty_data->first.has_value());
  EXPECT_TRUE(empty_data->first->empty());

  auto kids = run(io, zk->children("/a"));
  ASSERT_TRUE(kids);
  std::sort(kids->begin(), kids->end());
  EXPECT_EQ(*kids, (std::vector<std::string>{"empty", "null"}));

  auto not_empty = run(io, zk->remove("/a"));
  ASSERT_FALSE(not_empty);
  EXPECT_EQ(not_empty.error(), zk_errc::not_empty);

  auto e = run(io, zk->exists("/a/null"));
  ASSERT_TRUE(e);
  ASSERT_TRUE(e->has_value());
  auto wrong_version = run(io, zk->remove("/a/null", 5));
  ASSERT_FALSE(wrong_version);
  EXPECT_EQ(wrong_version.error(), zk_errc::bad_version);
  ASSERT_TRUE(run(io, zk->remove("/a/null", 0)));
  auto gone = run(io, zk->exists("/a/null"));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  auto missing = run(io, zk->get("/a/null"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), zk_errc::no_node);
  auto missing_kids = run(io, zk->children("/nope"));
  ASSERT_FALSE(missing_kids);
  EXPECT_EQ(missing_kids.error(), zk_errc::no_node);

  auto seq = run(io, zk->create("/a/seq_", b("1"), create_mode::persistent_sequential));
  ASSERT_TRUE(seq);
  ASSERT_EQ(seq->size(), std::string("/a/seq_").size() + 10) << *seq;
  EXPECT_EQ(seq->rfind("/a/seq_00000000", 0), 0u) << *seq;
}

TEST_F(session_test, recursive_create_and_remove) {
  auto zk = open(test_chroot());
  ASSERT_TRUE(run(io, zk->create_recursive("/x/y/z", b("leaf"))));
  auto parent = run(io, zk->get("/x/y"));
  ASSERT_TRUE(parent);
  EXPECT_FALSE(parent->first.has_value()) << "parents get null data";
  auto again = run(io, zk->create_recursive("/x/y/z", b("leaf")));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), zk_errc::node_exists);
  ASSERT_TRUE(run(io, zk->create_recursive("/x/y/w", std::nullopt)));  // existing parents are fine

  ASSERT_TRUE(run(io, zk->remove_recursive("/x")));
  auto e = run(io, zk->exists("/x"));
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->has_value());
  EXPECT_TRUE(run(io, zk->remove_recursive("/x"))) << "removing a missing tree is not an error";
}

TEST_F(session_test, watches_fire_once_on_the_executor_thread) {
  auto zk = open(test_chroot());
  const auto test_thread = std::this_thread::get_id();
  std::vector<watch_event> events;
  bool wrong_thread = false;
  auto record = [&](watch_event e) {
    if (std::this_thread::get_id() != test_thread) wrong_thread = true;
    events.push_back(std::move(e));
  };

  // exists watch on a missing node fires on creation.
  auto e = run(io, zk->exists("/w", record));
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->has_value());
  ASSERT_TRUE(run(io, zk->create("/w", b("0"))));
  ASSERT_TRUE(run_until(io, [&] { return events.size() == 1; }));
  EXPECT_EQ(events[0].type, watch_event::created);
  EXPECT_EQ(events[0].path, "/w") << "paths are reported without the chroot";

  // data watch fires once on change, not again on a second change.
  ASSERT_TRUE(run(io, zk->get("/w", record)));
  ASSERT_TRUE(run(io, zk->set("/w", b("1"))));
  ASSERT_TRUE(run_until(io, [&] { return events.size() == 2; }));
  EXPECT_EQ(events[1].type, watch_event::data_changed);
  ASSERT_TRUE(run(io, zk->set("/w", b("2"))));

  // child watch.
  ASSERT_TRUE(run(io, zk->children("/w", record)));
  ASSERT_TRUE(run(io, zk->create("/w/c", std::nullopt)));
  ASSERT_TRUE(run_until(io, [&] { return events.size() == 3; }));
  EXPECT_EQ(events[2].type, watch_event::children_changed);
  EXPECT_EQ(events[2].path, "/w");

  // deletion fires the data watch with `deleted`.
  ASSERT_TRUE(run(io, zk->get("/w/c", record)));
  ASSERT_TRUE(run(io, zk->remove("/w/c")));
  ASSERT_TRUE(run_until(io, [&] { return events.size() == 4; }));
  EXPECT_EQ(events[3].type, watch_event::deleted);
  EXPECT_EQ(events[3].path, "/w/c");

  // A get on a missing node registers no watch: creating it later must not fire.
  auto missing = run(io, zk->get("/never", record));
  ASSERT_FALSE(missing);
  ASSERT_TRUE(run(io, zk->create("/never", std::nullopt)));
  ASSERT_TRUE(run(io, zk->set("/never", b("x"))));
  run_until(io, [] { return false; }, 300ms);
  EXPECT_EQ(events.size(), 4u);
  EXPECT_FALSE(wrong_thread);
}

TEST_F(session_test, multi_is_atomic) {
  auto zk = open(test_chroot());
  ASSERT_TRUE(run(io, zk->create("/m", b("v0"))));

  std::vector<op> ops;
  ops.push_back(op::create("/m/new", b("n")));
  ops.push_back(op::check("/m", 7));  // wrong version
  ops.push_back(op::set("/m", b("v1")));
  auto failed = run(io, zk->multi(ops));
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error(), zk_errc::bad_version);
  auto nothing = run(io, zk->exists("/m/new"));
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(nothing->has_value()) << "an aborted multi applies nothing";

  auto detailed = run(io, zk->multi_detailed(ops));
  ASSERT_TRUE(detailed);
  ASSERT_EQ(detailed->size(), 3u);
  EXPECT_FALSE((*detailed)[0].error);
  EXPECT_EQ((*detailed)[1].error, zk_errc::bad_version);
  EXPECT_EQ((*detailed)[2].error, zk_errc::runtime_inconsistency);

  ops[1] = op::check("/m", 0);
  ops.push_back(op::create("/m/seq_", std::nullopt, create_mode::persistent_sequential));
  ops.push_back(op::remove("/m/new"));
  auto ok = run(io, zk->multi(ops));
  ASSERT_TRUE(ok) << ok.error().message();
  ASSERT_EQ(ok->size(), 5u);
  EXPECT_EQ((*ok)[0].path, "/m/new");
  ASSERT_TRUE((*ok)[2].node_stat);
  EXPECT_EQ((*ok)[2].node_stat->version, 1);
  EXPECT_EQ((*ok)[3].path.rfind("/m/seq_", 0), 0u);
  EXPECT_EQ((*ok)[3].path.size(), std::string("/m/seq_").size() + 10);
  auto data = run(io, zk->get("/m"));
  ASSERT_TRUE(data);
  EXPECT_EQ(s(data->first), "v1");

  auto empty = run(io, zk->multi({}));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_F(session_test, chroot_is_created_and_used) {
  const std::string chroot = test_chroot() + "/deep/er";
  auto zk = open(chroot);
  ASSERT_TRUE(run(io, zk->create("/inside", b("1"))));

  auto root = open("");
  auto seen = run(io, root->get(chroot + "/inside"));
  ASSERT_TRUE(seen) << seen.error().message();
  EXPECT_EQ(s(seen->first), "1");
  auto chroot_node = run(io, root->get(chroot));
  ASSERT_TRUE(chroot_node);
  EXPECT_FALSE(chroot_node->first.has_value()) << "the chroot is created with null data";
  auto kids = run(io, zk->children("/"));
  ASSERT_TRUE(kids);
  EXPECT_EQ(*kids, std::vector<std::string>{"inside"});
}

TEST_F(session_test, ephemerals_end_with_clean_close) {
  auto owner = open(test_chroot());
  auto observer = open(test_chroot());
  ASSERT_NE(owner->session_id(), 0);
  ASSERT_NE(owner->session_id(), observer->session_id());
  ASSERT_TRUE(run(io, owner->create("/eph", b("x"), create_mode::ephemeral)));
  auto st = run(io, observer->exists("/eph"));
  ASSERT_TRUE(st && st->has_value());
  EXPECT_EQ((*st)->ephemeral_owner, owner->session_id());

  bool deleted = false;
  ASSERT_TRUE(run(io, observer->exists("/eph", [&](watch_event e) { deleted = e.type == watch_event::deleted; })));
  run(io, owner->close());
  ASSERT_TRUE(run_until(io, [&] { return deleted; }, 5s)) << "close must delete ephemerals immediately";

  auto after = run(io, owner->get("/eph"));
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), zk_errc::closing);
}

TEST_F(session_test, unreachable_server_times_out_cleanly) {
  // Port 1 on loopback: nothing listens there, connections are refused at once.
  session zk(io.get_executor(), "127.0.0.1:1", 4000);
  auto start = std::chrono::steady_clock::now();
  auto r = run(io, zk.start(1500));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), zk_errc::connect_timeout);
  EXPECT_LT(took, 5s);
  EXPECT_GE(took, 1400ms);
  auto op_after = run(io, zk.get("/"));
  ASSERT_FALSE(op_after);
  EXPECT_EQ(op_after.error(), zk_errc::not_started);
}

TEST_F(session_test, not_started_operations_fail) {
  session zk(io.get_executor(), shared_zk().connect_string(), 4000);
  auto r = run(io, zk.exists("/"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), zk_errc::not_started);
}

TEST_F(session_test, expiry_is_reported_and_a_new_session_is_built) {
  auto zk = open(test_chroot(), 4000);
  std::vector<session_state> states;
  zk->on_state_change([&](session_state st) { states.push_back(st); });
  ASSERT_TRUE(run(io, zk->create("/eph", std::nullopt, create_mode::ephemeral)));
  std::vector<watch_event> lost;
  ASSERT_TRUE(run(io, zk->exists("/watched", [&](watch_event e) { lost.push_back(e); })));

  const auto old = zk->credentials();
  ASSERT_NE(old.id, 0);
  ASSERT_EQ(old.password.size(), 16u);
  // Attaching the second client moves the session, so the owner may first see a disconnect and a
  // reconnect of the OLD session; what matters is `expired` followed by `connected`.
  auto expired_then_connected = [&] {
    auto at = std::find(states.begin(), states.end(), session_state::expired);
    return at != states.end() && std::find(at, states.end(), session_state::connected) != states.end();
  };
  auto expired_seen = [&] { return std::find(states.begin(), states.end(), session_state::expired) != states.end(); };
  // The owner's reconnect can take the session back before the second client's close reaches the
  // server, which then refuses that close (session moved) and the session lives on: try again.
  for (int attempt = 0; attempt < 4 && !expired_seen(); ++attempt) {
    try {
      shared_zk().expire_session(old.id, old.password);
    } catch (const std::exception&) {
      if (attempt == 0) throw;  // later attempts may find the session already expired
    }
    run_until(io, expired_then_connected, 8s);
  }
  ASSERT_TRUE(run_until(io, expired_then_connected, 20s)) << "no expiry + reconnect reported";
  EXPECT_EQ(states.back(), session_state::connected);
  EXPECT_NE(zk->session_id(), old.id);
  EXPECT_TRUE(zk->connected());

  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].type, watch_event::session_lost);

  auto e = run(io, zk->exists("/eph"));
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_FALSE(e->has_value()) << "the expired session's ephemeral is gone";
  ASSERT_TRUE(run(io, zk->create("/eph", std::nullopt, create_mode::ephemeral))) << "the new session works";
}

TEST(session_outage, disconnect_then_reconnect_keeps_the_session) {
  gregor::testing::zookeeper_server server;
  asio::io_context io;
  session zk(io.get_executor(), server.connect_string("/outage"), 10000);
  ASSERT_TRUE(run(io, zk.start(15000)));
  std::vector<session_state> states;
  zk.on_state_change([&](session_state st) { states.push_back(st); });
  ASSERT_TRUE(run(io, zk.create("/eph", std::nullopt, create_mode::ephemeral)));
  const int64_t id = zk.session_id();

  server.stop();
  ASSERT_TRUE(run_until(io, [&] { return !states.empty(); }, 10s));
  EXPECT_EQ(states[0], session_state::disconnected);
  auto during = run(io, zk.get("/eph"), 15s);
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error(), zk_errc::connection_loss);

  server.start();
  ASSERT_TRUE(run_until(io, [&] { return states.size() >= 2; }, 20s));
  EXPECT_EQ(states[1], session_state::connected);
  EXPECT_EQ(zk.session_id(), id) << "a short outage must not cost the session";
  auto eph = run(io, zk.exists("/eph"));
  ASSERT_TRUE(eph);
  EXPECT_TRUE(eph->has_value());
  run(io, zk.close());
}

} // namespace
} // namespace gregor::zk
