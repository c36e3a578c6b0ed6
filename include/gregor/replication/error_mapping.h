#pragma once
// The one place where record-validation errors become Kafka error codes (produce and fetch paths,
// including the legacy-format conversions).

#include <system_error>

#include "gregor/protocol/error_code.h"

namespace gregor::replication {

// Anything that is not a record error becomes UNKNOWN_SERVER_ERROR.
protocol::error_code to_kafka_error(const std::error_code& e);

} // namespace gregor::replication
