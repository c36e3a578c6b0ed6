#pragma once
// Private: finishing or undoing a log-cleaner segment swap that a crash interrupted
// (ON-DISK-FORMAT §8 step 1). Owned by the cleaner's author; partition_log::load() calls it first.

#include <filesystem>

#include "gregor/common/result.h"

namespace gregor::log::detail {

// In `dir`: removes `*.cleaned` files (an unfinished cleaning), then for the `*.swap` files either
// drops them (an interrupted split: base >= the smallest .cleaned base) or completes the swap: deletes
// the regular segment files they replace and strips the `.swap` suffix. A `.txnindex.swap` beside
// the regular `.log` of its base is the last file of a finished swap and is stripped too. Returns
// how many swap groups (.log.swap files) were completed.
result<size_t> complete_interrupted_swaps(const std::filesystem::path& dir);

} // namespace gregor::log::detail
