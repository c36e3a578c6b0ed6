#pragma once
// The pure parts of kafka-consumer-groups --reset-offsets / --delete-offsets: argument parsing
// (topic:partitions, ISO-8601 date-times and durations, the CSV plan of --from-file) and the
// clamping of requested offsets into a partition's [log start, log end]. No I/O; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gregor/common/topic_partition.h"

namespace gregor::tools {

// "topic" (partitions empty: every partition) or "topic:0,1,2". nullopt with `error` set to
// Kafka's message ("Invalid topic arg 't:', expected topic name and partitions", "Invalid
// partition 'x' specified in topic arg 't:x''") when it does not parse.
struct topic_arg {
  std::string topic;
  std::vector<int32_t> partitions;
};
std::optional<topic_arg> parse_topic_arg(std::string_view text, std::string& error);

// --to-datetime: "YYYY-MM-DDTHH:mm:SS[.sss][zone]" with zone "Z", "+hh:mm", "+hhmm" or "+hh"
// (also "-"); without a zone the time is UTC, as Kafka's Utils.getDateTime reads it. Returns
// milliseconds since the epoch.
std::optional<int64_t> parse_reset_datetime(std::string_view text);

// --by-duration: Java's Duration.parse format "[-]PnDTnHnMn[.n]S" (letters case-insensitive, each
// number may carry a sign; at least one part). Returns milliseconds.
std::optional<int64_t> parse_iso_duration_ms(std::string_view text);

// Kafka's checkOffsetsRange: above the log end -> the log end; below the log start -> the log
// start; unknown bounds leave the offset as requested.
int64_t clamp_offset(int64_t requested, std::optional<int64_t> log_start, std::optional<int64_t> log_end);

// --from-file: lines "topic,partition,offset" (only when exactly one group is named: they belong
// to `single_group`) or "group,topic,partition,offset". Blank lines are skipped. nullopt with
// `error` set on a malformed line.
using reset_plan = std::map<std::string, std::map<topic_partition, int64_t>>;
std::optional<reset_plan> parse_reset_csv(std::string_view text, const std::optional<std::string>& single_group,
                                          std::string& error);

} // namespace gregor::tools
