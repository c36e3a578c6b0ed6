// kafka-dump-log.sh for index files: .index ("offset: N position: P"), .timeindex
// ("timestamp: T offset: N") with Kafka's checks against the .log beside them, and .txnindex.

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "dump_log.h"
#include "dump_log_file.h"
#include "gregor/common/endian.h"
#include "gregor/record/batch_header.h"
#include "gregor/record/legacy.h"
#include "gregor/record/record.h"

namespace gregor::tools {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t offset_entry_size = 8;   // relative offset int32, position int32
constexpr uint64_t time_entry_size = 12;    // timestamp int64, relative offset int32
constexpr uint64_t txn_entry_size = 34;     // version int16, producer id, first, last, LSO int64
// Index files are small (segment.index.bytes, 10 MiB by default); refuse absurd ones rather
// than reading them whole.
constexpr uint64_t max_index_file = uint64_t{1} << 30;

const char* corrupt_index_class = "org.apache.kafka.storage.internals.log.CorruptIndexException";

struct index_entry {
  int64_t key = 0;    // offset (offset index) or timestamp (time index)
  int64_t value = 0;  // position (offset index) or offset (time index)
};

void fatal(std::ostream& err, const std::string& cls, const std::string& message) {
  err << "Exception in thread \"main\" " << cls << ": " << message << "\n";
}

// Reads the whole index file. Entries are all whole entries of the file, as Kafka counts them
// for an index opened read-only (a preallocated, untrimmed index ends with zero entries).
std::optional<std::vector<index_entry>> read_index(const fs::path& path, int64_t base, bool time, uint64_t& length,
                                                   std::ostream& err) {
  std::string error;
  auto file = dump_file_reader::open(path, error);
  if (!file) {
    fatal(err, "java.nio.file.NoSuchFileException", path.string() + " (" + error + ")");
    return std::nullopt;
  }
  length = file->size();
  if (length > max_index_file) {
    fatal(err, corrupt_index_class, "Index file " + fs::absolute(path).string() + " is too large to dump");
    return std::nullopt;
  }
  bytes data;
  if (!file->read(0, length, data)) {
    fatal(err, "java.io.IOException", "cannot read " + path.string());
    return std::nullopt;
  }
  uint64_t size = time ? time_entry_size : offset_entry_size;
  std::vector<index_entry> out;
  out.reserve(length / size);
  for (uint64_t pos = 0; pos + size <= length; pos += size) {
    const uint8_t* p = data.data() + pos;
    if (time) {
      out.push_back({load_be<int64_t>(p), base + load_be<int32_t>(p + 8)});
    } else {
      out.push_back({base + load_be<int32_t>(p), static_cast<int64_t>(load_be<uint32_t>(p + 4))});
    }
  }
  return out;
}

fs::path sibling(const fs::path& path, const char* suffix) {
  std::string name = path.filename().string();
  return path.parent_path() / (name.substr(0, name.find('.')) + suffix);
}

// The first batch at or after `position` in the .log whose last offset is >= `target` (all of
// them when target is min), at most `limit` bytes from `position`. nullopt if none.
std::optional<log_entry> batch_from(const dump_file_reader& log, const fs::path& path, uint64_t position,
                                    uint64_t limit, int64_t target) {
  uint64_t end = limit > log.size() - std::min(position, log.size()) ? log.size() : position + limit;
  std::string error;
  while (true) {
    log_entry e;
    if (read_log_entry(log, path, position, end, e, error) != entry_status::ok) return std::nullopt;
    int64_t last = e.offset;
    if (e.magic >= 2) {
      auto h = record::parse_batch_header(e.data);
      if (h) last = h->last_offset();
    }
    if (last >= target) return e;
    position += e.total_size();
  }
}

int64_t last_offset_of(const log_entry& e) {
  if (e.magic >= 2) {
    if (auto h = record::parse_batch_header(e.data)) return h->last_offset();
  }
  return e.offset;
}

// Largest record timestamp in the entry (Kafka iterates the records), -1 if none or unreadable.
int64_t max_record_timestamp(const log_entry& e) {
  int64_t max_ts = record::no_timestamp;
  if (e.magic >= 2) {
    auto records = record::decode_records(e.data);
    if (records) {
      for (const auto& r : *records) max_ts = std::max(max_ts, r.timestamp);
    }
  } else if (auto messages = record::decode_legacy_set(e.data)) {
    for (const auto& m : *messages) max_ts = std::max(max_ts, m.timestamp);
  }
  return max_ts;
}

void add_pair(std::vector<std::pair<std::string, dump_state::pairs>>& where, const std::string& file, int64_t a,
              int64_t b) {
  for (auto& [name, list] : where) {
    if (name == file) {
      list.emplace_back(a, b);
      return;
    }
  }
  where.push_back({file, {{a, b}}});
}

} // namespace

bool dump_offset_index(const std::string& path_text, const dump_options& opt, dump_state& state, std::ostream& out,
                       std::ostream& err) {
  fs::path path(path_text);
  auto base = base_offset_of(path);
  if (!base) {
    fatal(err, "java.lang.NumberFormatException", "For input string: \"" + path.filename().string() + "\"");
    return false;
  }
  fs::path log_path = sibling(path, ".log");
  std::string error;
  auto log = dump_file_reader::open(log_path, error);
  if (!log) {
    fatal(err, "java.nio.file.NoSuchFileException", log_path.string());
    return false;
  }
  uint64_t length = 0;
  auto entries = read_index(path, *base, false, length, err);
  if (!entries) return false;
  if (entries->empty()) {
    out << path_text << " is empty.\n";
    return true;
  }
  std::string abs = fs::absolute(path).string();
  if (opt.index_sanity_check) {
    int64_t last = entries->back().key;
    if (last < *base) {
      fatal(err, corrupt_index_class, "Corrupt index found, index file (" + abs +
                                          ") has non-zero size but the last offset is " + std::to_string(last) +
                                          " which is less than the base offset " + std::to_string(*base) + ".");
      return false;
    }
    if (length % offset_entry_size != 0) {
      fatal(err, corrupt_index_class, "Index file " + abs + " is corrupt, found " + std::to_string(length) +
                                          " bytes which is neither positive nor a multiple of 8.");
      return false;
    }
    out << path_text << " passed sanity check.\n";
    return true;
  }
  for (size_t i = 0; i < entries->size(); ++i) {
    const auto& entry = (*entries)[i];
    // A preallocated index holds zero entries after the real ones (e.g. after a crash).
    if (entry.key == *base && i > 0) break;
    auto batch = batch_from(*log, log_path, static_cast<uint64_t>(entry.value),
                            static_cast<uint64_t>(std::max<int64_t>(opt.max_message_size, 0)),
                            std::numeric_limits<int64_t>::min());
    int64_t found = batch ? last_offset_of(*batch) : -1;
    if (found != entry.key) add_pair(state.index_mismatches, abs, entry.key, found);
    if (!opt.verify_index_only) out << "offset: " << entry.key << " position: " << entry.value << "\n";
  }
  return true;
}

bool dump_time_index(const std::string& path_text, const dump_options& opt, dump_state& state, std::ostream& out,
                     std::ostream& err) {
  fs::path path(path_text);
  auto base = base_offset_of(path);
  if (!base) {
    fatal(err, "java.lang.NumberFormatException", "For input string: \"" + path.filename().string() + "\"");
    return false;
  }
  fs::path log_path = sibling(path, ".log");
  std::string error;
  auto log = dump_file_reader::open(log_path, error);
  if (!log) {
    fatal(err, "java.nio.file.NoSuchFileException", log_path.string());
    return false;
  }
  uint64_t length = 0;
  uint64_t offset_length = 0;
  auto entries = read_index(path, *base, true, length, err);
  if (!entries) return false;
  std::vector<index_entry> offsets;
  if (fs::exists(sibling(path, ".index"))) {
    auto o = read_index(sibling(path, ".index"), *base, false, offset_length, err);
    if (!o) return false;
    offsets = std::move(*o);
  }
  std::string abs = fs::absolute(path).string();
  if (opt.index_sanity_check) {
    if (!entries->empty()) {
      int64_t last_ts = entries->back().key;
      int64_t last_offset = entries->back().value;
      if (last_ts < entries->front().key) {
        fatal(err, corrupt_index_class, "Corrupt time index found, time index file (" + abs +
                                            ") has non-zero size but the last timestamp is " + std::to_string(last_ts) +
                                            " which is less than the first timestamp " +
                                            std::to_string(entries->front().key));
        return false;
      }
      if (last_offset < *base) {
        fatal(err, corrupt_index_class, "Corrupt time index found, time index file (" + abs +
                                            ") has non-zero size but the last offset is " + std::to_string(last_offset) +
                                            " which is less than the first offset " + std::to_string(*base));
        return false;
      }
    }
    if (length % time_entry_size != 0) {
      fatal(err, corrupt_index_class, "Time index file " + abs + " is corrupt, found " + std::to_string(length) +
                                          " bytes which is neither positive nor a multiple of 12.");
      return false;
    }
    out << path_text << " passed sanity check.\n";
    return true;
  }
  // The offset index entries that are real (stop at the preallocated zeros).
  size_t real_offsets = 0;
  while (real_offsets < offsets.size() && !(real_offsets > 0 && offsets[real_offsets].key == *base)) ++real_offsets;
  int64_t previous_ts = record::no_timestamp;
  for (size_t i = 0; i < entries->size(); ++i) {
    const auto& entry = (*entries)[i];
    if (entry.value == *base && i > 0) break;
    // Offset index lookup: the largest entry whose offset <= the target, else the segment start.
    uint64_t position = 0;
    for (size_t j = 0; j < real_offsets && offsets[j].key <= entry.value; ++j) {
      position = static_cast<uint64_t>(offsets[j].value);
    }
    auto batch = batch_from(*log, log_path, position, std::numeric_limits<uint64_t>::max(), entry.value);
    if (!batch) {
      add_pair(state.time_offset_not_found, abs, entry.value, -1);
    } else if (last_offset_of(*batch) != entry.value) {
      add_pair(state.time_offset_not_found, abs, entry.value, last_offset_of(*batch));
    } else {
      int64_t max_ts = max_record_timestamp(*batch);
      if (max_ts != entry.key) add_pair(state.time_mismatches, abs, entry.key, max_ts);
      if (previous_ts >= entry.key) add_pair(state.time_out_of_order, abs, entry.key, previous_ts);
    }
    if (!opt.verify_index_only) out << "timestamp: " << entry.key << " offset: " << entry.value << "\n";
    previous_ts = entry.key;
  }
  return true;
}

bool dump_txn_index(const std::string& path_text, std::ostream& out, std::ostream& err) {
  std::string error;
  auto file = dump_file_reader::open(path_text, error);
  if (!file) {
    fatal(err, "java.nio.file.NoSuchFileException", path_text + " (" + error + ")");
    return false;
  }
  bytes entry;
  for (uint64_t pos = 0; pos + txn_entry_size <= file->size(); pos += txn_entry_size) {
    if (!file->read(pos, txn_entry_size, entry)) break;
    const uint8_t* p = entry.data();
    out << "version: " << load_be<int16_t>(p) << " producerId: " << load_be<int64_t>(p + 2)
        << " firstOffset: " << load_be<int64_t>(p + 10) << " lastOffset: " << load_be<int64_t>(p + 18)
        << " lastStableOffset: " << load_be<int64_t>(p + 26) << "\n";
  }
  return true;
}

bool dump_file(const std::string& path, const dump_options& options, dump_state& state, std::ostream& out,
               std::ostream& err) {
  out << "Dumping " << path << "\n";
  std::string name = fs::path(path).filename().string();
  auto dot = name.rfind('.');
  std::string suffix = dot == std::string::npos ? "" : name.substr(dot);
  if (suffix == ".log") return dump_log_segment(path, options, state, out, err);
  if (suffix == ".index") return dump_offset_index(path, options, state, out, err);
  if (suffix == ".timeindex") return dump_time_index(path, options, state, out, err);
  if (suffix == ".txnindex") return dump_txn_index(path, out, err);
  err << "Ignoring unknown file " << path << "\n";
  return true;
}

void print_dump_problems(const dump_state& state, std::ostream& err) {
  // Kafka prepends to its lists, so each list comes out newest first.
  for (const auto& [file, list] : state.index_mismatches) {
    err << "Mismatches in :" << file << "\n";
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
      err << "  Index offset: " << it->first << ", log offset: " << it->second << "\n";
    }
  }
  for (const auto& [file, list] : state.time_mismatches) {
    err << "Found timestamp mismatch in :" << file << "\n";
    for (const auto& [a, b] : list) err << "  Index timestamp: " << a << ", log timestamp: " << b << "\n";
  }
  for (const auto& [file, list] : state.time_out_of_order) {
    err << "Found out of order timestamp in :" << file << "\n";
    for (const auto& [a, b] : list) err << "  Index timestamp: " << a << ", Previously indexed timestamp: " << b << "\n";
  }
  for (const auto& [file, list] : state.time_offset_not_found) {
    err << "The following indexed offsets are not found in the log.\n";
    for (const auto& [a, b] : list) err << "Indexed offset: " << a << ", found log offset: " << b << "\n";
  }
  for (const auto& [file, list] : state.non_consecutive) {
    err << "Non-consecutive offsets in " << file << "\n";
    for (auto it = list.rbegin(); it != list.rend(); ++it) err << "  " << it->first << " is followed by " << it->second << "\n";
  }
}

} // namespace gregor::tools
