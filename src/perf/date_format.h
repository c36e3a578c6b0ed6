#pragma once
// Timestamps in Java SimpleDateFormat patterns, for kafka-consumer-perf-test.sh's --date-format
// (default "yyyy-MM-dd HH:mm:ss:SSS"). Supports the fields y, M, d, H, m, s, S (zero-padded to the
// repeat count; "yy" is the two-digit year) and '...' quoted literals; every other character is
// copied as is. Local time zone, as Java's default. Thread-safe.

#include <cstdint>
#include <string>

namespace gregor::perf {

inline constexpr const char* kafka_default_date_format = "yyyy-MM-dd HH:mm:ss:SSS";

std::string format_epoch_ms(int64_t epoch_ms, const std::string& pattern);

} // namespace gregor::perf
