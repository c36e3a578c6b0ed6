#include "gregor/replication/error_mapping.h"

#include "gregor/log/errc.h"
#include "gregor/record/errc.h"

namespace gregor::replication {

namespace {
protocol::error_code from_batch_error(record::batch_errc e) {
  using protocol::error_code;
  switch (e) {
    case record::batch_errc::corrupt_message: return error_code::corrupt_message;
    case record::batch_errc::invalid_record: return error_code::invalid_record;
    case record::batch_errc::message_too_large: return error_code::message_too_large;
    // Produce v3+ carries only RecordBatch v2; Kafka answers another magic with INVALID_RECORD.
    case record::batch_errc::unsupported_magic: return error_code::invalid_record;
    case record::batch_errc::unsupported_compression: return error_code::unsupported_compression_type;
    case record::batch_errc::record_list_too_large: return error_code::record_list_too_large;
    case record::batch_errc::invalid_timestamp: return error_code::invalid_timestamp;
  }
  return error_code::unknown_server_error;
}

std::optional<protocol::error_code> from_producer_error(log::errc e) {
  using protocol::error_code;
  switch (e) {
    case log::errc::out_of_order_sequence: return error_code::out_of_order_sequence_number;
    case log::errc::invalid_producer_epoch: return error_code::invalid_producer_epoch;
    case log::errc::invalid_txn_state: return error_code::invalid_txn_state;
    case log::errc::coordinator_fenced: return error_code::transaction_coordinator_fenced;
    default: return std::nullopt;
  }
}
} // namespace

std::optional<protocol::error_code> producer_error(const std::error_code& e) {
  if (e.category() != log::log_category()) return std::nullopt;
  return from_producer_error(static_cast<log::errc>(e.value()));
}

protocol::error_code to_kafka_error(const std::error_code& e) {
  if (e.category() == record::batch_error_category()) {
    return from_batch_error(static_cast<record::batch_errc>(e.value()));
  }
  if (auto p = producer_error(e)) return *p;
  return protocol::error_code::unknown_server_error;
}

} // namespace gregor::replication
