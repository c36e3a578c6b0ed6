#include "gregor/client/consumer_protocol.h"

#include <algorithm>

#include "gregor/client/errc.h"
#include "gregor/common/iobuf.h"
#include "gregor/protocol/messages/consumer_protocol.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::client {

namespace {

using wire_subscription = protocol::consumer_protocol_subscription;
using wire_assignment = protocol::consumer_protocol_assignment;

template <class Msg>
bytes encode_versioned(const Msg& m, int16_t version) {
  iobuf out;
  protocol::writer w(out);
  w.write_int16(version);
  m.encode(w, version);
  return out.linearize();
}

// Reads the int16 version, then the struct at min(version, newest known). Negative versions are
// malformed.
template <class Msg>
result<Msg> decode_versioned(bytes_view data) {
  protocol::reader r(shared_bytes::copy_of(data));
  int16_t version = r.read_int16();
  if (!r.ok() || version < 0) return unexpected(make_error_code(client_errc::malformed_response));
  Msg m;
  if (!m.decode(r, std::min<int16_t>(version, Msg::max_version)) || !r.ok()) {
    return unexpected(make_error_code(client_errc::malformed_response));
  }
  return m;
}

// Static members (by instance id) sort before dynamic ones (by member id), as Java's MemberInfo.
bool assignor_order(const assignor_member* a, const assignor_member* b) {
  if (a->group_instance_id && b->group_instance_id) return *a->group_instance_id < *b->group_instance_id;
  if (a->group_instance_id) return true;
  if (b->group_instance_id) return false;
  return a->member_id < b->member_id;
}

} // namespace

bytes encode_subscription(const consumer_subscription& s, int16_t version) {
  wire_subscription m;
  m.topics = s.topics;
  m.user_data = s.user_data;
  for (const auto& [topic, parts] : s.owned_partitions) {
    auto& tp = m.owned_partitions.emplace_back();
    tp.topic = topic;
    tp.partitions = parts;
  }
  m.generation_id = s.generation_id;
  m.rack_id = s.rack_id;
  return encode_versioned(m, std::clamp<int16_t>(version, 0, wire_subscription::max_version));
}

bytes encode_assignment(const consumer_assignment& a, int16_t version) {
  wire_assignment m;
  for (const auto& [topic, parts] : a.partitions) {
    auto& tp = m.assigned_partitions.emplace_back();
    tp.topic = topic;
    tp.partitions = parts;
  }
  m.user_data = a.user_data;
  return encode_versioned(m, std::clamp<int16_t>(version, 0, wire_assignment::max_version));
}

result<consumer_subscription> decode_subscription(bytes_view data) {
  auto m = decode_versioned<wire_subscription>(data);
  if (!m) return unexpected(m.error());
  consumer_subscription s;
  s.topics = std::move(m->topics);
  s.user_data = std::move(m->user_data);
  for (auto& tp : m->owned_partitions) {
    auto& parts = s.owned_partitions[tp.topic];
    parts.insert(parts.end(), tp.partitions.begin(), tp.partitions.end());
  }
  s.generation_id = m->generation_id;
  s.rack_id = std::move(m->rack_id);
  return s;
}

result<consumer_assignment> decode_assignment(bytes_view data) {
  consumer_assignment a;
  if (data.empty()) return a;
  auto m = decode_versioned<wire_assignment>(data);
  if (!m) return unexpected(m.error());
  for (auto& tp : m->assigned_partitions) {
    auto& parts = a.partitions[tp.topic];
    parts.insert(parts.end(), tp.partitions.begin(), tp.partitions.end());
  }
  a.user_data = std::move(m->user_data);
  return a;
}

std::map<std::string, partition_map> range_assign(const std::vector<assignor_member>& members,
                                                  const std::map<std::string, int32_t>& partition_counts) {
  std::map<std::string, partition_map> out;
  std::map<std::string, std::vector<const assignor_member*>> subscribers;  // topic -> members
  for (const auto& m : members) {
    out[m.member_id];
    for (const auto& topic : m.topics) {
      auto& list = subscribers[topic];
      if (std::find(list.begin(), list.end(), &m) == list.end()) list.push_back(&m);
    }
  }
  for (auto& [topic, list] : subscribers) {
    auto count = partition_counts.find(topic);
    if (count == partition_counts.end() || count->second <= 0) continue;
    std::sort(list.begin(), list.end(), assignor_order);
    const int32_t n = count->second;
    const int32_t c = static_cast<int32_t>(list.size());
    const int32_t per_member = n / c;
    const int32_t extra = n % c;
    for (int32_t i = 0; i < c; ++i) {
      const int32_t start = per_member * i + std::min(i, extra);
      const int32_t length = per_member + (i < extra ? 1 : 0);
      if (length == 0) continue;
      auto& parts = out[list[static_cast<size_t>(i)]->member_id][topic];
      for (int32_t p = start; p < start + length; ++p) parts.push_back(p);
    }
  }
  return out;
}

} // namespace gregor::client
