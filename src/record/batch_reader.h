#pragma once
// Private: the batch-level checks shared by validate_batches and decode_records, in the order
// Kafka applies them, so both report the same error for the same bytes.

#include <cstddef>
#include <system_error>

#include "gregor/common/bytes.h"
#include "gregor/record/batch_header.h"

namespace gregor::record::detail {

// Reads the batch at the start of `rest`: enough bytes for the length and magic, magic == 2
// (0/1 -> unsupported_magic, anything else -> corrupt_message), batch_length >= 49 and within
// `rest` (else corrupt_message). On success `h` holds the header and h.total_size() <= rest.size().
std::error_code read_frame(bytes_view rest, batch_header& h);

// CRC-32C (corrupt_message) and codec id (unsupported_compression). `whole` = exactly the batch.
std::error_code check_integrity(bytes_view whole, const batch_header& h);

// Header fields against the record count (invalid_record). from_client: the producer rules
// (no control batches, count >= 1, last_offset_delta == count - 1, sequence with producer id).
std::error_code check_header_fields(const batch_header& h, bool from_client);

// The records area of `whole`, decompressed into `scratch` when the batch is compressed (bound:
// max_uncompressed; any decompression failure is invalid_record). The view points into `whole`
// or `scratch`.
std::error_code records_area(bytes_view whole, const batch_header& h, size_t max_uncompressed, bytes& scratch,
                             bytes_view& area);

} // namespace gregor::record::detail
