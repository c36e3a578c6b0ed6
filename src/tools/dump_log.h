#pragma once
// kafka-dump-log.sh (Kafka's DumpLogSegments): prints the contents of segment files read straight
// from disk, offline. `.log` files give one line per batch (and one per record with deep
// iteration), `.index`/`.timeindex` one line per entry, `.txnindex` one line per aborted
// transaction. Output strings follow Kafka's tool so that scripts parsing it keep working.
//
// Corrupt or truncated input never crashes the tool: every length read from a file is checked
// against the bytes that remain before anything is allocated. Where Kafka's tool dies with an
// exception (a record size below the minimum, a failed index sanity check) we print the same
// message prefixed "Exception in thread "main" <class>: " on stderr and stop (exit code 1).
//
// Not thread-safe (one dump at a time per dump_state); no global state.

#include <cstdint>
#include <iosfwd>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace gregor::tools {

struct dump_options {
  bool print_data_log = false;   // --print-data-log (implies deep_iteration)
  bool deep_iteration = false;   // --deep-iteration
  bool index_sanity_check = false;
  bool verify_index_only = false;
  bool skip_record_metadata = false;
  int64_t max_message_size = 5 * 1024 * 1024;  // --max-message-size (index checks)
  int64_t max_bytes = std::numeric_limits<int32_t>::max();  // --max-bytes (.log files)
};

// Problems noticed while dumping, printed to stderr after all files (as Kafka does).
struct dump_state {
  using pairs = std::vector<std::pair<int64_t, int64_t>>;
  std::vector<std::pair<std::string, pairs>> index_mismatches;      // (index offset, log offset)
  std::vector<std::pair<std::string, pairs>> non_consecutive;       // (offset, next offset)
  std::vector<std::pair<std::string, pairs>> time_mismatches;       // (index ts, log ts)
  std::vector<std::pair<std::string, pairs>> time_out_of_order;     // (index ts, previous ts)
  std::vector<std::pair<std::string, pairs>> time_offset_not_found; // (index offset, log offset)
};

// Dumps one file, choosing by its suffix. Returns false after a fatal error (already printed to
// `err`); the caller then stops, as Kafka's tool does when it throws.
bool dump_file(const std::string& path, const dump_options& options, dump_state& state, std::ostream& out,
               std::ostream& err);

// The end-of-run report of `state` (mismatches, non-consecutive offsets) on `err`.
void print_dump_problems(const dump_state& state, std::ostream& err);

// Implementation parts (dump_log_segment.cc, dump_log_index.cc).
bool dump_log_segment(const std::string& path, const dump_options& options, dump_state& state, std::ostream& out,
                      std::ostream& err);
bool dump_offset_index(const std::string& path, const dump_options& options, dump_state& state, std::ostream& out,
                       std::ostream& err);
bool dump_time_index(const std::string& path, const dump_options& options, dump_state& state, std::ostream& out,
                     std::ostream& err);
bool dump_txn_index(const std::string& path, std::ostream& out, std::ostream& err);

} // namespace gregor::tools
