// __consumer_offsets keys and values (ON-DISK-FORMAT.md §10) on top of the generated codecs of
// group_metadata.schema, and the replay of one partition's records.
//
// Every key and value starts with its int16 version; the generated structs encode what follows.
// Bytes after the last field are ignored, as Kafka's readers ignore them (a newer writer may have
// appended tagged or trailing data).

#include "gregor/coordinator/offsets_records.h"

#include <climits>
#include <cstdlib>
#include <system_error>

#include "gregor/common/iobuf.h"
#include "gregor/protocol/messages/group_metadata.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::group {

namespace {

// What Kafka 2.3+ writes (ON-DISK-FORMAT.md §10).
constexpr int16_t offset_commit_key_version = 1;
constexpr int16_t offset_commit_value_version = 3;
constexpr int16_t offset_commit_value_version_with_expiry = 1;
constexpr int16_t group_metadata_key_version = 2;
constexpr int16_t group_metadata_value_version = 3;

// The "no expire timestamp" value of OffsetCommitValue v1 (OffsetCommitRequest.DEFAULT_TIMESTAMP).
constexpr int64_t no_timestamp = -1;

std::error_code malformed() { return std::make_error_code(std::errc::illegal_byte_sequence); }

template <typename Msg>
bytes encode_versioned(const Msg& msg, int16_t version) {
  iobuf out;
  protocol::writer w(out);
  w.write_int16(version);
  msg.encode(w, version);
  return out.linearize();
}

// Reads the leading version. The reader copies the bytes once: records are small, and the replay
// must not keep the log's buffers alive.
protocol::reader open(bytes_view data, int16_t& version) {
  protocol::reader r(shared_bytes::copy_of(data));
  version = r.read_int16();
  return r;
}

// --- UTF-8 -> UTF-16 code units, for Java's String.hashCode ---

constexpr uint32_t replacement_char = 0xFFFD;

bool is_continuation(uint8_t b) { return (b & 0xC0) == 0x80; }

// Decodes one well-formed UTF-8 sequence at s[i]; returns its length (1-4) and sets `cp`, or 0 for
// an ill-formed one (overlong forms, surrogates, code points above U+10FFFF, truncation).
size_t decode_utf8(std::string_view s, size_t i, uint32_t& cp) {
  const auto b0 = static_cast<uint8_t>(s[i]);
  const size_t left = s.size() - i;
  auto at = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (left < 2 || !is_continuation(at(1))) return 0;
    cp = ((b0 & 0x1Fu) << 6) | (at(1) & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 3 || !is_continuation(at(1)) || !is_continuation(at(2))) return 0;
    cp = ((b0 & 0x0Fu) << 12) | ((at(1) & 0x3Fu) << 6) | (at(2) & 0x3Fu);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 4 || !is_continuation(at(1)) || !is_continuation(at(2)) || !is_continuation(at(3))) return 0;
    cp = ((b0 & 0x07u) << 18) | ((at(1) & 0x3Fu) << 12) | ((at(2) & 0x3Fu) << 6) | (at(3) & 0x3Fu);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

committed_offset from_wire(const protocol::offset_commit_value& v, int16_t version) {
  committed_offset out;
  out.offset = v.offset;
  out.leader_epoch = version >= 3 ? v.leader_epoch : -1;
  out.metadata = v.metadata;
  out.commit_timestamp = v.commit_timestamp;
  if (version == 1 && v.expire_timestamp != no_timestamp) out.expire_timestamp = v.expire_timestamp;
  return out;
}

stored_member from_wire(const protocol::group_metadata_value::member_metadata& m, int16_t version) {
  stored_member out;
  out.member_id = m.member_id;
  out.group_instance_id = m.group_instance_id;
  out.client_id = m.client_id;
  out.client_host = m.client_host;
  // v0 had no rebalance timeout: Kafka loads the session timeout in its place.
  out.rebalance_timeout_ms = version == 0 ? m.session_timeout : m.rebalance_timeout;
  out.session_timeout_ms = m.session_timeout;
  out.subscription = m.subscription;
  out.assignment = m.assignment;
  return out;
}

} // namespace

int32_t partition_for_key(std::string_view key, int32_t partitions) {
  // Java int arithmetic: 32-bit two's complement with wrap-around, done on uint32_t (no UB).
  uint32_t h = 0;
  auto add_unit = [&h](uint32_t unit) { h = h * 31u + unit; };
  size_t i = 0;
  while (i < key.size()) {
    uint32_t cp = 0;
    const size_t n = decode_utf8(key, i, cp);
    if (n == 0) {
      // Java's decoder substitutes U+FFFD for ill-formed input; we count one per byte.
      add_unit(replacement_char);
      ++i;
      continue;
    }
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      add_unit(0xD800u + (v >> 10));
      add_unit(0xDC00u + (v & 0x3FFu));
    } else {
      add_unit(cp);
    }
    i += n;
  }
  const auto hash = static_cast<int32_t>(h);
  const int32_t positive = hash == INT32_MIN ? 0 : std::abs(hash);  // Kafka's Utils.abs
  return partitions > 0 ? positive % partitions : 0;
}

// --- encoding ---

bytes encode_offset_commit_key(std::string_view group, const topic_partition& tp) {
  protocol::offset_commit_key k;
  k.group = std::string(group);
  k.topic = tp.topic;
  k.partition = tp.partition;
  return encode_versioned(k, offset_commit_key_version);
}

bytes encode_offset_commit_value(const committed_offset& value) {
  protocol::offset_commit_value v;
  v.offset = value.offset;
  v.leader_epoch = value.leader_epoch;
  v.metadata = value.metadata;
  v.commit_timestamp = value.commit_timestamp;
  v.expire_timestamp = value.expire_timestamp.value_or(no_timestamp);
  const int16_t version = value.expire_timestamp ? offset_commit_value_version_with_expiry : offset_commit_value_version;
  return encode_versioned(v, version);
}

bytes encode_group_metadata_key(std::string_view group) {
  protocol::group_metadata_key k;
  k.group = std::string(group);
  return encode_versioned(k, group_metadata_key_version);
}

bytes encode_group_metadata_value(const stored_group& value) {
  protocol::group_metadata_value v;
  v.protocol_type = value.protocol_type;
  v.generation = value.generation;
  v.protocol = value.protocol;
  v.leader = value.leader;
  v.current_state_timestamp = value.current_state_timestamp;
  v.members.reserve(value.members.size());
  for (const auto& m : value.members) {
    auto& out = v.members.emplace_back();
    out.member_id = m.member_id;
    out.group_instance_id = m.group_instance_id;
    out.client_id = m.client_id;
    out.client_host = m.client_host;
    out.rebalance_timeout = m.rebalance_timeout_ms;
    out.session_timeout = m.session_timeout_ms;
    out.subscription = m.subscription;
    out.assignment = m.assignment;
  }
  return encode_versioned(v, group_metadata_value_version);
}

// --- decoding ---

result<offsets_key> decode_key(bytes_view key) {
  int16_t version = 0;
  auto r = open(key, version);
  if (!r.ok()) return unexpected{malformed()};
  if (version >= protocol::offset_commit_key::min_version && version <= protocol::offset_commit_key::max_version) {
    protocol::offset_commit_key k;
    if (!k.decode(r, version)) return unexpected{malformed()};
    return offsets_key(offset_commit_key{std::move(k.group), topic_partition{std::move(k.topic), k.partition}});
  }
  if (version >= protocol::group_metadata_key::min_version && version <= protocol::group_metadata_key::max_version) {
    protocol::group_metadata_key k;
    if (!k.decode(r, version)) return unexpected{malformed()};
    return offsets_key(group_metadata_key{std::move(k.group)});
  }
  return offsets_key(unknown_key{version});
}

result<committed_offset> decode_offset_commit_value(bytes_view value) {
  int16_t version = 0;
  auto r = open(value, version);
  if (!r.ok()) return unexpected{malformed()};
  protocol::offset_commit_value v;
  if (!v.decode(r, version)) return unexpected{malformed()};  // also refuses unknown versions
  return from_wire(v, version);
}

result<stored_group> decode_group_metadata_value(bytes_view value) {
  int16_t version = 0;
  auto r = open(value, version);
  if (!r.ok()) return unexpected{malformed()};
  protocol::group_metadata_value v;
  if (!v.decode(r, version)) return unexpected{malformed()};
  stored_group out;
  out.protocol_type = std::move(v.protocol_type);
  out.generation = v.generation;
  out.protocol = std::move(v.protocol);
  out.leader = std::move(v.leader);
  out.current_state_timestamp = version >= 2 ? v.current_state_timestamp : -1;
  out.members.reserve(v.members.size());
  for (const auto& m : v.members) out.members.push_back(from_wire(m, version));
  return out;
}

// --- replay ---

void offsets_replay::apply(std::optional<bytes_view> key, std::optional<bytes_view> value) {
  if (!key) {
    ++_skipped;  // Kafka refuses keyless records in this topic
    return;
  }
  auto decoded = decode_key(*key);
  if (!decoded) {
    ++_skipped;
    return;
  }
  if (auto* k = std::get_if<offset_commit_key>(&*decoded)) {
    if (!value) {
      auto g = _state.offsets.find(k->group);
      if (g == _state.offsets.end()) return;
      g->second.erase(k->tp);
      if (g->second.empty()) _state.offsets.erase(g);
      return;
    }
    auto v = decode_offset_commit_value(*value);
    if (!v) {
      ++_skipped;
      return;
    }
    _state.offsets[k->group][k->tp] = std::move(*v);
    return;
  }
  if (auto* k = std::get_if<group_metadata_key>(&*decoded)) {
    if (!value) {
      _state.groups.erase(k->group);
      return;
    }
    auto v = decode_group_metadata_value(*value);
    if (!v) {
      ++_skipped;
      return;
    }
    _state.groups[k->group] = std::move(*v);
    return;
  }
  // unknown_key: a record type of a newer protocol (3.7+ consumer groups); Kafka ignores it too.
}

void offsets_replay::apply_transactional(int64_t producer_id, std::optional<bytes_view> key,
                                         std::optional<bytes_view> value) {
  if (!key) {
    ++_skipped;
    return;
  }
  auto decoded = decode_key(*key);
  if (!decoded) {
    ++_skipped;
    return;
  }
  auto* k = std::get_if<offset_commit_key>(&*decoded);
  if (k == nullptr) {
    apply(key, value);  // only offsets are transactional; anything else applies as written
    return;
  }
  auto& pending = _state.pending_txn_offsets[producer_id][k->group];
  if (!value) {
    pending.erase(k->tp);
    return;
  }
  auto v = decode_offset_commit_value(*value);
  if (!v) {
    ++_skipped;
    return;
  }
  pending[k->tp] = std::move(*v);
}

void offsets_replay::complete_transaction(int64_t producer_id, bool commit) {
  auto it = _state.pending_txn_offsets.find(producer_id);
  if (it == _state.pending_txn_offsets.end()) return;
  if (commit) {
    for (auto& [group, offsets] : it->second) {
      for (auto& [tp, o] : offsets) _state.offsets[group][tp] = std::move(o);
    }
  }
  _state.pending_txn_offsets.erase(it);
}

} // namespace gregor::group
