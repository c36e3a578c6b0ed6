#pragma once
// kafka-log-dirs.sh output: the JSON line Kafka's LogDirsCommand prints, built from the
// DescribeLogDirs answers of each queried broker. Pure functions; thread-safe.

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "gregor/protocol/messages/describe_log_dirs.h"

namespace gregor::tools {

// {"version":1,"brokers":[{"broker":B,"logDirs":[{"logDir":D,"error":null|"<exception class>",
// "partitions":[{"partition":"t-0","size":N,"offsetLag":0,"isFuture":false}]}]}]}
// Brokers in id order; partitions only of `topics` (all when empty).
std::string format_log_dirs_json(const std::map<int32_t, protocol::describe_log_dirs_response>& by_broker,
                                 const std::set<std::string>& topics);

// The Java exception class Kafka's admin client reports for a log dir error code
// (KAFKA_STORAGE_ERROR -> org.apache.kafka.common.errors.KafkaStorageException, ...).
std::string log_dir_error_class(int16_t error_code);

} // namespace gregor::tools
