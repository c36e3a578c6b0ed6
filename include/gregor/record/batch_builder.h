#pragma once
// Builds one RecordBatch v2 the way Kafka's producer does: offset deltas 0..n-1, timestamp deltas
// from the first record's timestamp, records compressed as one block, CRC-32C over [21, end).
// Used by our client tools, coordinators writing their internal topics, and tests.
//
// Not thread-safe; one builder per batch. build() may be called more than once (each call encodes
// the records added so far).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/compression/codec.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/record.h"

namespace gregor::record {

class batch_builder {
public:
  explicit batch_builder(compression::codec c = compression::codec::none, int64_t base_offset = 0);

  // Appends a record; bytes are copied. nullopt key/value encode as null (-1 length).
  void add(int64_t timestamp, std::optional<bytes_view> key, std::optional<bytes_view> value,
           const std::vector<header>& headers = {});

  // Idempotent/transactional producer fields (defaults -1, -1, -1).
  void set_producer(int64_t id, int16_t epoch, int32_t base_sequence);
  void set_transactional(bool on);
  // Marks the batch as a control batch (transaction marker); see control.h for the records.
  void set_control(bool on);
  void set_partition_leader_epoch(int32_t epoch);
  // Builds with the LogAppendTime bit set and max_timestamp = ts.
  void set_log_append_time(int64_t ts);

  size_t record_count() const { return _record_count; }
  // Header plus uncompressed record bytes: an upper bound for codec none, a rough estimate
  // otherwise (compression only shrinks in practice).
  size_t estimated_size() const { return batch_header_size + _records.size(); }

  // Encodes the batch. Compression failures cannot happen for valid codecs; if one does the
  // records are stored uncompressed with codec none rather than producing an invalid batch.
  bytes build();

private:
  compression::codec _codec;
  int64_t _base_offset;
  int32_t _partition_leader_epoch = -1;
  int64_t _producer_id = -1;
  int16_t _producer_epoch = -1;
  int32_t _base_sequence = -1;
  bool _transactional = false;
  bool _control = false;
  std::optional<int64_t> _log_append_time;
  int64_t _base_timestamp = -1;
  int64_t _max_timestamp = -1;
  size_t _record_count = 0;
  bytes _records;  // encoded records, uncompressed
};

} // namespace gregor::record
