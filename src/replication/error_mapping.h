#pragma once
// The one place where module errors become Kafka error codes on the produce and fetch paths.

#include <system_error>

#include "gregor/protocol/error_code.h"

namespace gregor::replication {

protocol::error_code to_kafka_error(const std::error_code& e);

} // namespace gregor::replication
