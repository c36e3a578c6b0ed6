// The kafka_zk operations the controller added for issue 5, against a real ZooKeeper: ISR change
// notifications, /admin/reassign_partitions, /admin/preferred_replica_election and topic deletion
// markers (byte-exact JSON, fencing).

#include <gtest/gtest.h>

#include "gregor/zk/kafka_zk.h"
#include "zk_test_util.h"

namespace gregor::zk {
namespace {

using namespace gregor::zk::test;

class kafka_zk_admin_test : public ::testing::Test {
protected:
  void SetUp() override {
    session_ = std::make_unique<session>(io.get_executor(), shared_zk().connect_string(test_chroot()), 6000);
    auto r = run(io, session_->start(15000));
    ASSERT_TRUE(r) << r.error().message();
    kz = std::make_unique<kafka_zk>(*session_, clk);
    ASSERT_TRUE(run(io, kz->ensure_base_paths()));
    auto won = run(io, kz->try_elect_controller(1));
    ASSERT_TRUE(won && won->has_value());
    claim = **won;
  }

  asio::io_context io;
  manual_clock clk{1'700'000'000'000};
  std::unique_ptr<session> session_;
  std::unique_ptr<kafka_zk> kz;
  controller_claim claim;
};

TEST_F(kafka_zk_admin_test, isr_change_notifications) {
  auto empty = run(io, kz->list_isr_change_notifications());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  auto first = run(io, kz->create_isr_change_notification({{"orders", 0}, {"audit", 3}}));
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->rfind("/isr_change_notification/isr_change_", 0), 0u) << *first;
  auto second = run(io, kz->create_isr_change_notification({{"orders", 1}}));
  ASSERT_TRUE(second);
  auto raw = run(io, session_->get(*first));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first),
            R"({"version":1,"partitions":[{"topic":"orders","partition":0},{"topic":"audit","partition":3}]})");

  // A stray child without a sequence suffix is not a notification.
  ASSERT_TRUE(run(io, session_->create("/isr_change_notification/stray", std::nullopt)));
  auto names = run(io, kz->list_isr_change_notifications());
  ASSERT_TRUE(names);
  ASSERT_EQ(names->size(), 2u);
  EXPECT_EQ("/isr_change_notification/" + (*names)[0], *first);
  EXPECT_EQ("/isr_change_notification/" + (*names)[1], *second);

  auto parts = run(io, kz->get_isr_change_notification((*names)[0]));
  ASSERT_TRUE(parts && parts->has_value());
  EXPECT_EQ(**parts, (std::vector<topic_partition>{{"orders", 0}, {"audit", 3}}));
  auto gone = run(io, kz->get_isr_change_notification("isr_change_9999999999"));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
  ASSERT_TRUE(run(io, session_->create("/isr_change_notification/isr_change_bad", b("not json"))));
  auto bad = run(io, kz->get_isr_change_notification("isr_change_bad"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), zk_errc::bad_data);

  // Deletion is fenced; a stale claim deletes nothing.
  controller_claim stale{claim.epoch - 1, claim.epoch_zk_version - 1};
  auto refused = run(io, kz->delete_isr_change_notifications(stale, *names));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), zk_errc::controller_moved);
  std::vector<std::string> with_missing = *names;
  with_missing.push_back("isr_change_0000099999");
  ASSERT_TRUE(run(io, kz->delete_isr_change_notifications(claim, with_missing)));
  auto after = run(io, kz->list_isr_change_notifications());
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->empty());
}

TEST_F(kafka_zk_admin_test, partition_reassignment_znode) {
  auto none = run(io, kz->get_partition_reassignment());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  // What kafka-reassign-partitions --execute writes (log_dirs are not for the controller).
  ASSERT_TRUE(run(io, session_->create_recursive(
                          paths::reassign_partitions(),
                          b(R"({"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[4,5,6],)"
                            R"("log_dirs":["any","any","any"]},{"topic":"orders","partition":1,"replicas":[5,6]}]})"))));
  auto got = run(io, kz->get_partition_reassignment());
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ((*got)->value.size(), 2u);
  EXPECT_EQ((*got)->value.at({"orders", 0}), (std::vector<int32_t>{4, 5, 6}));

  // The controller drops a finished partition: Kafka's JSON, CAS on the version it read.
  std::map<topic_partition, std::vector<int32_t>> remaining{{{"orders", 1}, {5, 6}}};
  auto stale_version = run(io, kz->set_partition_reassignment(claim, remaining, (*got)->zk_version + 1));
  ASSERT_FALSE(stale_version);
  EXPECT_EQ(stale_version.error(), zk_errc::bad_version);
  ASSERT_TRUE(run(io, kz->set_partition_reassignment(claim, remaining, (*got)->zk_version)));
  auto raw = run(io, session_->get(paths::reassign_partitions()));
  ASSERT_TRUE(raw);
  EXPECT_EQ(s(raw->first), R"({"version":1,"partitions":[{"topic":"orders","partition":1,"replicas":[5,6]}]})");

  // Nothing left: the znode goes. Doing it again is not an error.
  ASSERT_TRUE(run(io, kz->set_partition_reassignment(claim, {}, -1)));
  auto absent = run(io, session_->exists(paths::reassign_partitions()));
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->has_value());
  ASSERT_TRUE(run(io, kz->set_partition_reassignment(claim, {}, -1)));

  ASSERT_TRUE(run(io, session_->create_recursive(paths::reassign_partitions(), b(R"({"version":1})"))));
  auto bad = run(io, kz->get_partition_reassignment());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), zk_errc::bad_data);
}

TEST_F(kafka_zk_admin_test, preferred_election_znode_and_deletion_markers) {
  auto none = run(io, kz->get_preferred_replica_election());
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(run(io, session_->create_recursive(paths::preferred_replica_election(),
                                                 b(encode_preferred_replica_election({{"orders", 1}})))));
  auto got = run(io, kz->get_preferred_replica_election());
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, (std::vector<topic_partition>{{"orders", 1}}));
  ASSERT_TRUE(run(io, kz->delete_preferred_replica_election(claim)));
  ASSERT_TRUE(run(io, kz->delete_preferred_replica_election(claim))) << "already gone is fine";

  ASSERT_TRUE(run(io, kz->mark_topic_for_deletion("a")));
  ASSERT_TRUE(run(io, kz->mark_topic_for_deletion("b")));
  ASSERT_TRUE(run(io, kz->delete_topic_deletion_markers(claim, {"a", "missing"})));
  auto left = run(io, kz->list_topics_marked_for_deletion());
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, (std::vector<std::string>{"b"}));
}

} // namespace
} // namespace gregor::zk
