#pragma once
// Broker-side recompression (topic config `compression.type` other than `producer`): a batch
// whose codec differs from the topic's is re-encoded with the topic's codec before it is
// appended, as Kafka's LogValidator does. Only the records block changes: the records themselves
// (offset and timestamp deltas, keys, values, headers) are carried over byte for byte, and every
// header field except attributes' codec bits, batch_length and the CRC is kept (producer id,
// epoch, base sequence, timestamps, transactional bit, ...).
//
// Pure functions; thread-safe on distinct inputs. Decompression is bounded by max_uncompressed,
// so a compression bomb costs at most that much memory and is refused (invalid_record).

#include <cstddef>
#include <optional>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"
#include "gregor/compression/codec.h"
#include "gregor/record/validate.h"

namespace gregor::record {

// Re-encodes the whole v2 batch at the start of `batch` (bytes past its end are ignored) with
// codec `target` (codec::none: uncompressed). Returns the new batch with a recomputed CRC-32C.
// The caller has validated the batch; structural errors are still reported, not trusted:
// corrupt_message (torn frame, bad CRC), unsupported_magic, unsupported_compression (codec id
// 5-7), invalid_record (decompression failed or exceeded max_uncompressed).
result<bytes> recompress_batch(bytes_view batch, compression::codec target, size_t max_uncompressed);

// Applies `target` to a payload that validate_batches accepted (`batches` is its answer).
// Returns nullopt when no batch needs re-encoding (every batch already uses `target`, or is a
// control batch, which is never re-encoded); otherwise the new payload, batches in the same order.
result<std::optional<bytes>> recompress_batches(bytes_view payload, const std::vector<batch_info>& batches,
                                                compression::codec target, size_t max_uncompressed);

} // namespace gregor::record
