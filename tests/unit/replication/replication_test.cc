// Leader and follower replication state of replication::partition (issue 6): high watermark from
// follower fetches, KIP-320 divergence, ISR shrink/expand through an isr_store, acks=all status,
// and the follower path on real partition_logs.
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include "gregor/log/partition_log.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/record.h"
#include "gregor/replication/isr_store.h"
#include "gregor/replication/partition.h"

#include "fixtures/temp_dir.h"

using namespace gregor;
using namespace gregor::replication;
using gregor::testing::temp_dir;
namespace asio = boost::asio;

namespace {

shared_bytes batch(int n, const std::string& prefix = "v") {
  record::batch_builder b(compression::codec::none);
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i), v = prefix + std::to_string(i);
    b.add(1'700'000'000'000 + i, as_bytes(k), as_bytes(v));
  }
  return shared_bytes(b.build());
}

// The znode of one partition state: CAS on `version`, as the ZooKeeper store does.
class fake_isr_store final : public isr_store {
public:
  asio::awaitable<result<int32_t>> write_isr(isr_write w) override {
    writes.push_back(w);
    if (w.expected_zk_version != version) co_return unexpected(std::make_error_code(std::errc::operation_not_permitted));
    ++version;
    co_return version;
  }
  void notify_isr_changed(const topic_partition& tp) override { notified.push_back(tp); }

  int32_t version = 0;
  std::vector<isr_write> writes;
  std::vector<topic_partition> notified;
};

std::vector<std::string> values(const iobuf& records) {
  std::vector<std::string> out;
  bytes flat = records.linearize();
  for (bytes_view one : record::split_batches(flat)) {
    auto decoded = record::decode_records(one);
    if (!decoded) return {};
    for (const auto& r : *decoded) out.emplace_back(r.value->begin(), r.value->end());
  }
  return out;
}

// Broker 1 leads "t-0" with replicas {1, 2, 3}.
class leader_test : public ::testing::Test {
protected:
  void SetUp() override {
    auto opened = log::partition_log::open(dir.path / "t-0", tp, {}, clk);
    ASSERT_TRUE(opened);
    plog = std::move(*opened);
    part = std::make_shared<partition>(tp, asio::make_strand(io), 1, clk);
    settings.replica_lag_time_max_ms = 10000;
    state.leader = 1;
    state.leader_epoch = 3;
    state.replicas = {1, 2, 3};
    state.isr = {1, 2, 3};
    cfg.min_insync_replicas = 2;
  }
  void become(const partition_state& s) { ASSERT_EQ(part->apply_state(plog.get(), s, {}, cfg), error_code::none); }
  void with_store() { part->set_replication(&store, settings); }
  // Runs the ISR writes the partition spawned.
  void drain() {
    io.restart();
    io.poll();
  }
  read_outcome follower_fetch(int32_t replica, int64_t offset, int32_t last_fetched_epoch = -1) {
    return part->read({.offset = offset, .max_bytes = 1 << 20, .replica_id = replica, .last_fetched_epoch = last_fetched_epoch});
  }
  void append(int n, int16_t acks = 1) {
    auto out = part->append({batch(n), 7, acks});
    ASSERT_EQ(out.error, error_code::none);
    term = out.leadership_term;
  }
  std::optional<error_code> status(int64_t required_offset) const {
    return part->replication_status(required_offset, term);
  }
  uint64_t term = 0;  // of the last append

  topic_partition tp{"t", 0};
  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  std::unique_ptr<log::partition_log> plog;
  std::shared_ptr<partition> part;
  partition_state state;
  topic_config cfg;
  replication_settings settings;
  fake_isr_store store;
};

} // namespace

TEST_F(leader_test, high_watermark_moves_only_when_every_isr_follower_fetched_past_it) {
  become(state);
  append(5);
  EXPECT_EQ(part->high_watermark(), 0);
  EXPECT_EQ(status(5), std::nullopt);
  auto waiter = std::make_shared<data_waiter>(io.get_executor());

  // A follower reads up to our log end; a consumer only up to the high watermark.
  auto r2 = follower_fetch(2, 0);
  ASSERT_EQ(r2.error, error_code::none);
  EXPECT_EQ(values(r2.records).size(), 5u);
  EXPECT_TRUE(part->read({.offset = 0, .max_bytes = 1 << 20}).records.empty());

  EXPECT_EQ(follower_fetch(2, 5).error, error_code::none);
  EXPECT_EQ(part->high_watermark(), 0);  // 3 has not fetched yet
  part->add_waiter(waiter);
  auto r3 = follower_fetch(3, 3);
  EXPECT_EQ(part->high_watermark(), 3);
  EXPECT_EQ(r3.high_watermark, 3);
  EXPECT_TRUE(waiter->notified());
  EXPECT_EQ(status(5), std::nullopt);
  EXPECT_EQ(status(3), error_code::none);
  follower_fetch(3, 5);
  EXPECT_EQ(part->high_watermark(), 5);
  EXPECT_EQ(status(5), error_code::none);
  EXPECT_EQ(values(part->read({.offset = 0, .max_bytes = 1 << 20}).records).size(), 5u);

  // Never backwards on the leader, even when a follower's fetch offset goes back.
  follower_fetch(3, 2);
  EXPECT_EQ(part->high_watermark(), 5);
  // A replica that is not assigned is refused.
  EXPECT_EQ(follower_fetch(7, 0).error, error_code::not_leader_or_follower);
}

TEST_F(leader_test, follower_with_a_diverging_last_fetched_epoch_gets_diverging_epoch) {
  state.isr = {1};
  become(state);
  append(3);  // epoch 3: [0, 3)
  state.leader_epoch = 5;
  become(state);
  append(2);  // epoch 5: [3, 5)

  // The follower wrote offsets 3 and 4 under epoch 4, which we never had.
  auto diverged = follower_fetch(2, 5, 4);
  EXPECT_EQ(diverged.error, error_code::none);
  ASSERT_TRUE(diverged.diverging_epoch);
  EXPECT_EQ(diverged.diverging_epoch->first, 3);
  EXPECT_EQ(diverged.diverging_epoch->second, 3);
  EXPECT_TRUE(diverged.records.empty());
  // Epoch 3 holds [0, 3): a fetch at 4 claiming epoch 3 diverges, one at 3 is a prefix.
  auto past_end = follower_fetch(2, 4, 3);
  ASSERT_TRUE(past_end.diverging_epoch);
  EXPECT_EQ(*past_end.diverging_epoch, std::make_pair(3, int64_t{3}));
  auto prefix = follower_fetch(2, 3, 3);
  EXPECT_FALSE(prefix.diverging_epoch);
  EXPECT_EQ(values(prefix.records).size(), 2u);
  // Past our end: the latest epoch ends at our log end, so the follower diverges there.
  auto beyond = follower_fetch(2, 9, 5);
  ASSERT_TRUE(beyond.diverging_epoch);
  EXPECT_EQ(*beyond.diverging_epoch, std::make_pair(5, int64_t{5}));
  // Without a last fetched epoch an offset past our end is OFFSET_OUT_OF_RANGE.
  EXPECT_EQ(follower_fetch(2, 9).error, error_code::offset_out_of_range);
}

TEST_F(leader_test, lagging_follower_leaves_the_isr_after_the_lag) {
  with_store();
  become(state);
  append(4);
  follower_fetch(2, 4);
  clk.advance(6000);
  part->maybe_shrink_isr();
  EXPECT_TRUE(store.writes.empty());  // 3 still has time
  follower_fetch(2, 4);                // 2 stays caught up
  clk.advance(5000);                   // 11 s since 3 was last caught up
  part->maybe_shrink_isr();
  EXPECT_EQ(part->high_watermark(), 0);  // while the write is in flight, 3 still counts
  follower_fetch(2, 4);
  EXPECT_EQ(part->high_watermark(), 0);
  part->maybe_shrink_isr();  // one write in flight: no second one
  drain();
  ASSERT_EQ(store.writes.size(), 1u);
  EXPECT_EQ(store.writes[0].state.isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(store.writes[0].expected_zk_version, 0);
  EXPECT_EQ(store.writes[0].state.leader_epoch, 3);
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(part->state().partition_epoch, 1);
  ASSERT_EQ(store.notified.size(), 1u);
  EXPECT_EQ(store.notified[0], tp);
  EXPECT_EQ(part->high_watermark(), 4);
}

TEST_F(leader_test, follower_rejoins_the_isr_once_caught_up) {
  state.isr = {1};
  become(state);
  append(4);  // epoch 3, HW 4 (alone)
  with_store();
  state.leader_epoch = 4;
  state.isr = {1, 2};
  become(state);  // epoch 4 starts at 4
  follower_fetch(2, 4);
  EXPECT_EQ(part->high_watermark(), 4);
  follower_fetch(3, 2);
  drain();
  EXPECT_TRUE(store.writes.empty());  // below the high watermark
  follower_fetch(3, 4);
  follower_fetch(3, 4);  // the write is in flight: not proposed twice
  drain();
  ASSERT_EQ(store.writes.size(), 1u);
  EXPECT_EQ(store.writes[0].state.isr, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(part->state().partition_epoch, 1);
  EXPECT_EQ(store.notified.size(), 1u);
}

TEST_F(leader_test, failed_cas_keeps_the_isr_until_the_controller_rewrites_it) {
  with_store();
  store.version = 7;  // the controller moved the znode on; our LeaderAndIsr said 0
  become(state);
  append(2);
  follower_fetch(2, 2);
  clk.advance(11000);
  follower_fetch(2, 2);
  part->maybe_shrink_isr();
  drain();
  ASSERT_EQ(store.writes.size(), 1u);
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(part->state().partition_epoch, 0);
  EXPECT_TRUE(store.notified.empty());
  EXPECT_EQ(part->high_watermark(), 0);
  part->maybe_shrink_isr();
  drain();
  EXPECT_EQ(store.writes.size(), 1u);  // backoff before retrying the same partition epoch
  clk.advance(1000);
  part->maybe_shrink_isr();
  drain();
  EXPECT_EQ(store.writes.size(), 2u);

  // The controller's LeaderAndIsr with the same leader epoch and a newer partition epoch wins;
  // an older partition epoch is refused.
  partition_state rewritten = state;
  rewritten.isr = {1, 2};
  rewritten.partition_epoch = 7;
  become(rewritten);
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(part->state().partition_epoch, 7);
  EXPECT_EQ(part->high_watermark(), 2);
  partition_state old = state;
  old.partition_epoch = 6;
  EXPECT_EQ(part->apply_state(plog.get(), old, {}, cfg), error_code::stale_controller_epoch);
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2}));
}

TEST_F(leader_test, without_a_store_the_isr_never_changes) {
  become(state);
  append(1);
  clk.advance(60000);
  part->maybe_shrink_isr();
  drain();
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1, 2, 3}));
}

TEST_F(leader_test, replication_status_after_shrink_and_after_losing_leadership) {
  with_store();
  state.isr = {1, 2};
  become(state);
  append(3);
  EXPECT_EQ(status(3), std::nullopt);
  clk.advance(11000);
  part->maybe_shrink_isr();  // 2 never fetched
  drain();
  EXPECT_EQ(part->state().isr, (std::vector<int32_t>{1}));
  EXPECT_EQ(part->high_watermark(), 3);
  EXPECT_EQ(status(3), error_code::not_enough_replicas_after_append);
  EXPECT_EQ(part->append({batch(1), 7, -1}).error, error_code::not_enough_replicas);

  auto waiter = std::make_shared<data_waiter>(io.get_executor());
  part->add_waiter(waiter);
  partition_state follower = state;
  follower.leader = 2;
  follower.leader_epoch = 4;
  become(follower);
  EXPECT_TRUE(waiter->notified());
  EXPECT_EQ(status(3), error_code::not_leader_or_follower);

  // Leader again in a later term: the wait of a produce from the earlier term is over (the
  // records may have been truncated while we followed), though the high watermark passes 3.
  partition_state again = state;
  again.leader_epoch = 5;
  again.isr = {1};
  become(again);
  EXPECT_GE(part->high_watermark(), 3);
  EXPECT_EQ(status(3), error_code::not_leader_or_follower);
  const uint64_t before = term;
  append(1);
  EXPECT_EQ(term, before + 1);
  // A new leader epoch while we keep leading is the same term.
  again.leader_epoch = 6;
  become(again);
  EXPECT_EQ(part->append({batch(1), 7, 1}).leadership_term, term);
}

TEST_F(leader_test, offset_for_leader_epoch) {
  state.isr = {1};
  become(state);
  append(3);
  state.leader_epoch = 5;
  become(state);
  append(2);
  auto e3 = part->offset_for_leader_epoch(-1, 3);
  EXPECT_EQ(e3.error, error_code::none);
  EXPECT_EQ(e3.leader_epoch, 3);
  EXPECT_EQ(e3.end_offset, 3);
  auto e4 = part->offset_for_leader_epoch(5, 4);
  EXPECT_EQ(e4.leader_epoch, 3);
  EXPECT_EQ(e4.end_offset, 3);
  auto latest = part->offset_for_leader_epoch(5, 5);
  EXPECT_EQ(latest.leader_epoch, 5);
  EXPECT_EQ(latest.end_offset, 5);
  auto above = part->offset_for_leader_epoch(-1, 9);
  EXPECT_EQ(above.leader_epoch, -1);
  EXPECT_EQ(above.end_offset, -1);
  EXPECT_EQ(part->offset_for_leader_epoch(4, 3).error, error_code::fenced_leader_epoch);
  EXPECT_EQ(part->offset_for_leader_epoch(6, 3).error, error_code::unknown_leader_epoch);
  partition_state follower = state;
  follower.leader = 2;
  follower.leader_epoch = 6;
  become(follower);
  EXPECT_EQ(part->offset_for_leader_epoch(-1, 3).error, error_code::not_leader_or_follower);
}

namespace {

// Two brokers, each with its own log of "t-0": 1 and 2.
class follower_test : public ::testing::Test {
protected:
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      auto opened = log::partition_log::open(dir.path / std::to_string(i + 1) / "t-0", tp, {}, clk);
      ASSERT_TRUE(opened);
      logs[i] = std::move(*opened);
      parts[i] = std::make_shared<partition>(tp, asio::make_strand(io), i + 1, clk);
    }
  }
  partition& broker(int id) { return *parts[id - 1]; }
  void set_state(int32_t leader, int32_t epoch) {
    partition_state s;
    s.leader = leader;
    s.leader_epoch = epoch;
    s.replicas = {1, 2};
    s.isr = {1, 2};
    for (int i = 0; i < 2; ++i) ASSERT_EQ(parts[i]->apply_state(logs[i].get(), s, {}, cfg), error_code::none);
  }
  // One round of the replica fetcher of `follower` against `leader`.
  void fetch_once(int follower, int leader) {
    auto pos = broker(follower).position_for_fetch();
    ASSERT_TRUE(pos);
    auto r = broker(leader).read({.offset = pos->fetch_offset,
                                  .max_bytes = 1 << 20,
                                  .replica_id = follower,
                                  .current_leader_epoch = pos->leader_epoch,
                                  .last_fetched_epoch = pos->last_fetched_epoch});
    ASSERT_EQ(r.error, error_code::none);
    if (r.diverging_epoch) {
      auto leo = broker(follower).truncate_on_divergence(pos->leader_epoch, r.diverging_epoch->first,
                                                        r.diverging_epoch->second);
      ASSERT_TRUE(leo);
      return;
    }
    leader_fetch_data data;
    data.leader_epoch = pos->leader_epoch;
    data.fetch_offset = pos->fetch_offset;
    data.records = shared_bytes(r.records.linearize());
    data.high_watermark = r.high_watermark;
    data.log_start_offset = r.log_start_offset;
    ASSERT_EQ(broker(follower).append_from_leader(data), error_code::none);
  }
  std::vector<std::string> contents(int id) {
    auto r = logs[id - 1]->read(logs[id - 1]->log_start_offset(), 1 << 20, logs[id - 1]->log_end_offset(), true);
    return r ? values(r->records) : std::vector<std::string>{};
  }

  topic_partition tp{"t", 0};
  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  std::unique_ptr<log::partition_log> logs[2];
  std::shared_ptr<partition> parts[2];
  topic_config cfg;
};

} // namespace

TEST_F(follower_test, follower_copies_the_leader_and_learns_its_high_watermark) {
  set_state(1, 3);
  EXPECT_FALSE(broker(1).position_for_fetch());
  ASSERT_EQ(broker(1).append({batch(3, "a"), 7, -1}).error, error_code::none);
  fetch_once(2, 1);
  EXPECT_EQ(logs[1]->log_end_offset(), 3);
  EXPECT_EQ(broker(2).high_watermark(), 0);  // the leader's, as of that fetch
  EXPECT_EQ(logs[1]->latest_epoch(), 3);
  fetch_once(2, 1);  // confirms offset 3: the leader's HW moves, and the follower learns it
  EXPECT_EQ(broker(1).high_watermark(), 3);
  EXPECT_EQ(broker(2).high_watermark(), 3);
  EXPECT_EQ(contents(2), contents(1));

  // Data sent under another epoch or for another offset is dropped.
  leader_fetch_data stale;
  stale.leader_epoch = 2;
  stale.fetch_offset = 3;
  stale.records = batch(1);
  stale.high_watermark = 3;
  EXPECT_EQ(broker(2).append_from_leader(stale), error_code::none);
  stale.leader_epoch = 3;
  stale.fetch_offset = 1;
  EXPECT_EQ(broker(2).append_from_leader(stale), error_code::none);
  EXPECT_EQ(logs[1]->log_end_offset(), 3);
}

TEST_F(follower_test, follower_truncates_what_the_new_leader_never_had) {
  set_state(1, 3);
  ASSERT_EQ(broker(1).append({batch(3, "a"), 7, -1}).error, error_code::none);
  fetch_once(2, 1);
  ASSERT_EQ(broker(1).append({batch(2, "lost"), 7, 1}).error, error_code::none);  // [3, 5) never replicated
  set_state(2, 4);
  ASSERT_EQ(broker(2).append({batch(3, "b"), 7, 1}).error, error_code::none);  // epoch 4: [3, 6)

  fetch_once(1, 2);  // diverging: epoch 3 ends at 3 on the leader
  EXPECT_EQ(logs[0]->log_end_offset(), 3);
  fetch_once(1, 2);
  EXPECT_EQ(logs[0]->log_end_offset(), 6);
  EXPECT_EQ(contents(1), (std::vector<std::string>{"a0", "a1", "a2", "b0", "b1", "b2"}));
  EXPECT_EQ(logs[0]->latest_epoch(), 4);
}

TEST_F(follower_test, an_epoch_led_without_records_does_not_block_following_later) {
  set_state(1, 3);
  ASSERT_EQ(broker(1).append({batch(3, "a"), 7, -1}).error, error_code::none);
  fetch_once(2, 1);
  set_state(2, 4);  // 2 leads epoch 4 and writes nothing
  set_state(1, 5);  // 1 leads again
  ASSERT_EQ(logs[1]->latest_epoch(), 4);
  fetch_once(2, 1);  // diverging: the leader has no epoch 4; epoch 3 ends at 3
  EXPECT_EQ(logs[1]->log_end_offset(), 3);
  EXPECT_EQ(logs[1]->latest_epoch(), 3);  // the empty epoch 4 is gone
  ASSERT_EQ(broker(1).append({batch(2, "b"), 7, -1}).error, error_code::none);
  fetch_once(2, 1);
  fetch_once(2, 1);
  EXPECT_EQ(logs[1]->log_end_offset(), 5);
  EXPECT_EQ(broker(1).high_watermark(), 5);
  EXPECT_EQ(contents(2), contents(1));
}

TEST_F(follower_test, an_empty_follower_starting_inside_the_leaders_first_batch_takes_the_whole_batch) {
  set_state(1, 3);
  ASSERT_EQ(broker(1).append({batch(5, "a"), 7, 1}).error, error_code::none);  // one batch, 0-4
  ASSERT_EQ(logs[0]->maybe_increment_log_start_offset(2), 2);  // DeleteRecords up to 2
  // The follower's log starts over at the leader's log start, inside that batch.
  ASSERT_EQ(broker(2).handle_out_of_range(3, 2, 5), error_code::none);
  ASSERT_EQ(logs[1]->log_end_offset(), 2);
  fetch_once(2, 1);
  EXPECT_EQ(logs[1]->log_end_offset(), 5);
  EXPECT_EQ(logs[1]->log_start_offset(), 2);
  EXPECT_EQ(contents(2), contents(1));
}

TEST_F(follower_test, out_of_range_truncates_to_the_leader) {
  set_state(2, 3);
  ASSERT_EQ(broker(2).append({batch(1), 7, 1}).error, error_code::none);
  ASSERT_EQ(broker(2).append({batch(1), 7, 1}).error, error_code::none);
  fetch_once(1, 2);
  ASSERT_EQ(logs[0]->log_end_offset(), 2);
  // An unclean election: the new leader's log ends below ours.
  EXPECT_EQ(broker(1).handle_out_of_range(3, 0, 1), error_code::none);
  EXPECT_EQ(logs[0]->log_end_offset(), 1);
  // The leader's log starts above our end: we restart there.
  EXPECT_EQ(broker(1).handle_out_of_range(3, 10, 12), error_code::none);
  EXPECT_EQ(logs[0]->log_start_offset(), 10);
  EXPECT_EQ(logs[0]->log_end_offset(), 10);
  EXPECT_EQ(broker(1).high_watermark(), 10);
  // Another epoch: ignored.
  EXPECT_EQ(broker(1).handle_out_of_range(2, 20, 30), error_code::none);
  EXPECT_EQ(logs[0]->log_end_offset(), 10);
  // Our end already within the leader's range: nothing to reset, and the fetcher must back off.
  EXPECT_EQ(broker(1).handle_out_of_range(3, 5, 15), error_code::offset_out_of_range);
  EXPECT_EQ(logs[0]->log_end_offset(), 10);
}
