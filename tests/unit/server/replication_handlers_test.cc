// The request handlers' side of replication (issue 6), through the dispatcher with a real
// replica_manager and logs in a temp dir, on broker 1: Produce acks=all waiting for the replicas
// (done, timed out, released by a follower's fetch, NOT_ENOUGH_REPLICAS), replica Fetch (no
// down-conversion, long poll on appends, diverging_epoch) and OffsetForLeaderEpoch v0-4.
// Followers are simulated by sending Fetch requests with replica_id 2; no ZooKeeper, no fetcher.

#include <chrono>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include "gregor/config/broker_config.h"
#include "gregor/log/log_manager.h"
#include "gregor/metadata/metadata_cache.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/api_versions.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/offset_for_leader_epoch.h"
#include "gregor/protocol/messages/produce.h"
#include "gregor/record/batch_builder.h"
#include "gregor/record/batch_header.h"
#include "gregor/replication/replica_manager.h"
#include "gregor/server/dispatcher.h"

#include "fixtures/temp_dir.h"

using namespace gregor;
using gregor::testing::temp_dir;
namespace asio = boost::asio;
using action = network::handler_result::action;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

namespace {

constexpr int16_t none = 0;
constexpr int16_t unknown_topic_or_partition = 3;
constexpr int16_t not_leader_or_follower = 6;
constexpr int16_t request_timed_out = 7;
constexpr int16_t not_enough_replicas = 19;
constexpr int16_t fenced_leader_epoch = 74;
constexpr int16_t unknown_leader_epoch = 75;

constexpr int16_t produce_key = 0;
constexpr int16_t fetch_key = 1;
constexpr int16_t offset_for_leader_epoch_key = 23;

iobuf batch(int n) {
  record::batch_builder b(compression::codec::none);
  for (int i = 0; i < n; ++i) {
    std::string k = "k" + std::to_string(i), v = "v" + std::to_string(i);
    b.add(1'700'000'000'000 + i, as_bytes(k), as_bytes(v));
  }
  iobuf out;
  out.append(shared_bytes(b.build()));
  return out;
}

// Topic "strict" asks for min.insync.replicas=2; every other topic has the defaults.
asio::awaitable<replication::topic_config> topic_config_for(std::string topic) {
  replication::topic_config cfg;
  if (topic == "strict") cfg.min_insync_replicas = 2;
  co_return cfg;
}

template <typename Msg>
shared_bytes request_frame(int16_t key, int16_t version, const Msg& body) {
  protocol::request_header h{key, version, 7, std::string("unit")};
  bytes flat = protocol::encode_request_frame(h, body).linearize();
  return shared_bytes(bytes(flat.begin() + 4, flat.end()));
}

template <typename Response>
Response decode_response(const network::handler_result& r, int16_t key, int16_t version) {
  EXPECT_EQ(r.what, action::respond);
  bytes out = r.response.linearize();
  protocol::reader rd(shared_bytes(bytes(out.begin() + 4, out.end())));
  int32_t correlation = 0;
  EXPECT_TRUE(protocol::decode_response_header(rd, key, version, correlation));
  Response resp;
  EXPECT_TRUE(resp.decode(rd, version));
  EXPECT_EQ(rd.remaining(), 0u);
  return resp;
}

// Sends `frame` after `delay` (a named coroutine: see the GCC 12 note in docs/ARCHITECTURE.md).
asio::awaitable<network::handler_result> send_later(server::dispatcher* disp, network::connection_info conn,
                                                    shared_bytes frame, milliseconds delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  co_return co_await disp->handle(conn, std::move(frame));
}

// Handles `frame` now and records when the answer was ready.
asio::awaitable<network::handler_result> send_timed(server::dispatcher* disp, network::connection_info conn,
                                                    shared_bytes frame, steady_clock::time_point* answered) {
  auto r = co_await disp->handle(conn, std::move(frame));
  *answered = steady_clock::now();
  co_return r;
}

class replication_handlers_test : public ::testing::Test {
protected:
  replication_handlers_test()
    : cfg(config::broker_config::from_map({{"zookeeper.connect", "127.0.0.1:1"}, {"broker.id", "1"}})),
      logs({dir.path / "logs"}, {}, clk),
      replicas(io, logs, 1, clk, topic_config_for) {
    EXPECT_TRUE(logs.startup(1, "unit-cluster"));
    services.broker_id = 1;
    services.config = &cfg;
    services.metadata = &cache;
    services.replicas = &replicas;
    disp = std::make_unique<server::dispatcher>(services);
    conn.id = 1;
    conn.listener_name = "PLAINTEXT";
    conn.peer_host = "127.0.0.1";
  }
  ~replication_handlers_test() override {
    run(replicas.shutdown());
    logs.shutdown();
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    auto fut = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return fut.get();
  }
  void run(asio::awaitable<void> task) {
    auto fut = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    fut.get();
  }

  // Makes broker 1 leader of topic-0 at `leader_epoch` with replicas {1, 2} and the given ISR, in
  // the metadata too. Partition 1 of the topic is known but hosted elsewhere.
  void lead(const std::string& topic, int32_t leader_epoch, std::vector<int32_t> isr) {
    replication::leader_and_isr_partition lp;
    lp.tp = {topic, 0};
    lp.topic_id = uuid::from_parts(1, 2);
    lp.state.leader = 1;
    lp.state.leader_epoch = leader_epoch;
    lp.state.replicas = {1, 2};
    lp.state.isr = isr;
    lp.is_new = true;
    std::vector<replication::leader_and_isr_partition> all{lp};
    auto results = run(replicas.apply_leader_and_isr(std::move(all)));
    ASSERT_EQ(results.size(), 1u);
    ASSERT_EQ(results[0].second, protocol::error_code::none);
    cache.update([&](metadata::cluster_snapshot& s) {
      auto& t = s.topics[topic];
      t.name = topic;
      t.topic_id = lp.topic_id;
      t.partitions[0] = {0, 1, leader_epoch, 1, 0, {1, 2}, isr, {}};
      t.partitions[1] = {1, 2, 0, 1, 0, {2, 1}, {2}, {}};
    });
  }

  template <typename Response, typename Request>
  Response call(int16_t key, int16_t version, const Request& body) {
    auto r = run(disp->handle(conn, request_frame(key, version, body)));
    return decode_response<Response>(r, key, version);
  }

  static protocol::produce_request produce(const std::string& topic, int n, int16_t acks, int32_t timeout_ms) {
    protocol::produce_request req;
    req.acks = acks;
    req.timeout_ms = timeout_ms;
    auto& td = req.topic_data.emplace_back();
    td.name = topic;
    auto& pd = td.partition_data.emplace_back();
    pd.index = 0;
    pd.records = batch(n);
    return req;
  }

  // A follower's Fetch v12 (replica_id 2) for topic-0.
  static protocol::fetch_request replica_fetch(const std::string& topic, int64_t offset, int32_t current_leader_epoch,
                                               int32_t last_fetched_epoch, int32_t max_wait_ms = 0) {
    protocol::fetch_request req;
    req.replica_id = 2;
    req.max_wait_ms = max_wait_ms;
    req.min_bytes = 1;
    auto& ft = req.topics.emplace_back();
    ft.topic = topic;
    auto& fp = ft.partitions.emplace_back();
    fp.partition = 0;
    fp.fetch_offset = offset;
    fp.current_leader_epoch = current_leader_epoch;
    fp.last_fetched_epoch = last_fetched_epoch;
    fp.partition_max_bytes = 1 << 20;
    return req;
  }

  static protocol::offset_for_leader_epoch_request epoch_query(const std::string& topic, int32_t partition,
                                                               int32_t leader_epoch, int32_t current_leader_epoch) {
    protocol::offset_for_leader_epoch_request req;
    req.replica_id = -1;
    auto& t = req.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.partition = partition;
    p.leader_epoch = leader_epoch;
    p.current_leader_epoch = current_leader_epoch;
    return req;
  }

  using produce_partition = protocol::produce_response::topic_produce_response::partition_produce_response;
  static const produce_partition& only(const protocol::produce_response& resp) {
    EXPECT_EQ(resp.responses.size(), 1u);
    EXPECT_EQ(resp.responses.at(0).partition_responses.size(), 1u);
    return resp.responses.at(0).partition_responses.at(0);
  }
  using fetch_partition = protocol::fetch_response::fetchable_topic_response::partition_data;
  static const fetch_partition& only(const protocol::fetch_response& resp) {
    EXPECT_EQ(resp.responses.size(), 1u);
    EXPECT_EQ(resp.responses.at(0).partitions.size(), 1u);
    return resp.responses.at(0).partitions.at(0);
  }
  using epoch_partition = protocol::offset_for_leader_epoch_response::offset_for_leader_topic_result::epoch_end_offset;
  static const epoch_partition& only(const protocol::offset_for_leader_epoch_response& resp) {
    EXPECT_EQ(resp.topics.size(), 1u);
    EXPECT_EQ(resp.topics.at(0).partitions.size(), 1u);
    return resp.topics.at(0).partitions.at(0);
  }

  temp_dir dir;
  manual_clock clk;
  asio::io_context io;
  config::broker_config cfg;
  log::log_manager logs;
  replication::replica_manager replicas;
  metadata::metadata_cache cache;
  server::broker_services services;
  std::unique_ptr<server::dispatcher> disp;
  network::connection_info conn;
};

} // namespace

TEST_F(replication_handlers_test, api_versions_advertises_offset_for_leader_epoch_0_to_4) {
  protocol::api_versions_request req;
  req.client_software_name = "unit";
  req.client_software_version = "1";
  auto resp = call<protocol::api_versions_response>(18, 3, req);
  bool found = false;
  for (const auto& k : resp.api_keys) {
    if (k.api_key != offset_for_leader_epoch_key) continue;
    found = true;
    EXPECT_EQ(k.min_version_, 0);
    EXPECT_EQ(k.max_version_, 4);
  }
  EXPECT_TRUE(found);
}

TEST_F(replication_handlers_test, acks_all_with_an_isr_of_one_completes_at_once) {
  lead("t", 0, {1});
  auto first = call<protocol::produce_response>(produce_key, 9, produce("t", 3, -1, 5000));
  EXPECT_EQ(only(first).error_code, none);
  EXPECT_EQ(only(first).base_offset, 0);
  auto second = call<protocol::produce_response>(produce_key, 9, produce("t", 2, -1, 5000));
  EXPECT_EQ(only(second).error_code, none);
  EXPECT_EQ(only(second).base_offset, 3);
}

TEST_F(replication_handlers_test, acks_all_times_out_when_a_follower_in_the_isr_never_fetches) {
  lead("t", 0, {1, 2});
  auto start = steady_clock::now();
  auto resp = call<protocol::produce_response>(produce_key, 9, produce("t", 3, -1, 300));
  auto waited = steady_clock::now() - start;
  EXPECT_EQ(only(resp).error_code, request_timed_out);
  EXPECT_EQ(only(resp).base_offset, 0) << "Kafka keeps the base offset of a timed-out acks=all produce";
  EXPECT_GE(waited, milliseconds(300));
  EXPECT_LT(waited, milliseconds(3000));
  // acks=1 does not wait for the follower.
  auto one = call<protocol::produce_response>(produce_key, 9, produce("t", 1, 1, 300));
  EXPECT_EQ(only(one).error_code, none);
  EXPECT_EQ(only(one).base_offset, 3);
}

TEST_F(replication_handlers_test, acks_all_completes_when_the_follower_fetches_past_the_records) {
  lead("t", 0, {1, 2});
  steady_clock::time_point produce_answered{};
  auto produce_task = send_timed(disp.get(), conn, request_frame(produce_key, 9, produce("t", 3, -1, 10000)),
                                 &produce_answered);
  auto produce_fut = asio::co_spawn(io, std::move(produce_task), asio::use_future);
  // The follower fetches at offset 3 (it holds 0-2 now): its log end reaches the records' end.
  auto fetch_task = send_later(disp.get(), conn, request_frame(fetch_key, 12, replica_fetch("t", 3, 0, 0)),
                               milliseconds(200));
  auto fetch_fut = asio::co_spawn(io, std::move(fetch_task), asio::use_future);
  auto start = steady_clock::now();
  io.restart();
  io.run();
  auto waited = steady_clock::now() - start;
  auto produced = decode_response<protocol::produce_response>(produce_fut.get(), produce_key, 9);
  EXPECT_EQ(only(produced).error_code, none);
  EXPECT_EQ(only(produced).base_offset, 0);
  EXPECT_GE(produce_answered - start, milliseconds(200)) << "answered before the follower fetched";
  EXPECT_LT(waited, milliseconds(5000)) << "the follower's fetch must release the produce, not its timeout";
  auto fetched = decode_response<protocol::fetch_response>(fetch_fut.get(), fetch_key, 12);
  EXPECT_EQ(only(fetched).error_code, none);
}

TEST_F(replication_handlers_test, acks_all_below_min_insync_replicas_is_refused_before_the_append) {
  lead("strict", 0, {1});
  auto refused = call<protocol::produce_response>(produce_key, 9, produce("strict", 3, -1, 1000));
  EXPECT_EQ(only(refused).error_code, not_enough_replicas);
  EXPECT_EQ(only(refused).base_offset, -1);
  // acks=1 is not bound by min.insync.replicas, and the refused records were never appended.
  auto one = call<protocol::produce_response>(produce_key, 9, produce("strict", 2, 1, 1000));
  EXPECT_EQ(only(one).error_code, none);
  EXPECT_EQ(only(one).base_offset, 0);
}

TEST_F(replication_handlers_test, replica_fetch_v3_gets_stored_batches_without_down_conversion) {
  lead("t", 0, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 3, 1, 1000));
  auto req = replica_fetch("t", 0, -1, -1);
  auto resp = call<protocol::fetch_response>(fetch_key, 3, req);
  const auto& p = only(resp);
  ASSERT_EQ(p.error_code, none);
  ASSERT_TRUE(p.records.has_value());
  bytes data = p.records->linearize();
  ASSERT_GE(data.size(), 17u);
  EXPECT_EQ(data[16], 2) << "a follower gets RecordBatch v2 as stored, not magic 0/1";
}

TEST_F(replication_handlers_test, replica_fetch_long_polls_until_an_append) {
  lead("t", 0, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 2, 1, 1000));
  // The follower is caught up (offset 2 = our log end) and waits up to 10 s for more.
  auto fetch_fut = asio::co_spawn(io, disp->handle(conn, request_frame(fetch_key, 12, replica_fetch("t", 2, 0, 0, 10000))),
                                  asio::use_future);
  auto produce_task = send_later(disp.get(), conn, request_frame(produce_key, 9, produce("t", 4, 1, 1000)),
                                 milliseconds(200));
  auto produce_fut = asio::co_spawn(io, std::move(produce_task), asio::use_future);
  auto start = steady_clock::now();
  io.restart();
  io.run();
  auto waited = steady_clock::now() - start;
  EXPECT_EQ(only(decode_response<protocol::produce_response>(produce_fut.get(), produce_key, 9)).error_code, none);
  auto fetched = decode_response<protocol::fetch_response>(fetch_fut.get(), fetch_key, 12);
  const auto& p = only(fetched);
  EXPECT_EQ(p.error_code, none);
  ASSERT_TRUE(p.records.has_value());
  EXPECT_GT(p.records->size(), 0u);
  EXPECT_LT(waited, milliseconds(5000)) << "the append must wake the follower's fetch";
}

TEST_F(replication_handlers_test, replica_fetch_with_a_diverged_log_gets_diverging_epoch) {
  lead("t", 0, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 3, 1, 1000));  // epoch 0: 0-2
  lead("t", 1, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 2, 1, 1000));  // epoch 1: 3-4
  // The follower holds epoch 0 up to offset 3 (exclusive 4): epoch 0 ended at 3 here.
  auto diverged = call<protocol::fetch_response>(fetch_key, 12, replica_fetch("t", 4, 1, 0));
  const auto& p = only(diverged);
  EXPECT_EQ(p.error_code, none);
  EXPECT_EQ(p.diverging_epoch.epoch, 0);
  EXPECT_EQ(p.diverging_epoch.end_offset, 3);
  EXPECT_TRUE(!p.records.has_value() || p.records->size() == 0u) << "no records with a diverging epoch";
  // A prefix of our log is fine: no diverging epoch, data from the offset on.
  auto fine = call<protocol::fetch_response>(fetch_key, 12, replica_fetch("t", 3, 1, 0));
  const auto& q = only(fine);
  EXPECT_EQ(q.error_code, none);
  EXPECT_EQ(q.diverging_epoch.epoch, -1);
  ASSERT_TRUE(q.records.has_value());
  EXPECT_GT(q.records->size(), 0u);
}

TEST_F(replication_handlers_test, offset_for_leader_epoch_unknown_and_not_hosted_partitions) {
  lead("t", 0, {1});
  for (int16_t v = 0; v <= 4; ++v) {
    auto unknown = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                   epoch_query("nope", 0, 0, -1));
    EXPECT_EQ(only(unknown).error_code, unknown_topic_or_partition) << v;
    EXPECT_EQ(only(unknown).end_offset, -1) << v;
    auto elsewhere = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                     epoch_query("t", 1, 0, -1));
    EXPECT_EQ(only(elsewhere).error_code, not_leader_or_follower) << v;
  }
}

TEST_F(replication_handlers_test, offset_for_leader_epoch_answers_each_version) {
  lead("t", 0, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 3, 1, 1000));  // epoch 0: 0-2
  lead("t", 1, {1});
  call<protocol::produce_response>(produce_key, 9, produce("t", 2, 1, 1000));  // epoch 1: 3-4
  for (int16_t v = 0; v <= 4; ++v) {
    auto old_epoch = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                     epoch_query("t", 0, 0, -1));
    EXPECT_EQ(only(old_epoch).error_code, none) << v;
    EXPECT_EQ(only(old_epoch).end_offset, 3) << v;
    EXPECT_EQ(only(old_epoch).leader_epoch, v >= 1 ? 0 : -1) << v << ": v0 carries the end offset only";
    auto latest = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                  epoch_query("t", 0, 1, -1));
    EXPECT_EQ(only(latest).end_offset, 5) << v << ": the latest epoch ends at the log end";
    auto above = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                 epoch_query("t", 0, 9, -1));
    EXPECT_EQ(only(above).error_code, none) << v;
    EXPECT_EQ(only(above).end_offset, -1) << v << ": an epoch above every known one is undefined";
  }
  // current_leader_epoch (v2+) is fenced like a consumer fetch's.
  for (int16_t v = 2; v <= 4; ++v) {
    auto fenced = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                  epoch_query("t", 0, 0, 0));
    EXPECT_EQ(only(fenced).error_code, fenced_leader_epoch) << v;
    auto ahead = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                 epoch_query("t", 0, 0, 2));
    EXPECT_EQ(only(ahead).error_code, unknown_leader_epoch) << v;
    auto current = call<protocol::offset_for_leader_epoch_response>(offset_for_leader_epoch_key, v,
                                                                   epoch_query("t", 0, 0, 1));
    EXPECT_EQ(only(current).error_code, none) << v;
    EXPECT_EQ(only(current).end_offset, 3) << v;
  }
}
