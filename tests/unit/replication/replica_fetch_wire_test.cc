#include "replica_fetch_wire.h"

#include <gtest/gtest.h>

#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/fetch.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/reader.h"
#include "gregor/record/batch_builder.h"

using namespace gregor;
using namespace gregor::replication;
namespace fw = gregor::replication::fetch_wire;
using protocol::error_code;

namespace {

bytes batch(int n) {
  record::batch_builder b;
  for (int i = 0; i < n; ++i) {
    std::string v = "value-" + std::to_string(i);
    b.add(1'700'000'000'000 + i, std::nullopt, as_bytes(v));
  }
  return b.build();
}

bytes concat(std::initializer_list<bytes_view> parts) {
  bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// The frame without its size prefix, as client_connection::round_trip returns it.
shared_bytes strip_size(const iobuf& frame) {
  bytes flat = frame.linearize();
  return shared_bytes(bytes(flat.begin() + 4, flat.end()));
}

fw::fetch_target target(std::string topic, int32_t partition, int64_t offset, int32_t epoch, int32_t last_epoch) {
  fw::fetch_target t;
  t.tp = {std::move(topic), partition};
  t.position.leader = 1;
  t.position.leader_epoch = epoch;
  t.position.fetch_offset = offset;
  t.position.last_fetched_epoch = last_epoch;
  t.position.log_start_offset = 3;
  return t;
}

using partition_data = protocol::fetch_response::fetchable_topic_response::partition_data;

void add_partition(protocol::fetch_response& resp, const std::string& topic, partition_data pd) {
  if (resp.responses.empty() || resp.responses.back().topic != topic) resp.responses.emplace_back().topic = topic;
  resp.responses.back().partitions.push_back(std::move(pd));
}

shared_bytes fetch_response_frame(int32_t correlation, const protocol::fetch_response& resp) {
  return strip_size(protocol::encode_response_frame(correlation, fw::fetch_key, fw::fetch_version, resp));
}

} // namespace

TEST(replica_fetch_wire, request_carries_positions_grouped_by_topic) {
  replica_fetcher_options opts;
  opts.fetch_max_bytes = 4096;
  opts.fetch_response_max_bytes = 65536;
  opts.fetch_wait_max_ms = 250;
  opts.fetch_min_bytes = 7;
  std::vector<fw::fetch_target> targets{target("a", 0, 10, 5, 4), target("b", 2, 0, 1, -1), target("a", 3, 7, 5, 5)};
  auto req = fw::build_fetch_request(42, opts, targets);
  EXPECT_EQ(req.replica_id, 42);
  EXPECT_EQ(req.max_wait_ms, 250);
  EXPECT_EQ(req.min_bytes, 7);
  EXPECT_EQ(req.max_bytes, 65536);
  EXPECT_EQ(req.isolation_level, 0);
  EXPECT_EQ(req.session_id, 0);
  EXPECT_EQ(req.session_epoch, -1);
  ASSERT_EQ(req.topics.size(), 2u);
  EXPECT_EQ(req.topics[0].topic, "a");
  ASSERT_EQ(req.topics[0].partitions.size(), 2u);
  EXPECT_EQ(req.topics[1].topic, "b");
  const auto& p0 = req.topics[0].partitions[0];
  EXPECT_EQ(p0.partition, 0);
  EXPECT_EQ(p0.fetch_offset, 10);
  EXPECT_EQ(p0.current_leader_epoch, 5);
  EXPECT_EQ(p0.last_fetched_epoch, 4);
  EXPECT_EQ(p0.log_start_offset, 3);
  EXPECT_EQ(p0.partition_max_bytes, 4096);
  EXPECT_EQ(req.topics[0].partitions[1].partition, 3);
  EXPECT_EQ(req.topics[1].partitions[0].last_fetched_epoch, -1);
}

TEST(replica_fetch_wire, frame_decodes_as_fetch_v12_from_a_replica) {
  auto req = fw::build_fetch_request(3, {}, {target("t", 1, 99, 2, 2)});
  auto frame = fw::encode_fetch_frame(req, 17, "replica-fetcher");
  auto body = strip_size(frame);
  protocol::reader r(body);
  protocol::request_header h;
  ASSERT_TRUE(protocol::decode_request_header(r, h));
  EXPECT_EQ(h.api_key, 1);
  EXPECT_EQ(h.api_version, 12);
  EXPECT_EQ(h.correlation_id, 17);
  EXPECT_EQ(h.client_id, "replica-fetcher");
  protocol::fetch_request decoded;
  ASSERT_TRUE(decoded.decode(r, 12));
  EXPECT_EQ(decoded, req);
  EXPECT_EQ(decoded.replica_id, 3);
}

TEST(replica_fetch_wire, whole_batches_cut_a_trailing_partial_batch) {
  bytes a = batch(3), b = batch(5);
  bytes both = concat({a, b});
  EXPECT_EQ(fw::whole_batches_size(both), both.size());
  EXPECT_EQ(fw::whole_batches_size(bytes_view(both).first(both.size() - 1)), a.size());
  EXPECT_EQ(fw::whole_batches_size(bytes_view(both).first(a.size() + 11)), a.size());  // length field cut
  EXPECT_EQ(fw::whole_batches_size(bytes_view(both).first(a.size() + 12)), a.size());  // header cut
  EXPECT_EQ(fw::whole_batches_size(bytes_view(a).first(5)), 0u);
  EXPECT_EQ(fw::whole_batches_size({}), 0u);
  // A batch length below the smallest legal batch ends the prefix.
  bytes bad = both;
  bad[a.size() + 8] = 0;
  bad[a.size() + 9] = 0;
  bad[a.size() + 10] = 0;
  bad[a.size() + 11] = 3;
  EXPECT_EQ(fw::whole_batches_size(bad), a.size());
  bad[a.size() + 8] = 0xff;  // negative
  EXPECT_EQ(fw::whole_batches_size(bad), a.size());
}

TEST(replica_fetch_wire, whole_batches_borrow_a_single_chunk_and_copy_several) {
  bytes a = batch(40), b = batch(2);  // above iobuf's borrowing threshold (smaller slices are copied)
  auto frame = std::make_shared<const bytes>(concat({a, b}));
  shared_bytes borrowed(frame, 0, frame->size() - 4);
  iobuf one;
  one.append(borrowed);
  auto cut = fw::whole_batches(one);
  EXPECT_EQ(cut.size(), a.size());
  EXPECT_EQ(cut.data(), frame->data());  // no copy

  iobuf two;
  two.append(shared_bytes::copy_of(a));
  two.append(shared_bytes::copy_of(bytes_view(b).first(b.size() - 1)));
  auto joined = fw::whole_batches(two);
  EXPECT_EQ(joined.size(), a.size());
  EXPECT_TRUE(std::equal(a.begin(), a.end(), joined.data()));

  EXPECT_TRUE(fw::whole_batches(iobuf{}).empty());
}

TEST(replica_fetch_wire, errors_decide_the_reaction) {
  EXPECT_EQ(fw::classify(error_code::none, -1), fw::reaction::append);
  EXPECT_EQ(fw::classify(error_code::none, 0), fw::reaction::truncate);
  EXPECT_EQ(fw::classify(error_code::none, 4), fw::reaction::truncate);
  EXPECT_EQ(fw::classify(error_code::offset_out_of_range, -1), fw::reaction::out_of_range);
  for (auto e : {error_code::not_leader_or_follower, error_code::fenced_leader_epoch, error_code::unknown_leader_epoch,
                 error_code::unknown_topic_or_partition, error_code::kafka_storage_error,
                 error_code::unknown_server_error}) {
    EXPECT_EQ(fw::classify(e, -1), fw::reaction::back_off) << protocol::error_name(e);
  }
}

TEST(replica_fetch_wire, response_is_read_per_partition) {
  bytes a = batch(4), b = batch(2);
  bytes partial = concat({a, bytes_view(b).first(b.size() / 2)});
  partition_data data;
  data.partition_index = 0;
  data.high_watermark = 4;
  data.log_start_offset = 0;
  data.records.emplace();
  data.records->append(shared_bytes(partial));
  partition_data diverging;
  diverging.partition_index = 1;
  diverging.high_watermark = 9;
  diverging.diverging_epoch.epoch = 3;
  diverging.diverging_epoch.end_offset = 120;
  diverging.records.emplace();
  partition_data fenced;
  fenced.partition_index = 0;
  fenced.error_code = static_cast<int16_t>(error_code::fenced_leader_epoch);
  partition_data out_of_range;
  out_of_range.partition_index = 2;
  out_of_range.error_code = static_cast<int16_t>(error_code::offset_out_of_range);

  protocol::fetch_response resp;
  add_partition(resp, "t", std::move(data));
  add_partition(resp, "t", std::move(diverging));
  add_partition(resp, "u", std::move(fenced));
  add_partition(resp, "u", std::move(out_of_range));
  auto frame = fetch_response_frame(5, resp);
  auto answer = fw::read_fetch_response(frame, 5);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->error, error_code::none);
  ASSERT_EQ(answer->partitions.size(), 4u);

  const auto& p0 = answer->partitions[0];
  EXPECT_EQ(p0.tp, (topic_partition{"t", 0}));
  EXPECT_EQ(p0.what, fw::reaction::append);
  EXPECT_EQ(p0.high_watermark, 4);
  EXPECT_EQ(p0.log_start_offset, 0);
  ASSERT_EQ(p0.records.size(), a.size());  // the half batch is cut
  EXPECT_TRUE(std::equal(a.begin(), a.end(), p0.records.data()));

  const auto& p1 = answer->partitions[1];
  EXPECT_EQ(p1.what, fw::reaction::truncate);
  EXPECT_EQ(p1.diverging_epoch, 3);
  EXPECT_EQ(p1.diverging_end_offset, 120);
  EXPECT_TRUE(p1.records.empty());

  EXPECT_EQ(answer->partitions[2].tp, (topic_partition{"u", 0}));
  EXPECT_EQ(answer->partitions[2].what, fw::reaction::back_off);
  EXPECT_EQ(answer->partitions[2].error, error_code::fenced_leader_epoch);
  EXPECT_EQ(answer->partitions[3].what, fw::reaction::out_of_range);
}

TEST(replica_fetch_wire, bad_frames_are_refused) {
  protocol::fetch_response resp;
  resp.error_code = static_cast<int16_t>(error_code::unknown_server_error);
  auto frame = fetch_response_frame(8, resp);
  auto ok = fw::read_fetch_response(frame, 8);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->error, error_code::unknown_server_error);
  EXPECT_FALSE(fw::read_fetch_response(frame, 9));                              // someone else's answer
  EXPECT_FALSE(fw::read_fetch_response(frame.slice(0, frame.size() - 2), 8));  // truncated
  EXPECT_FALSE(fw::read_fetch_response(shared_bytes{}, 8));
}

TEST(replica_fetch_wire, list_offsets_round_trip) {
  auto frame = fw::encode_list_offsets_frame(2, {"t", 4}, 6, fw::earliest_timestamp, 31, "replica-fetcher");
  auto body = strip_size(frame);
  protocol::reader r(body);
  protocol::request_header h;
  ASSERT_TRUE(protocol::decode_request_header(r, h));
  EXPECT_EQ(h.api_key, 2);
  EXPECT_EQ(h.api_version, 4);
  protocol::list_offsets_request req;
  ASSERT_TRUE(req.decode(r, 4));
  EXPECT_EQ(req.replica_id, 2);
  ASSERT_EQ(req.topics.size(), 1u);
  ASSERT_EQ(req.topics[0].partitions.size(), 1u);
  EXPECT_EQ(req.topics[0].partitions[0].partition_index, 4);
  EXPECT_EQ(req.topics[0].partitions[0].current_leader_epoch, 6);
  EXPECT_EQ(req.topics[0].partitions[0].timestamp, -2);

  protocol::list_offsets_response resp;
  auto& t = resp.topics.emplace_back();
  t.name = "t";
  auto& other = t.partitions.emplace_back();
  other.partition_index = 1;
  other.offset = 1;
  auto& mine = t.partitions.emplace_back();
  mine.partition_index = 4;
  mine.offset = 250;
  auto answer_frame = strip_size(protocol::encode_response_frame(31, fw::list_offsets_key, 4, resp));
  auto answer = fw::read_list_offsets_response(answer_frame, 31, {"t", 4});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->error, error_code::none);
  EXPECT_EQ(answer->offset, 250);
  EXPECT_FALSE(fw::read_list_offsets_response(answer_frame, 31, {"t", 5}));
  EXPECT_FALSE(fw::read_list_offsets_response(answer_frame, 30, {"t", 4}));
}

TEST(replica_fetch_wire, fetcher_index_follows_kafka) {
  EXPECT_EQ(fw::fetcher_index({"t", 1}, 1), 0);
  // Java: 31 * "t".hashCode() + 1 = 31 * 116 + 1 = 3597.
  EXPECT_EQ(fw::fetcher_index({"t", 1}, 4), 3597 % 4);
  // "hello".hashCode() = 99162322; 31 * it + 0 overflows to -1220935314; abs -> 1220935314.
  EXPECT_EQ(fw::fetcher_index({"hello", 0}, 7), 1220935314 % 7);
  for (int p = 0; p < 50; ++p) {
    int32_t i = fw::fetcher_index({"__consumer_offsets", p}, 3);
    EXPECT_GE(i, 0);
    EXPECT_LT(i, 3);
  }
}
