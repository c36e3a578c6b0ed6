#pragma once
// Records the largest single operator-new allocation while a tracker is alive, so bomb tests can
// show that decompression never allocated the bomb's size. (Library-internal malloc calls are not
// seen; the output buffers, which is what a bomb inflates, are.)

#include <cstddef>

namespace gregor::compression::testing {

class alloc_tracker {
public:
  alloc_tracker();
  ~alloc_tracker();
  alloc_tracker(const alloc_tracker&) = delete;
  alloc_tracker& operator=(const alloc_tracker&) = delete;
  size_t largest() const;
};

} // namespace gregor::compression::testing
