#include "gregor/replication/error_mapping.h"

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
} // namespace

protocol::error_code to_kafka_error(const std::error_code& e) {
  if (e.category() == record::batch_error_category()) {
    return from_batch_error(static_cast<record::batch_errc>(e.value()));
  }
  return protocol::error_code::unknown_server_error;
}

} // namespace gregor::replication
