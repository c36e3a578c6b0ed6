// kafka-dump-log.sh for .log files: Kafka's batch-level line per entry and, with deep iteration,
// one "| offset: ..." line per record.

#include <algorithm>
#include <filesystem>
#include <limits>
#include <ostream>
#include <string>

#include "dump_log.h"
#include "dump_log_file.h"
#include "gregor/common/crc32c.h"
#include "gregor/common/endian.h"
#include "gregor/compression/codec.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/control.h"
#include "gregor/record/legacy.h"
#include "gregor/record/record.h"

namespace gregor::tools {

namespace {

namespace fs = std::filesystem;
using record::batch_header;

// Kafka's DefaultRecordBatch.incrementSequence: sequences wrap at INT32_MAX back to 0.
int32_t increment_sequence(int32_t sequence, int32_t increment) {
  if (sequence > std::numeric_limits<int32_t>::max() - increment) {
    return increment - (std::numeric_limits<int32_t>::max() - sequence) - 1;
  }
  return sequence + increment;
}

std::string codec_text(int id) {
  auto c = compression::codec_from_id(id);
  return c ? std::string(compression::codec_name(*c)) : "unknown(" + std::to_string(id) + ")";
}

const char* timestamp_type(int8_t magic, bool log_append_time) {
  if (magic == 0) return "NoTimestampType";
  return log_append_time ? "LogAppendTime" : "CreateTime";
}

// A legacy message's CRC-32 (IEEE) covers the magic byte to the end of the message.
uint32_t crc32_ieee_of_message(bytes_view entry) {
  return crc32_ieee(entry.subspan(record::legacy_magic_offset));
}

void note_offset(dump_state::pairs& gaps, int64_t& last_offset, int64_t offset) {
  if (last_offset != -1 && offset != last_offset + 1) gaps.emplace_back(last_offset, offset);
  last_offset = offset;
}

void print_payload(std::ostream& out, const std::optional<bytes>& key, const std::optional<bytes>& value,
                   std::string prefix) {
  // The default StringDecoder prints the bytes as UTF-8 text.
  if (key) {
    out << prefix << "key: " << as_string_view(*key);
    prefix = " ";
  }
  if (value) out << " payload: " << as_string_view(*value);
}

// A v2 batch. Returns false on a fatal record error (printed to err).
bool dump_v2_batch(const log_entry& e, const dump_file_reader& file, uint64_t valid_bytes, const dump_options& opt,
                   dump_state::pairs& gaps, int64_t& last_offset, std::ostream& out, std::ostream& err) {
  bytes header_bytes;
  bytes_view header_view = e.data;
  if (e.data.size() < record::batch_header_size) {
    // Kafka reads the 61-byte header from the file whatever the batch claims.
    if (!file.read(e.position, record::batch_header_size, header_bytes)) {
      err << "Exception in thread \"main\" org.apache.kafka.common.KafkaException: Failed to load record batch "
             "header at position " << e.position << "\n";
      return false;
    }
    header_view = header_bytes;
  }
  // Magic 3..127 (garbage): Kafka still reads the v2 layout; parse a copy that claims magic 2.
  bytes as_v2(header_view.begin(), header_view.begin() + record::batch_header_size);
  as_v2[record::magic_offset] = static_cast<uint8_t>(record::current_magic);
  batch_header h = *record::parse_batch_header(as_v2);
  h.magic = e.magic;
  bool whole_header = e.data.size() >= record::batch_header_size;
  bool valid = whole_header && e.magic == record::current_magic && record::compute_crc(e.data) == h.crc;
  int32_t last_sequence =
      h.base_sequence == record::no_sequence ? record::no_sequence : increment_sequence(h.base_sequence, h.last_offset_delta);
  out << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset() << " count: " << h.record_count
      << " baseSequence: " << h.base_sequence << " lastSequence: " << last_sequence << " producerId: " << h.producer_id
      << " producerEpoch: " << h.producer_epoch << " partitionLeaderEpoch: " << h.partition_leader_epoch
      << " isTransactional: " << (h.is_transactional() ? "true" : "false")
      << " isControl: " << (h.is_control() ? "true" : "false") << " deleteHorizonMs: ";
  if (h.has_delete_horizon()) {
    out << "OptionalLong[" << h.base_timestamp << "]";
  } else {
    out << "OptionalLong.empty";
  }
  out << " position: " << valid_bytes << " " << timestamp_type(2, h.log_append_time()) << ": " << h.max_timestamp
      << " size: " << e.total_size() << " magic: " << int(h.magic)
      << " compresscodec: " << codec_text(h.attributes & record::codec_mask) << " crc: " << h.crc
      << " isvalid: " << (valid ? "true" : "false") << "\n";
  if (!opt.deep_iteration || !whole_header) return true;
  if (e.magic != record::current_magic) {
    err << "Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: Record batch at "
           "position " << valid_bytes << " has magic " << int(e.magic) << ", which is not supported\n";
    return false;
  }

  // Kafka's iterator does not check the CRC while reading records; decode a copy whose CRC is
  // made to match so that a batch with a flipped payload bit still shows its records.
  bytes patched;
  bytes_view batch = e.data;
  if (!valid) {
    patched = e.data;
    store_be<uint32_t>(patched.data() + record::crc_offset, record::compute_crc(patched));
    batch = patched;
  }
  auto records = record::decode_records(batch);
  if (!records) {
    err << "Exception in thread \"main\" org.apache.kafka.common.InvalidRecordException: cannot read the records "
           "of the batch at position " << valid_bytes << " (base offset " << h.base_offset
        << "): " << records.error().message() << "\n";
    return false;
  }
  const char* ts_type = timestamp_type(2, h.log_append_time());
  for (const auto& r : *records) {
    note_offset(gaps, last_offset, r.offset);
    std::string prefix = "| ";
    if (!opt.skip_record_metadata) {
      auto delta = static_cast<int32_t>(r.offset - h.base_offset);
      int32_t sequence = h.base_sequence >= 0 ? increment_sequence(h.base_sequence, delta) : record::no_sequence;
      out << prefix << "offset: " << r.offset << " " << ts_type << ": " << r.timestamp
          << " keySize: " << (r.key ? static_cast<int64_t>(r.key->size()) : -1)
          << " valueSize: " << (r.value ? static_cast<int64_t>(r.value->size()) : -1) << " sequence: " << sequence
          << " headerKeys: [";
      for (size_t i = 0; i < r.headers.size(); ++i) out << (i > 0 ? "," : "") << r.headers[i].key;
      out << "]";
      prefix = " ";
      if (h.is_control()) {
        auto marker = record::parse_end_txn_marker(r);
        if (marker) {
          out << " endTxnMarker: " << (marker->type == record::control_type::commit ? "COMMIT" : "ABORT")
              << " coordinatorEpoch: " << marker->coordinator_epoch;
        } else {
          int type_id = r.key && r.key->size() >= 4 ? load_be<int16_t>(r.key->data() + 2) : -1;
          out << " controlType: UNKNOWN(" << type_id << ")";
        }
      }
    }
    if (opt.print_data_log && !h.is_control()) print_payload(out, r.key, r.value, prefix);
    out << "\n";
  }
  return true;
}

// A legacy (magic 0/1) entry: "offset: N position: ..." and, deep, its messages.
bool dump_legacy_entry(const log_entry& e, uint64_t valid_bytes, const dump_options& opt, dump_state::pairs& gaps,
                       int64_t& last_offset, std::ostream& out, std::ostream& err) {
  const auto& d = e.data;
  uint32_t crc = load_be<uint32_t>(d.data() + record::legacy_crc_offset);
  int8_t attributes = static_cast<int8_t>(d[record::legacy_attributes_offset]);
  bool log_append = e.magic == 1 && (attributes & record::legacy_timestamp_type_bit) != 0;
  int64_t timestamp = record::no_timestamp;
  if (e.magic == 1 && d.size() >= record::legacy_timestamp_offset + 8) {
    timestamp = load_be<int64_t>(d.data() + record::legacy_timestamp_offset);
  }
  bool valid = crc32_ieee_of_message(d) == crc;
  out << "offset: " << e.offset << " position: " << valid_bytes << " " << timestamp_type(e.magic, log_append) << ": "
      << timestamp << " size: " << e.total_size() << " magic: " << int(e.magic)
      << " compresscodec: " << codec_text(attributes & record::legacy_codec_mask) << " crc: " << crc
      << " isvalid: " << (valid ? "true" : "false") << "\n";
  if (!opt.deep_iteration) return true;
  auto messages = record::decode_legacy_set(d);
  if (!messages) {
    err << "Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: cannot read the "
           "message at position " << valid_bytes << ": " << messages.error().message() << "\n";
    return false;
  }
  bool plain = (attributes & record::legacy_codec_mask) == 0;
  for (const auto& m : *messages) {
    note_offset(gaps, last_offset, m.offset);
    std::string prefix = "| ";
    if (!opt.skip_record_metadata) {
      out << prefix << "offset: " << m.offset << " " << timestamp_type(m.magic, m.log_append_time) << ": "
          << m.timestamp << " keySize: " << (m.key ? static_cast<int64_t>(m.key->size()) : -1)
          << " valueSize: " << (m.value ? static_cast<int64_t>(m.value->size()) : -1);
      // The checksum of an inner message of a compressed set is not kept by the decoder.
      if (plain) out << " isValid: " << (valid ? "true" : "false") << " crc: " << crc << "}";
      prefix = " ";
    }
    if (opt.print_data_log) print_payload(out, m.key, m.value, prefix);
    out << "\n";
  }
  return true;
}

} // namespace

bool dump_log_segment(const std::string& path_text, const dump_options& opt, dump_state& state, std::ostream& out,
                      std::ostream& err) {
  fs::path path(path_text);
  auto base = base_offset_of(path);
  if (!base) {
    err << "Exception in thread \"main\" java.lang.NumberFormatException: For input string: \""
        << path.filename().string().substr(0, path.filename().string().find('.')) << "\"\n";
    return false;
  }
  out << "Log starting offset: " << *base << "\n";
  std::string error;
  auto file = dump_file_reader::open(path, error);
  if (!file) {
    err << "Exception in thread \"main\" java.nio.file.NoSuchFileException: " << path_text << " (" << error << ")\n";
    return false;
  }
  uint64_t end = std::min<uint64_t>(file->size(), static_cast<uint64_t>(std::max<int64_t>(opt.max_bytes, 0)));
  uint64_t valid_bytes = 0;
  int64_t last_offset = -1;
  dump_state::pairs gaps;
  bool ok = true;
  while (ok) {
    log_entry e;
    auto status = read_log_entry(*file, path, valid_bytes, end, e, error);
    if (status == entry_status::end) break;
    if (status == entry_status::corrupt) {
      err << "Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: " << error << "\n";
      ok = false;
      break;
    }
    if (e.magic >= 2) {
      ok = dump_v2_batch(e, *file, valid_bytes, opt, gaps, last_offset, out, err);
    } else if (e.magic >= 0) {
      ok = dump_legacy_entry(e, valid_bytes, opt, gaps, last_offset, out, err);
    } else {
      err << "Exception in thread \"main\" org.apache.kafka.common.errors.CorruptRecordException: Invalid magic "
             "found in record: " << int(e.magic) << "\n";
      ok = false;
    }
    if (ok) valid_bytes += e.total_size();
  }
  if (!gaps.empty()) state.non_consecutive.emplace_back(fs::absolute(path).string(), std::move(gaps));
  if (!ok) return false;
  uint64_t trailing = end - valid_bytes;
  if (trailing > 0 && opt.max_bytes == std::numeric_limits<int32_t>::max()) {
    out << "Found " << trailing << " invalid bytes at the end of " << path.filename().string() << "\n";
  }
  return true;
}

} // namespace gregor::tools
