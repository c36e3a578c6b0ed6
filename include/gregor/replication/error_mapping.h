#pragma once
// The one place where record-validation and producer-state errors become Kafka error codes
// (produce and fetch paths, including the legacy-format conversions).

#include <optional>
#include <system_error>

#include "gregor/protocol/error_code.h"

namespace gregor::replication {

// Anything that is not a record or producer-state error becomes UNKNOWN_SERVER_ERROR.
protocol::error_code to_kafka_error(const std::error_code& e);

// The Kafka code of a log producer-state refusal (OUT_OF_ORDER_SEQUENCE_NUMBER,
// INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE, TRANSACTION_COORDINATOR_FENCED); nullopt for any
// other error (a storage failure).
std::optional<protocol::error_code> producer_error(const std::error_code& e);

} // namespace gregor::replication
