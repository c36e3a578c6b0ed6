#include "replica_fetch_wire.h"

#include <cstdlib>
#include <map>
#include <variant>

#include "gregor/common/endian.h"
#include "gregor/protocol/framing.h"
#include "gregor/protocol/messages/list_offsets.h"
#include "gregor/protocol/reader.h"
#include "gregor/record/batch_header.h"

namespace gregor::replication::fetch_wire {

namespace p = gregor::protocol;
using p::error_code;

protocol::fetch_request build_fetch_request(int32_t broker_id, const replica_fetcher_options& options,
                                            const std::vector<fetch_target>& targets) {
  p::fetch_request req;
  req.replica_id = broker_id;
  req.max_wait_ms = options.fetch_wait_max_ms;
  req.min_bytes = options.fetch_min_bytes;
  req.max_bytes = options.fetch_response_max_bytes;
  req.isolation_level = 0;   // followers copy everything, committed or not
  req.session_id = 0;        // no fetch session: a full request every time
  req.session_epoch = -1;
  std::map<std::string, size_t> topic_index;
  for (const auto& t : targets) {
    auto [it, inserted] = topic_index.emplace(t.tp.topic, req.topics.size());
    if (inserted) req.topics.emplace_back().topic = t.tp.topic;
    auto& fp = req.topics[it->second].partitions.emplace_back();
    fp.partition = t.tp.partition;
    fp.current_leader_epoch = t.position.leader_epoch;
    fp.fetch_offset = t.position.fetch_offset;
    fp.last_fetched_epoch = t.position.last_fetched_epoch;
    fp.log_start_offset = t.position.log_start_offset;
    fp.partition_max_bytes = options.fetch_max_bytes;
  }
  return req;
}

iobuf encode_fetch_frame(const protocol::fetch_request& request, int32_t correlation_id,
                         const std::string& client_id) {
  p::request_header h;
  h.api_key = fetch_key;
  h.api_version = fetch_version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  return p::encode_request_frame(h, request);
}

reaction classify(protocol::error_code error, int32_t diverging_epoch) {
  if (error == error_code::none) return diverging_epoch >= 0 ? reaction::truncate : reaction::append;
  if (error == error_code::offset_out_of_range) return reaction::out_of_range;
  return reaction::back_off;
}

size_t whole_batches_size(bytes_view records) {
  size_t pos = 0;
  while (records.size() - pos >= record::log_overhead) {
    auto length = load_be<int32_t>(records.data() + pos + record::batch_length_offset);
    if (length < record::min_batch_length) break;
    size_t total = static_cast<size_t>(length) + record::log_overhead;
    if (records.size() - pos < total) break;
    pos += total;
  }
  return pos;
}

shared_bytes whole_batches(const iobuf& records) {
  if (records.empty()) return {};
  const auto& chunks = records.chunks();
  if (chunks.size() == 1) {
    if (const auto* borrowed = std::get_if<shared_bytes>(&chunks.front())) {
      return borrowed->slice(0, whole_batches_size(borrowed->view()));
    }
  }
  bytes flat = records.linearize();
  flat.resize(whole_batches_size(flat));
  return shared_bytes(std::move(flat));
}

std::optional<fetch_answer> read_fetch_response(shared_bytes frame, int32_t correlation_id) {
  p::reader r(std::move(frame));
  int32_t correlation = 0;
  if (!p::decode_response_header(r, fetch_key, fetch_version, correlation)) return std::nullopt;
  if (correlation != correlation_id) return std::nullopt;
  p::fetch_response resp;
  if (!resp.decode(r, fetch_version)) return std::nullopt;
  fetch_answer out;
  out.error = static_cast<error_code>(resp.error_code);
  for (const auto& topic : resp.responses) {
    for (const auto& pd : topic.partitions) {
      auto& a = out.partitions.emplace_back();
      a.tp = topic_partition{topic.topic, pd.partition_index};
      a.error = static_cast<error_code>(pd.error_code);
      a.high_watermark = pd.high_watermark;
      a.log_start_offset = pd.log_start_offset;
      a.diverging_epoch = pd.diverging_epoch.epoch;
      a.diverging_end_offset = pd.diverging_epoch.end_offset;
      a.what = classify(a.error, a.diverging_epoch);
      if (a.what == reaction::append && pd.records) a.records = whole_batches(*pd.records);
    }
  }
  return out;
}

iobuf encode_list_offsets_frame(int32_t broker_id, const topic_partition& tp, int32_t current_leader_epoch,
                                int64_t timestamp, int32_t correlation_id, const std::string& client_id) {
  p::list_offsets_request req;
  req.replica_id = broker_id;
  req.isolation_level = 0;
  auto& t = req.topics.emplace_back();
  t.name = tp.topic;
  auto& part = t.partitions.emplace_back();
  part.partition_index = tp.partition;
  part.current_leader_epoch = current_leader_epoch;
  part.timestamp = timestamp;
  p::request_header h;
  h.api_key = list_offsets_key;
  h.api_version = list_offsets_version;
  h.correlation_id = correlation_id;
  h.client_id = client_id;
  return p::encode_request_frame(h, req);
}

std::optional<offset_answer> read_list_offsets_response(shared_bytes frame, int32_t correlation_id,
                                                        const topic_partition& tp) {
  p::reader r(std::move(frame));
  int32_t correlation = 0;
  if (!p::decode_response_header(r, list_offsets_key, list_offsets_version, correlation)) return std::nullopt;
  if (correlation != correlation_id) return std::nullopt;
  p::list_offsets_response resp;
  if (!resp.decode(r, list_offsets_version)) return std::nullopt;
  for (const auto& t : resp.topics) {
    if (t.name != tp.topic) continue;
    for (const auto& pr : t.partitions) {
      if (pr.partition_index != tp.partition) continue;
      offset_answer out;
      out.error = static_cast<error_code>(pr.error_code);
      out.offset = pr.offset;
      return out;
    }
  }
  return std::nullopt;
}

int32_t fetcher_index(const topic_partition& tp, int32_t num_fetchers) {
  if (num_fetchers <= 1) return 0;
  // Java int arithmetic wraps; do it in uint32_t and reinterpret.
  uint32_t h = 0;
  for (unsigned char c : tp.topic) h = 31 * h + c;
  uint32_t mixed = 31 * h + static_cast<uint32_t>(tp.partition);
  auto n = static_cast<int32_t>(mixed);
  int32_t abs = n == INT32_MIN ? 0 : std::abs(n);
  return abs % num_fetchers;
}

} // namespace gregor::replication::fetch_wire
