#pragma once
// Errors from validating client-supplied record batches. The server maps each to a Kafka error
// code in its single mapping table (noted per value).

#include <system_error>

namespace gregor::record {

enum class batch_errc {
  corrupt_message = 1,      // bad CRC, torn batch, unknown magic      -> CORRUPT_MESSAGE (2)
  invalid_record,           // structural problem in header or records -> INVALID_RECORD (87)
  message_too_large,        // batch total size > max_batch_size       -> MESSAGE_TOO_LARGE (10)
  unsupported_magic,        // magic 0/1 (not yet accepted)            -> UNSUPPORTED_FOR_MESSAGE_FORMAT (43)
  unsupported_compression,  // codec id 5-7                            -> UNSUPPORTED_COMPRESSION_TYPE (76)
  record_list_too_large,    // payload > max_payload_size              -> RECORD_LIST_TOO_LARGE (18)
  invalid_timestamp,        // CreateTime outside the allowed window   -> INVALID_TIMESTAMP (32)
};

const std::error_category& batch_error_category();
std::error_code make_error_code(batch_errc e);

} // namespace gregor::record

template <>
struct std::is_error_code_enum<gregor::record::batch_errc> : std::true_type {};
