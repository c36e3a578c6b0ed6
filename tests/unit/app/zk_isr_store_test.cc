// zk_isr_store and the unclean-shutdown step against a real ZooKeeper.

#include "zk_isr_store.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "../zk/zk_test_util.h"
#include "gregor/log/filenames.h"
#include "gregor/log/log_manager.h"
#include "gregor/zk/kafka_zk.h"
#include "unclean_shutdown.h"

namespace gregor::app {
namespace {

using namespace gregor::zk::test;
namespace fs = std::filesystem;

class zk_isr_store_test : public ::testing::Test {
protected:
  void SetUp() override {
    _session = std::make_unique<zk::session>(io.get_executor(), shared_zk().connect_string(test_chroot()), 6000);
    auto r = run(io, _session->start(15000));
    ASSERT_TRUE(r) << r.error().message();
    kz = std::make_unique<zk::kafka_zk>(*_session, clk);
    ASSERT_TRUE(run(io, kz->ensure_base_paths()));
    auto claim = run(io, kz->try_elect_controller(9));
    ASSERT_TRUE(claim && claim->has_value());
    c = **claim;
    zk::topic_assignment a;
    for (int32_t p = 0; p < 6; ++p) a.partitions[p] = {1, 2, 3};
    auto t = run(io, kz->create_topic("t", a, {}));
    ASSERT_TRUE(t) << t.error().message();
  }
  void TearDown() override {
    if (_session) run(io, _session->close());
  }

  // Creates the state znode of t-<p> with `state`; returns its zkVersion (0).
  void create_state(const std::string& t, int32_t p, const zk::partition_state& state) {
    auto v = run(io, kz->create_partition_state(c, t, p, state));
    ASSERT_TRUE(v) << v.error().message();
  }
  zk::versioned<zk::partition_state> read_state(const std::string& t, int32_t p) {
    auto r = run(io, kz->get_partition_state(t, p));
    EXPECT_TRUE(r && r->has_value());
    return **r;
  }
  std::vector<topic_partition> notified() {
    std::vector<topic_partition> all;
    auto names = run(io, kz->list_isr_change_notifications());
    EXPECT_TRUE(names);
    for (const auto& n : *names) {
      auto got = run(io, kz->get_isr_change_notification(n));
      EXPECT_TRUE(got && got->has_value());
      all.insert(all.end(), (*got)->begin(), (*got)->end());
    }
    return all;
  }

  asio::io_context io;
  manual_clock clk{1'700'000'000'000};
  std::unique_ptr<zk::session> _session;
  std::unique_ptr<zk::kafka_zk> kz;
  zk::controller_claim c;
};

replication::isr_write isr_write_of(const std::string& t, int32_t p, int32_t leader, int32_t leader_epoch,
                                    int32_t controller_epoch, std::vector<int32_t> isr, int32_t version) {
  replication::isr_write w;
  w.tp = {t, p};
  w.state.leader = leader;
  w.state.leader_epoch = leader_epoch;
  w.state.controller_epoch = controller_epoch;
  w.state.isr = std::move(isr);
  w.state.replicas = {1, 2, 3};
  w.expected_zk_version = version;
  return w;
}

TEST_F(zk_isr_store_test, write_isr_is_a_cas_that_recognises_its_own_lost_reply) {
  create_state("t", 0, zk::partition_state{c.epoch, 1, 5, {1, 2, 3}, 0});
  auto store = std::make_shared<zk_isr_store>(io, *kz, clk);

  auto v1 = run(io, store->write_isr(isr_write_of("t", 0, 1, 5, c.epoch, {1, 3}, 0)));
  ASSERT_TRUE(v1) << v1.error().message();
  EXPECT_EQ(*v1, 1);
  auto now = read_state("t", 0);
  EXPECT_EQ(now.value.isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(now.value.leader, 1);
  EXPECT_EQ(now.value.leader_epoch, 5);
  EXPECT_EQ(now.value.controller_epoch, c.epoch);

  // The same write again at the old version: the znode holds exactly it -> success at version 1.
  auto again = run(io, store->write_isr(isr_write_of("t", 0, 1, 5, c.epoch, {1, 3}, 0)));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*again, 1);

  // A different ISR at a stale version: bad_version, nothing written.
  auto stale = run(io, store->write_isr(isr_write_of("t", 0, 1, 5, c.epoch, {1, 2, 3}, 0)));
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error(), zk::zk_errc::bad_version);
  // Same ISR but another leader epoch (the controller moved on): not ours either.
  auto other_epoch = run(io, store->write_isr(isr_write_of("t", 0, 1, 4, c.epoch, {1, 3}, 0)));
  ASSERT_FALSE(other_epoch);
  EXPECT_EQ(other_epoch.error(), zk::zk_errc::bad_version);
  EXPECT_EQ(read_state("t", 0).zk_version, 1);
}

TEST_F(zk_isr_store_test, stop_flushes_queued_changes_as_one_notification) {
  auto store = std::make_shared<zk_isr_store>(io, *kz, clk);
  store->start();
  store->notify_isr_changed({"t", 0});
  store->notify_isr_changed({"t", 1});
  store->notify_isr_changed({"t", 0});
  EXPECT_EQ(store->queued(), 2u);
  // The manual clock does not move: the 5 s quiet period never passes, nothing is written.
  run_until(io, [] { return false; }, std::chrono::milliseconds(3000));
  EXPECT_TRUE(notified().empty());
  run(io, store->stop());
  EXPECT_EQ(store->queued(), 0u);
  EXPECT_EQ(notified(), (std::vector<topic_partition>{{"t", 0}, {"t", 1}}));
  auto names = run(io, kz->list_isr_change_notifications());
  ASSERT_TRUE(names);
  EXPECT_EQ(names->size(), 1u);
}

TEST_F(zk_isr_store_test, the_timer_writes_once_the_changes_are_quiet) {
  auto store = std::make_shared<zk_isr_store>(io, *kz, clk);
  store->start();
  store->notify_isr_changed({"t", 3});
  clk.advance(5001);
  EXPECT_TRUE(run_until(io, [&] { return store->queued() == 0; }, std::chrono::milliseconds(6000)));
  EXPECT_EQ(notified(), (std::vector<topic_partition>{{"t", 3}}));
  run(io, store->stop());
}

// A log dir with partition dirs and, when `clean`, the clean-shutdown marker.
fs::path make_log_dir(const fs::path& root, bool clean, const std::vector<topic_partition>& tps) {
  fs::path dir = root / (clean ? "clean" : "unclean");
  fs::create_directories(dir);
  for (const auto& tp : tps) fs::create_directories(dir / tp.to_string());
  if (clean) std::ofstream(dir / std::string(log::filenames::clean_shutdown_file)).flush();
  return dir;
}

TEST_F(zk_isr_store_test, unclean_shutdown_leaves_isrs_with_other_members) {
  char tmpl[] = "/tmp/gregor-unclean-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path root(tmpl);
  struct remove_at_exit {
    fs::path p;
    ~remove_at_exit() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{root};
  const int32_t self = 2;
  // Dir "unclean": t-0 led by us with others in sync, t-1 followed by us, t-2 ours alone, t-3
  // without us in the ISR, t-4 without a state znode. Dir "clean": t-5 led by us.
  auto unclean = make_log_dir(root, false, {{"t", 0}, {"t", 1}, {"t", 2}, {"t", 3}, {"t", 4}});
  auto clean = make_log_dir(root, true, {{"t", 5}});
  create_state("t", 0, zk::partition_state{c.epoch, 2, 7, {2, 1, 3}, 0});
  create_state("t", 1, zk::partition_state{c.epoch, 1, 3, {1, 2}, 0});
  create_state("t", 2, zk::partition_state{c.epoch, 2, 1, {2}, 0});
  create_state("t", 3, zk::partition_state{c.epoch, 1, 1, {1, 3}, 0});
  create_state("t", 5, zk::partition_state{c.epoch, 2, 1, {2, 1}, 0});

  {
    log::log_manager logs({unclean, clean}, {}, clk);
    ASSERT_TRUE(logs.startup(self, "AAAAAAAAAAAAAAAAAAAAAA")) << logs.last_error();
    ASSERT_FALSE(logs.had_clean_shutdown(unclean));
    ASSERT_TRUE(logs.had_clean_shutdown(clean));
    auto changed = run(io, leave_isrs_after_unclean_shutdown(*kz, logs, self));
    ASSERT_TRUE(changed) << changed.error().message();
    EXPECT_EQ(*changed, (std::vector<topic_partition>{{"t", 0}, {"t", 1}}));
    logs.shutdown();
  }
  auto t0 = read_state("t", 0);
  EXPECT_EQ(t0.value.leader, -1) << "the controller elects from the remaining ISR";
  EXPECT_EQ(t0.value.isr, (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(t0.value.leader_epoch, 7);
  EXPECT_EQ(t0.zk_version, 1);
  auto t1 = read_state("t", 1);
  EXPECT_EQ(t1.value.leader, 1);
  EXPECT_EQ(t1.value.isr, std::vector<int32_t>{1});
  EXPECT_EQ(read_state("t", 2).zk_version, 0) << "alone in the ISR: stays";
  EXPECT_EQ(read_state("t", 2).value.leader, 2);
  EXPECT_EQ(read_state("t", 3).zk_version, 0);
  EXPECT_EQ(read_state("t", 5).zk_version, 0) << "a cleanly shut down dir is trusted";
  EXPECT_EQ(notified(), (std::vector<topic_partition>{{"t", 0}, {"t", 1}}));

  // Running the rule again (a second unclean restart) finds nothing left to do.
  {
    fs::remove(unclean / std::string(log::filenames::clean_shutdown_file));
    log::log_manager logs({unclean, clean}, {}, clk);
    ASSERT_TRUE(logs.startup(self, "AAAAAAAAAAAAAAAAAAAAAA")) << logs.last_error();
    auto changed = run(io, leave_isrs_after_unclean_shutdown(*kz, logs, self));
    ASSERT_TRUE(changed);
    EXPECT_TRUE(changed->empty());
  }
}

} // namespace
} // namespace gregor::app
