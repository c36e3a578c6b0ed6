#pragma once
// Private: sequential reading of a sealed segment's entries from its shared descriptor, off the
// partition strand (sealed segments are immutable; the descriptor stays valid after a rename).
// Reads in large chunks so a segment costs a few preads, not one per batch.

#include <cstdint>
#include <memory>
#include <optional>

#include "batch_view.h"
#include "gregor/common/bytes.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/result.h"
#include "gregor/log/cleaner/io_throttle.h"

namespace gregor::log::cleaner_detail {

struct scanned_entry {
  detail::entry_header header;
  uint64_t position = 0;
  bytes_view data;  // the whole entry; valid until the next call to next()
};

class segment_scan {
public:
  // `throttle` (may be null) is charged for every byte read.
  segment_scan(std::shared_ptr<const file_descriptor> file, uint64_t size, io_throttle* throttle = nullptr)
    : _file(std::move(file)), _size(size), _throttle(throttle) {}

  // The next entry, nullopt at the end. errc::corrupt_log for an entry that does not decode or
  // runs past the segment's size.
  result<std::optional<scanned_entry>> next();
  bool at_end() const { return _pos >= _size; }

private:
  result<void> fill(uint64_t from, uint64_t want);

  std::shared_ptr<const file_descriptor> _file;
  uint64_t _size;
  io_throttle* _throttle;
  uint64_t _pos = 0;
  bytes _buf;
  uint64_t _buf_start = 0;  // file position of _buf[0]
};

} // namespace gregor::log::cleaner_detail
