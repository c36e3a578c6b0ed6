#include "gregor/replication/partition.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/log/partition_log.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/record.h"

#include "fixtures/temp_dir.h"

using namespace gregor;
using namespace gregor::replication;
using gregor::testing::temp_dir;
namespace asio = boost::asio;

namespace {

shared_bytes batch(int n, compression::codec c = compression::codec::none, int64_t ts = 1'700'000'000'000) {
  record::batch_builder b(c);
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i), v = "v" + std::to_string(i);
    b.add(ts + i, as_bytes(k), as_bytes(v));
  }
  return shared_bytes(b.build());
}

class partition_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = log::partition_log::open(dir.path / "t-0", {"t", 0}, {}, clk);
    ASSERT_TRUE(opened);
    plog = std::move(*opened);
    part = std::make_shared<partition>(topic_partition{"t", 0}, asio::make_strand(io), 1, clk);
    leader.leader = 1;
    leader.leader_epoch = 3;
    leader.replicas = {1};
    leader.isr = {1};
    ASSERT_EQ(part->apply_state(plog.get(), leader, uuid::from_parts(0, 9), cfg), error_code::none);
  }

  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  std::unique_ptr<log::partition_log> plog;
  std::shared_ptr<partition> part;
  partition_state leader;
  topic_config cfg;
};

} // namespace

TEST_F(partition_test, append_assigns_offsets_and_moves_high_watermark) {
  auto a = part->append({batch(3), 7, 1});
  ASSERT_EQ(a.error, error_code::none);
  EXPECT_EQ(a.base_offset, 0);
  EXPECT_EQ(a.last_offset, 2);
  auto b = part->append({batch(2), 7, -1});
  ASSERT_EQ(b.error, error_code::none);
  EXPECT_EQ(b.base_offset, 3);
  EXPECT_EQ(part->high_watermark(), 5);

  auto r = part->read({.offset = 3, .max_bytes = 1 << 20});
  ASSERT_EQ(r.error, error_code::none);
  EXPECT_EQ(r.high_watermark, 5);
  auto records = record::decode_records(r.records.linearize());
  ASSERT_TRUE(records);
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].offset, 3);
  EXPECT_EQ(std::string((*records)[1].value->begin(), (*records)[1].value->end()), "v1");
}

TEST_F(partition_test, refuses_bad_input_with_kafka_errors) {
  auto good = batch(1);
  bytes corrupt(good.view().begin(), good.view().end());
  corrupt.back() ^= 0xff;
  EXPECT_EQ(part->append({shared_bytes(corrupt), 7, 1}).error, error_code::corrupt_message);
  EXPECT_EQ(part->append({batch(1, compression::codec::zstd), 6, 1}).error, error_code::unsupported_compression_type);
  EXPECT_EQ(part->append({batch(1, compression::codec::zstd), 7, 1}).error, error_code::none);
  EXPECT_EQ(part->read({.offset = 99, .max_bytes = 100}).error, error_code::offset_out_of_range);
  EXPECT_EQ(part->read({.offset = 0, .max_bytes = 100, .current_leader_epoch = 2}).error,
            error_code::fenced_leader_epoch);
  EXPECT_EQ(part->read({.offset = 0, .max_bytes = 100, .current_leader_epoch = 4}).error,
            error_code::unknown_leader_epoch);
}

TEST_F(partition_test, min_insync_replicas_applies_to_acks_all_only) {
  cfg.min_insync_replicas = 2;
  leader.leader_epoch = 4;
  ASSERT_EQ(part->apply_state(plog.get(), leader, {}, cfg), error_code::none);
  EXPECT_EQ(part->append({batch(1), 7, -1}).error, error_code::not_enough_replicas);
  EXPECT_EQ(part->append({batch(1), 7, 1}).error, error_code::none);
}

TEST_F(partition_test, stale_leader_epoch_is_refused_and_follower_does_not_serve) {
  leader.leader_epoch = 2;
  EXPECT_EQ(part->apply_state(plog.get(), leader, {}, cfg), error_code::stale_controller_epoch);
  partition_state follower = leader;
  follower.leader = 2;
  follower.leader_epoch = 5;
  follower.replicas = {2, 1};
  follower.isr = {2, 1};
  ASSERT_EQ(part->apply_state(plog.get(), follower, {}, cfg), error_code::none);
  EXPECT_EQ(part->append({batch(1), 7, 1}).error, error_code::not_leader_or_follower);
  EXPECT_EQ(part->read({.offset = 0, .max_bytes = 100}).error, error_code::not_leader_or_follower);
}

TEST_F(partition_test, list_offsets) {
  ASSERT_EQ(part->append({batch(3, compression::codec::none, 1000), 7, 1}).error, error_code::none);
  ASSERT_EQ(part->append({batch(3, compression::codec::none, 5000), 7, 1}).error, error_code::none);
  EXPECT_EQ(part->list_offset(-2, -1, true).offset, 0);
  EXPECT_EQ(part->list_offset(-1, -1, true).offset, 6);
  auto by_time = part->list_offset(4000, -1, true);
  EXPECT_EQ(by_time.offset, 3);
  EXPECT_EQ(by_time.timestamp, 5000);
  // Inside a batch: the first RECORD with a timestamp >= t, not the batch's first offset.
  auto inside = part->list_offset(5001, -1, true);
  EXPECT_EQ(inside.offset, 4);
  EXPECT_EQ(inside.timestamp, 5001);
  EXPECT_EQ(part->list_offset(1001, -1, true).offset, 1);
  EXPECT_EQ(part->list_offset(999999, -1, true).offset, -1);
  EXPECT_EQ(part->list_offset(-1, -1, true).leader_epoch, 3);
}

TEST_F(partition_test, log_append_time_stamps_a_copy) {
  cfg.message_timestamp_type = "LogAppendTime";
  leader.leader_epoch = 4;
  ASSERT_EQ(part->apply_state(plog.get(), leader, {}, cfg), error_code::none);
  auto input = batch(2, compression::codec::none, 1000);
  bytes before(input.view().begin(), input.view().end());
  auto a = part->append({input, 7, 1});
  ASSERT_EQ(a.error, error_code::none);
  EXPECT_EQ(a.log_append_time, clk.now_ms());
  EXPECT_EQ(bytes(input.view().begin(), input.view().end()), before);  // caller's bytes untouched
  auto r = part->read({.offset = 0, .max_bytes = 1 << 20});
  auto records = record::decode_records(r.records.linearize());
  ASSERT_TRUE(records);
  EXPECT_EQ((*records)[0].timestamp, clk.now_ms());
}

TEST_F(partition_test, waiters_of_ended_fetches_do_not_pile_up_on_an_idle_partition) {
  // Followers long-poll every partition they follow; an idle one is never notified, so the
  // waiters of fetches that ended must not accumulate.
  auto live = std::make_shared<data_waiter>(io.get_executor());
  part->add_waiter(live);
  for (int i = 0; i < 10'000; ++i) part->add_waiter(std::make_shared<data_waiter>(io.get_executor()));
  EXPECT_LT(part->listed_waiters(), 64u);
  ASSERT_EQ(part->append({batch(1), 7, 1}).error, error_code::none);
  EXPECT_TRUE(live->notified());  // a live waiter is never dropped
  EXPECT_EQ(part->listed_waiters(), 0u);
}

TEST_F(partition_test, append_wakes_waiters) {
  auto waiter = std::make_shared<data_waiter>(io.get_executor());
  part->add_waiter(waiter);
  EXPECT_FALSE(waiter->notified());
  ASSERT_EQ(part->append({batch(1), 7, 1}).error, error_code::none);
  EXPECT_TRUE(waiter->notified());
  // A notified waiter returns at once instead of sleeping until the deadline.
  auto start = std::chrono::steady_clock::now();
  auto done = asio::co_spawn(io, waiter->wait_until(start + std::chrono::seconds(30)), asio::use_future);
  io.run();
  done.get();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}
