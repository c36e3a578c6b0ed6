#include "gregor/coordinator/transaction_log_records.h"

#include <array>
#include <system_error>

#include "gregor/protocol/messages/transaction_log.h"
#include "gregor/protocol/reader.h"
#include "gregor/protocol/writer.h"

namespace gregor::txn {

namespace {

constexpr int16_t key_version = 0;
constexpr int16_t value_version = 0;

constexpr std::array<std::string_view, 8> state_names = {
    "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
};

std::error_code malformed() { return std::make_error_code(std::errc::illegal_byte_sequence); }

// Reads the leading version; the reader copies the (small) record so the replay keeps no log buffer.
protocol::reader open(bytes_view data, int16_t& version) {
  protocol::reader r(shared_bytes::copy_of(data));
  version = r.read_int16();
  return r;
}

} // namespace

std::string_view state_name(txn_state s) {
  const auto i = static_cast<size_t>(s);
  return i < state_names.size() ? state_names[i] : std::string_view("Unknown");
}

std::optional<txn_state> state_from_name(std::string_view name) {
  for (size_t i = 0; i < state_names.size(); ++i) {
    if (state_names[i] == name) return static_cast<txn_state>(i);
  }
  return std::nullopt;
}

bytes encode_txn_key(std::string_view transactional_id) {
  protocol::transaction_log_key k;
  k.transactional_id = std::string(transactional_id);
  iobuf out;
  protocol::writer w(out);
  w.write_int16(key_version);
  k.encode(w, key_version);
  return out.linearize();
}

bytes encode_txn_value(const stored_txn& value) {
  protocol::transaction_log_value v;
  v.producer_id = value.producer_id;
  v.producer_epoch = value.producer_epoch;
  v.transaction_timeout_ms = value.timeout_ms;
  v.transaction_status = static_cast<int8_t>(value.state);
  if (value.state == txn_state::empty) {
    v.transaction_partitions.reset();
  } else {
    std::vector<protocol::transaction_log_value::partitions_schema> topics;
    for (const auto& tp : value.partitions) {
      if (topics.empty() || topics.back().topic != tp.topic) {
        auto& t = topics.emplace_back();
        t.topic = tp.topic;
      }
      topics.back().partition_ids.push_back(tp.partition);
    }
    v.transaction_partitions = std::move(topics);
  }
  v.transaction_last_update_timestamp_ms = value.last_update_ms;
  v.transaction_start_timestamp_ms = value.start_ms;
  iobuf out;
  protocol::writer w(out);
  w.write_int16(value_version);
  v.encode(w, value_version);
  return out.linearize();
}

result<std::string> decode_txn_key(bytes_view key) {
  int16_t version = 0;
  auto r = open(key, version);
  if (!r.ok() || version != key_version) return unexpected{malformed()};
  protocol::transaction_log_key k;
  if (!k.decode(r, version)) return unexpected{malformed()};
  return std::move(k.transactional_id);
}

result<stored_txn> decode_txn_value(bytes_view value) {
  int16_t version = 0;
  auto r = open(value, version);
  if (!r.ok()) return unexpected{malformed()};
  protocol::transaction_log_value v;
  if (!v.decode(r, version)) return unexpected{malformed()};  // also refuses unknown versions
  if (v.transaction_status < 0 || v.transaction_status > static_cast<int8_t>(txn_state::dead)) {
    return unexpected{malformed()};
  }
  stored_txn out;
  out.producer_id = v.producer_id;
  out.producer_epoch = v.producer_epoch;
  out.timeout_ms = v.transaction_timeout_ms;
  out.state = static_cast<txn_state>(v.transaction_status);
  if (v.transaction_partitions) {
    for (const auto& t : *v.transaction_partitions) {
      for (int32_t p : t.partition_ids) out.partitions.insert(topic_partition{t.topic, p});
    }
  }
  out.last_update_ms = v.transaction_last_update_timestamp_ms;
  out.start_ms = v.transaction_start_timestamp_ms;
  return out;
}

void txn_replay::apply(std::optional<bytes_view> key, std::optional<bytes_view> value) {
  if (!key) {
    ++_skipped;
    return;
  }
  auto id = decode_txn_key(*key);
  if (!id) {
    ++_skipped;
    return;
  }
  if (!value) {
    _txns.erase(*id);
    return;
  }
  auto v = decode_txn_value(*value);
  if (!v) {
    ++_skipped;
    return;
  }
  _txns[std::move(*id)] = std::move(*v);
}

} // namespace gregor::txn
