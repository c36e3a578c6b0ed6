#pragma once
// The only code that knows the names of files and directories inside a log dir (leveldb's
// filename.h). Everything here is pure string work: nothing touches the filesystem.
//
// Layout (ON-DISK-FORMAT §1):
//   <log.dir>/.lock, .kafka_cleanshutdown, meta.properties, *-checkpoint
//   <log.dir>/<topic>-<partition>/<20-digit base offset>.{log,index,timeindex,txnindex,snapshot}
//   optional suffixes after the extension: .deleted, .cleaned, .swap
//   <log.dir>/<topic>-<partition>.<32 hex>-delete   (partition awaiting removal)
//   <log.dir>/<topic>-<partition>.<32 hex>-future   (intra-broker move target)

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "gregor/common/topic_partition.h"
#include "gregor/common/uuid.h"

namespace gregor::log::filenames {

// Segment file extensions.
inline constexpr std::string_view log_ext = ".log";
inline constexpr std::string_view offset_index_ext = ".index";
inline constexpr std::string_view time_index_ext = ".timeindex";
inline constexpr std::string_view txn_index_ext = ".txnindex";
inline constexpr std::string_view snapshot_ext = ".snapshot";

// Suffixes appended after an extension.
inline constexpr std::string_view deleted_suffix = ".deleted";  // awaiting async delete
inline constexpr std::string_view cleaned_suffix = ".cleaned";  // cleaner output being written
inline constexpr std::string_view swap_suffix = ".swap";        // cleaned output ready to swap in
inline constexpr std::string_view tmp_suffix = ".tmp";          // checkpoint being written

// Partition directory suffixes.
inline constexpr std::string_view delete_dir_suffix = "-delete";
inline constexpr std::string_view future_dir_suffix = "-future";
inline constexpr std::string_view stray_dir_suffix = "-stray";

// Top-level files of a log dir.
inline constexpr std::string_view lock_file = ".lock";
inline constexpr std::string_view clean_shutdown_file = ".kafka_cleanshutdown";
inline constexpr std::string_view meta_properties_file = "meta.properties";
inline constexpr std::string_view recovery_point_checkpoint_file = "recovery-point-offset-checkpoint";
inline constexpr std::string_view replication_offset_checkpoint_file = "replication-offset-checkpoint";
inline constexpr std::string_view log_start_offset_checkpoint_file = "log-start-offset-checkpoint";
inline constexpr std::string_view cleaner_offset_checkpoint_file = "cleaner-offset-checkpoint";

// Per-partition files.
inline constexpr std::string_view leader_epoch_checkpoint_file = "leader-epoch-checkpoint";
inline constexpr std::string_view partition_metadata_file = "partition.metadata";

inline constexpr size_t max_topic_length = 249;
inline constexpr size_t max_dir_name_length = 255;

// 20-digit zero-padded decimal: 368769 -> "00000000000000368769". Offset must be >= 0.
std::string offset_base_name(int64_t offset);

std::filesystem::path log_file(const std::filesystem::path& dir, int64_t base_offset);
std::filesystem::path offset_index_file(const std::filesystem::path& dir, int64_t base_offset);
std::filesystem::path time_index_file(const std::filesystem::path& dir, int64_t base_offset);
std::filesystem::path txn_index_file(const std::filesystem::path& dir, int64_t base_offset);
std::filesystem::path snapshot_file(const std::filesystem::path& dir, int64_t offset);

// `path` with `suffix` appended to its file name ("x.index" + ".deleted" -> "x.index.deleted").
std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix);

enum class segment_file_kind { log, offset_index, time_index, txn_index, snapshot };

// A parsed file name inside a partition dir.
struct segment_file_name {
  int64_t offset = 0;          // base offset (snapshot: the offset it reflects)
  segment_file_kind kind = segment_file_kind::log;
  std::string_view suffix;     // "", deleted_suffix, cleaned_suffix or swap_suffix
};

// Parses "<20 digits><ext>[<suffix>]". Returns nullopt for any other name (checkpoints, temp
// files, foreign files); callers decide whether to ignore them.
std::optional<segment_file_name> parse_segment_file_name(std::string_view name);

// Kafka's rule: 1..249 chars of [a-zA-Z0-9._-], not "." or "..".
bool is_valid_topic_name(std::string_view topic);

// "<topic>-<partition>".
std::string partition_dir_name(const topic_partition& tp);

enum class partition_dir_kind { live, deleted, future, stray };

struct partition_dir_name_parts {
  topic_partition tp;
  partition_dir_kind kind = partition_dir_kind::live;
};

// Parses a partition directory name: "<topic>-<p>" (split at the LAST '-'), or
// "<topic>-<p>.<32 hex>-delete|-future|-stray". The topic must be valid and the partition a
// non-negative int32 in plain decimal. For -delete dirs the topic may have been truncated.
std::optional<partition_dir_name_parts> parse_partition_dir_name(std::string_view name);

// "<topic>-<p>.<32 lowercase hex of id>-delete", the topic truncated so the name stays <= 255.
std::string delete_dir_name(const topic_partition& tp, const uuid& id);
// Same form with the -future suffix.
std::string future_dir_name(const topic_partition& tp, const uuid& id);

} // namespace gregor::log::filenames
