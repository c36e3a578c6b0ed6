// The replica fetcher against a small leader: a network::server whose handler answers Fetch v12 and
// ListOffsets v4 from real leader partitions (partition::read with the follower's replica id, so
// divergence, out-of-range and epoch fencing are the leader's own answers). Followers are real
// partitions on their own logs. Two io threads; every wait is bounded.

#include "gregor/replication/replica_fetcher_manager.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

#include "gregor/log/partition_log.h"
#include "gregor/network/server.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/reader.h"
#include "gregor/record/batch_builder.h"
#include "gregor/replication/partition.h"

#include "fixtures/temp_dir.h"

using namespace gregor;
using namespace gregor::replication;
using namespace std::chrono_literals;
using gregor::testing::temp_dir;
namespace asio = boost::asio;
using protocol::error_code;

namespace {

shared_bytes batch(int n, int64_t ts = 1'700'000'000'000) {
  record::batch_builder b;
  for (int i = 0; i < n; ++i) {
    std::string v = "value-" + std::to_string(ts + i);
    b.add(ts + i, std::nullopt, as_bytes(v));
  }
  return shared_bytes(b.build());
}

template <typename Fn>
auto call_on(std::shared_ptr<partition> p, Fn fn) -> asio::awaitable<decltype(fn(*p))> {
  co_return fn(*p);
}

// Runs fn(partition&) on the partition's strand and waits for it (from the test thread).
template <typename Fn>
auto on(const std::shared_ptr<partition>& p, Fn fn) {
  auto task = call_on(p, std::move(fn));
  return asio::co_spawn(p->executor(), std::move(task), asio::use_future).get();
}

asio::awaitable<read_outcome> leader_read(std::shared_ptr<partition> p, read_request request) {
  co_return p->read(request);
}

asio::awaitable<offset_lookup> leader_list_offset(std::shared_ptr<partition> p, int64_t timestamp, int32_t epoch) {
  co_return p->list_offset(timestamp, epoch, false);
}

// Answers Fetch and ListOffsets from the leader partitions in `partitions` (set before traffic).
class leader_handler : public network::request_handler {
public:
  std::map<topic_partition, std::shared_ptr<partition>> partitions;
  std::atomic<int> fetches{0};
  std::atomic<int> list_offsets{0};
  std::atomic<int> closed{0};

  void on_connection_closed(const network::connection_info&) override { ++closed; }

  asio::awaitable<network::handler_result> handle(const network::connection_info&, shared_bytes frame) override {
    protocol::reader r(frame);
    protocol::request_header h;
    network::handler_result out;
    if (!protocol::decode_request_header(r, h)) {
      out.what = network::handler_result::action::close;
      co_return out;
    }
    if (h.api_key == 1 && h.api_version == 12) {
      protocol::fetch_request req;
      if (!req.decode(r, 12)) {
        out.what = network::handler_result::action::close;
        co_return out;
      }
      ++fetches;
      auto resp = co_await answer_fetch(req);
      out.response = protocol::encode_response_frame(h.correlation_id, 1, 12, resp);
      co_return out;
    }
    if (h.api_key == 2 && h.api_version == 4) {
      protocol::list_offsets_request req;
      if (!req.decode(r, 4)) {
        out.what = network::handler_result::action::close;
        co_return out;
      }
      ++list_offsets;
      protocol::list_offsets_response resp;
      for (const auto& t : req.topics) {
        auto& tr = resp.topics.emplace_back();
        tr.name = t.name;
        for (const auto& pp : t.partitions) {
          auto& pr = tr.partitions.emplace_back();
          pr.partition_index = pp.partition_index;
          auto it = partitions.find({t.name, pp.partition_index});
          if (it == partitions.end()) {
            pr.error_code = static_cast<int16_t>(error_code::unknown_topic_or_partition);
            continue;
          }
          auto ex = it->second->executor();
          auto task = leader_list_offset(it->second, pp.timestamp, pp.current_leader_epoch);
          auto found = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
          pr.error_code = static_cast<int16_t>(found.error);
          pr.offset = found.offset;
          pr.leader_epoch = found.leader_epoch;
        }
      }
      out.response = protocol::encode_response_frame(h.correlation_id, 2, 4, resp);
      co_return out;
    }
    out.what = network::handler_result::action::close;
    co_return out;
  }

private:
  asio::awaitable<protocol::fetch_response> answer_fetch(const protocol::fetch_request& req) {
    protocol::fetch_response resp;
    bool anything = false;
    for (const auto& t : req.topics) {
      auto& tr = resp.responses.emplace_back();
      tr.topic = t.topic;
      for (const auto& fp : t.partitions) {
        auto& pd = tr.partitions.emplace_back();
        pd.partition_index = fp.partition;
        pd.records.emplace();
        auto it = partitions.find({t.topic, fp.partition});
        if (it == partitions.end()) {
          pd.error_code = static_cast<int16_t>(error_code::unknown_topic_or_partition);
          anything = true;
          continue;
        }
        read_request rr;
        rr.offset = fp.fetch_offset;
        rr.max_bytes = fp.partition_max_bytes;
        rr.replica_id = req.replica_id;
        rr.current_leader_epoch = fp.current_leader_epoch;
        rr.last_fetched_epoch = fp.last_fetched_epoch;
        auto ex = it->second->executor();
        auto task = leader_read(it->second, rr);
        auto got = co_await asio::co_spawn(ex, std::move(task), asio::use_awaitable);
        pd.error_code = static_cast<int16_t>(got.error);
        pd.high_watermark = got.high_watermark;
        pd.last_stable_offset = got.last_stable_offset;
        pd.log_start_offset = got.log_start_offset;
        if (got.diverging_epoch) {
          pd.diverging_epoch.epoch = got.diverging_epoch->first;
          pd.diverging_epoch.end_offset = got.diverging_epoch->second;
        }
        if (got.error != error_code::none || got.diverging_epoch || !got.records.empty()) anything = true;
        pd.records = std::move(got.records);
      }
    }
    if (!anything) {  // a crude long poll: nothing to say, so wait max_wait_ms
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(std::chrono::milliseconds(req.max_wait_ms));
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    co_return resp;
  }
};

asio::awaitable<void> shut_down(replica_fetcher_manager* m) {
  auto stopping = m->shutdown();
  co_await std::move(stopping);
}

asio::awaitable<void> drain(network::server* s) {
  auto draining = s->drain_and_close(2000ms);
  co_await std::move(draining);
}

class replica_fetcher_test : public ::testing::Test {
protected:
  const topic_partition tp{"t", 0};

  void SetUp() override {
    leader_log = open_log("leader");
    follower_log = open_log("follower");
    leader = std::make_shared<partition>(tp, asio::make_strand(io), 1, clk);
    follower = std::make_shared<partition>(tp, asio::make_strand(io), 2, clk);
    handler.partitions[tp] = leader;
    server = std::make_unique<network::server>(io, network::server_options{{{"PLAINTEXT", "127.0.0.1", 0}}}, handler);
    ASSERT_TRUE(server->start());
    endpoint = {1, "127.0.0.1", server->bound_port("PLAINTEXT")};
    options.fetch_wait_max_ms = 50;
    options.backoff = 200ms;
    options.socket_timeout = 3000ms;
  }

  void TearDown() override {
    if (manager) asio::co_spawn(io, shut_down(manager.get()), asio::use_future).get();
    if (server) asio::co_spawn(io, drain(server.get()), asio::use_future).get();
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
    manager.reset();
    server.reset();
  }

  std::unique_ptr<log::partition_log> open_log(const std::string& name) {
    auto opened = log::partition_log::open(dir.path / name / "t-0", tp, {}, clk);
    EXPECT_TRUE(opened);
    return std::move(*opened);
  }

  // Applies a state on the partition's strand (io threads may be running).
  error_code apply(const std::shared_ptr<partition>& p, log::partition_log* plog, partition_state st) {
    auto cfg = config;
    return on(p, [plog, st, cfg](partition& part) { return part.apply_state(plog, st, uuid::from_parts(0, 7), cfg); });
  }

  append_outcome append(const std::shared_ptr<partition>& p, shared_bytes records) {
    return on(p, [records](partition& part) { return part.append({records, 7, 1}); });
  }

  static partition_state state(int32_t leader_id, int32_t epoch, std::vector<int32_t> isr) {
    partition_state st;
    st.leader = leader_id;
    st.leader_epoch = epoch;
    st.controller_epoch = 1;
    st.replicas = {1, 2};
    st.isr = std::move(isr);
    return st;
  }

  void start_io() {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }

  void start_fetching(const broker_endpoint& from) {
    if (!manager) {
      manager = std::make_unique<replica_fetcher_manager>(io, 2, options, [this](const topic_partition& t) {
        return t == tp ? follower : nullptr;
      });
    }
    manager->add_partitions(from, {tp});
  }

  // Polls `pred` until true or 10 s passed.
  static bool eventually(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  }

  static int64_t leo(const std::shared_ptr<partition>& p) {
    return on(p, [](partition& part) { return part.log()->log_end_offset(); });
  }
  static int64_t hw(const std::shared_ptr<partition>& p) {
    return on(p, [](partition& part) { return part.high_watermark(); });
  }
  static int64_t log_start(const std::shared_ptr<partition>& p) {
    return on(p, [](partition& part) { return part.log()->log_start_offset(); });
  }
  // The bytes of every batch from `from` on.
  static bytes contents(const std::shared_ptr<partition>& p, int64_t from = -1) {
    return on(p, [from](partition& part) {
      auto* l = part.log();
      int64_t start = from < 0 ? l->log_start_offset() : from;
      auto r = l->read(start, 64 << 20, l->log_end_offset(), true);
      return r ? r->records.linearize() : bytes{};
    });
  }

  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{io.get_executor()};
  std::vector<std::thread> threads;
  topic_config config;
  std::unique_ptr<log::partition_log> leader_log;
  std::unique_ptr<log::partition_log> follower_log;
  std::shared_ptr<partition> leader;
  std::shared_ptr<partition> follower;
  leader_handler handler;
  std::unique_ptr<network::server> server;
  broker_endpoint endpoint;
  replica_fetcher_options options;
  std::unique_ptr<replica_fetcher_manager> manager;
};

} // namespace

TEST_F(replica_fetcher_test, copies_the_leader_log_and_follows_its_high_watermark) {
  start_io();
  ASSERT_EQ(apply(leader, leader_log.get(), state(1, 3, {1, 2})), error_code::none);
  ASSERT_EQ(apply(follower, follower_log.get(), state(1, 3, {1, 2})), error_code::none);
  ASSERT_EQ(append(leader, batch(3)).error, error_code::none);
  ASSERT_EQ(append(leader, batch(2, 1'700'000'001'000)).error, error_code::none);

  start_fetching(endpoint);
  EXPECT_EQ(manager->partition_count(), 1u);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 5; })) << leo(follower);
  EXPECT_EQ(contents(follower), contents(leader));
  // The leader's high watermark moves once the follower fetched at 5; the next answer carries it.
  ASSERT_TRUE(eventually([&] { return hw(leader) == 5 && hw(follower) == 5; })) << hw(leader) << " " << hw(follower);

  // New data while the fetcher runs.
  ASSERT_EQ(append(leader, batch(4, 1'700'000'002'000)).error, error_code::none);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 9 && hw(follower) == 9; }));
  EXPECT_EQ(contents(follower), contents(leader));
}

TEST_F(replica_fetcher_test, truncates_a_diverging_log_then_catches_up) {
  // Epoch 1: both logs got the same 3 records. Epoch 2: the follower led and took 5 records the
  // leader never saw. Epoch 3: the leader wrote 4 others.
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(2, 1, {2}), {}, config), error_code::none);
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 1, {1}), {}, config), error_code::none);
  auto shared = batch(3);
  ASSERT_EQ(follower->append({shared, 7, 1}).error, error_code::none);
  ASSERT_EQ(leader->append({shared, 7, 1}).error, error_code::none);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(2, 2, {2}), {}, config), error_code::none);
  ASSERT_EQ(follower->append({batch(5, 1'700'000'005'000), 7, 1}).error, error_code::none);
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  ASSERT_EQ(leader->append({batch(4, 1'700'000'009'000), 7, 1}).error, error_code::none);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  ASSERT_EQ(follower_log->log_end_offset(), 8);
  start_io();

  start_fetching(endpoint);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 7 && contents(follower) == contents(leader); }))
    << leo(follower);
}

TEST_F(replica_fetcher_test, restarts_at_the_leader_log_start_when_out_of_range) {
  // The leader alone in the ISR, so its high watermark follows its log and DeleteRecords may cut.
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 2, {1}), {}, config), error_code::none);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(leader->append({batch(2, 1'700'000'000'000 + 10 * i), 7, 1}).error, error_code::none);
  ASSERT_EQ(leader->delete_records(6).error, error_code::none);
  ASSERT_EQ(leader_log->log_start_offset(), 6);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(1, 2, {1}), {}, config), error_code::none);
  start_io();

  start_fetching(endpoint);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 10; })) << leo(follower);
  EXPECT_GE(handler.list_offsets.load(), 2);
  EXPECT_EQ(log_start(follower), 6);
  EXPECT_EQ(contents(follower, 6), contents(leader, 6));
}

TEST_F(replica_fetcher_test, backs_off_on_a_fenced_epoch_and_resumes_after_the_leader_catches_up) {
  // The follower already knows epoch 4; the leader is still at 3 and answers UNKNOWN_LEADER_EPOCH.
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  ASSERT_EQ(leader->append({batch(3), 7, 1}).error, error_code::none);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(1, 4, {1, 2}), {}, config), error_code::none);
  options.backoff = 400ms;
  start_io();

  start_fetching(endpoint);
  std::this_thread::sleep_for(600ms);
  int fetched = handler.fetches.load();
  EXPECT_GE(fetched, 1);
  EXPECT_LE(fetched, 3);  // once, then every 400 ms at most
  EXPECT_EQ(leo(follower), 0);

  ASSERT_EQ(apply(leader, leader_log.get(), state(1, 4, {1, 2})), error_code::none);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 3; }));
}

TEST_F(replica_fetcher_test, reconnects_and_moves_to_a_new_endpoint) {
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  ASSERT_EQ(leader->append({batch(3), 7, 1}).error, error_code::none);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  start_io();

  // A port nobody listens on (bound and closed again).
  uint16_t dead_port = 0;
  {
    asio::io_context tmp;
    asio::ip::tcp::acceptor a(tmp, {asio::ip::make_address("127.0.0.1"), 0});
    dead_port = a.local_endpoint().port();
  }
  start_fetching({1, "127.0.0.1", dead_port});
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(leo(follower), 0);
  EXPECT_EQ(handler.fetches.load(), 0);
  EXPECT_EQ(manager->partition_count(), 1u);

  start_fetching(endpoint);  // same leader id, new address: a new fetcher takes the partition
  EXPECT_EQ(manager->partition_count(), 1u);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 3; }));
}

TEST_F(replica_fetcher_test, removed_partitions_are_no_longer_fetched) {
  ASSERT_EQ(leader->apply_state(leader_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  ASSERT_EQ(leader->append({batch(3), 7, 1}).error, error_code::none);
  ASSERT_EQ(follower->apply_state(follower_log.get(), state(1, 3, {1, 2}), {}, config), error_code::none);
  start_io();

  start_fetching(endpoint);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 3; }));
  // Removed and re-added at once (a new leader epoch under the same leader): same connection.
  manager->remove_partitions({tp});
  manager->add_partitions(endpoint, {tp});
  ASSERT_EQ(append(leader, batch(1, 1'700'000'002'000)).error, error_code::none);
  ASSERT_TRUE(eventually([&] { return leo(follower) == 4; }));
  EXPECT_EQ(handler.closed.load(), 0);

  manager->remove_partitions({tp});
  EXPECT_EQ(manager->partition_count(), 0u);
  // The idle fetcher closes its connection after one back-off (200 ms).
  ASSERT_TRUE(eventually([&] { return handler.closed.load() == 1; }));
  int before = handler.fetches.load();
  ASSERT_EQ(append(leader, batch(2, 1'700'000'003'000)).error, error_code::none);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(handler.fetches.load(), before);
  EXPECT_EQ(leo(follower), 4);

  auto started = std::chrono::steady_clock::now();
  asio::co_spawn(io, shut_down(manager.get()), asio::use_future).get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  manager->add_partitions(endpoint, {tp});  // ignored after shutdown
  EXPECT_EQ(manager->partition_count(), 0u);
}
