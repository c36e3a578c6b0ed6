#pragma once
// Private: the producer fields of log entries for producer_state (batch_view.h decodes the header;
// this adds the marker inside a control batch).

#include <cstddef>
#include <optional>

#include "batch_view.h"
#include "gregor/common/bytes.h"
#include "gregor/log/producer_state.h"
#include "gregor/log/segment.h"

namespace gregor::log::detail {

// Enough of a control batch to hold its marker record (61-byte header + a record of at most
// ~30 bytes); replay reads this many bytes of a control batch, not the whole batch.
inline constexpr size_t control_probe_size = 128;

// The marker of a control batch whose first bytes (header included, at least the first record)
// are `batch`; nullopt if it has no record or its key is not an ABORT/COMMIT marker. Control
// batches are never compressed.
std::optional<txn_marker> parse_marker(bytes_view batch);

// The fields of a v2 entry at offsets [first_offset, last_offset]. `batch` holds its first bytes
// (only read for a control batch, see parse_marker).
producer_batch_fields producer_fields(const entry_header& h, int64_t first_offset, int64_t last_offset,
                                      bytes_view batch);
// The same for a batch found in a segment; `probe` holds its first bytes when it is a control batch.
producer_batch_fields producer_fields(const batch_position& b, bytes_view probe);

} // namespace gregor::log::detail
