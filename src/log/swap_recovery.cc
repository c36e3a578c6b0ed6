#include "swap_recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <vector>

#include "batch_view.h"
#include "file_util.h"
#include "gregor/common/iobuf.h"
#include "gregor/common/logger.h"
#include "gregor/log/filenames.h"

namespace gregor::log::detail {
namespace {

// Offset after the last whole entry of a .log file (its base when it holds none). Stops at the
// first header that does not decode or an entry that runs past the end: a swap file was fsync'd
// before it was renamed, so that only happens if it was damaged afterwards.
result<int64_t> next_offset_of(const std::filesystem::path& path, int64_t base) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected(errno_code());
  file_descriptor file(fd);
  auto size = file_size(fd);
  if (!size) return unexpected(size.error());
  int64_t next = base;
  uint64_t pos = 0;
  std::array<uint8_t, header_probe_size> hdr;
  while (pos < *size) {
    auto n = pread_upto(fd, hdr.data(), hdr.size(), pos);
    if (!n) return unexpected(n.error());
    auto h = decode_entry_header(bytes_view(hdr.data(), *n));
    if (!h || h->total_size() > *size - pos) break;
    next = std::max(next, h->last_offset() + 1);
    pos += h->total_size();
  }
  return next;
}

struct found_file {
  std::filesystem::path path;
  filenames::segment_file_name name;
};

} // namespace

result<size_t> complete_interrupted_swaps(const std::filesystem::path& dir) {
  auto logger = get_logger("log");
  auto listing = list_dir(dir);
  if (!listing) return unexpected(listing.error());

  std::vector<found_file> cleaned;
  std::vector<found_file> swaps;
  for (const auto& de : *listing) {
    if (!de.is_regular_file) continue;
    auto file_name = de.path.filename().string();
    auto parsed = filenames::parse_segment_file_name(file_name);
    if (!parsed) continue;
    // The views in `parsed` point into file_name; keep only what outlives it.
    found_file f{de.path, *parsed};
    if (parsed->suffix == filenames::cleaned_suffix) {
      f.name.suffix = filenames::cleaned_suffix;
      cleaned.push_back(std::move(f));
    } else if (parsed->suffix == filenames::swap_suffix) {
      f.name.suffix = filenames::swap_suffix;
      swaps.push_back(std::move(f));
    }
  }
  if (cleaned.empty() && swaps.empty()) return size_t{0};

  // A cleaning that had not finished renaming its output: everything from its first .cleaned file
  // on is dropped, the old segments stay. The .cleaned files go last, once the .swap files they make
  // stale are gone for good: a crash in between must not leave a stale .swap without them.
  int64_t min_cleaned_base = std::numeric_limits<int64_t>::max();
  for (const auto& f : cleaned) min_cleaned_base = std::min(min_cleaned_base, f.name.offset);

  // .log.swap files decide which groups are complete; index swaps without their .log are dropped
  // (the segment rebuilds a missing index on open).
  std::map<int64_t, std::filesystem::path> log_swaps;  // base -> path
  for (const auto& f : swaps) {
    if (f.name.kind == filenames::segment_file_kind::log && f.name.offset < min_cleaned_base) {
      log_swaps.emplace(f.name.offset, f.path);
    }
  }
  // A .txnindex.swap is stripped after its .log (see swap_cleaned): one left beside the regular
  // .log of its base, outside any unfinished cleaning, belongs to a swap that had finished the rest
  // (its old segments' files, the same-base .txnindex included, are .deleted by then). With a
  // regular .txnindex still there it is a leftover of an earlier attempt and goes.
  auto finished_txn_index = [&](const found_file& f) {
    std::error_code ec;
    return f.name.kind == filenames::segment_file_kind::txn_index &&
           std::filesystem::exists(filenames::log_file(dir, f.name.offset), ec) &&
           !std::filesystem::exists(filenames::txn_index_file(dir, f.name.offset), ec);
  };
  std::vector<found_file> to_strip;
  for (auto& f : swaps) {
    bool keep = f.name.offset < min_cleaned_base && f.name.kind != filenames::segment_file_kind::snapshot &&
                (log_swaps.contains(f.name.offset) || finished_txn_index(f));
    if (keep) {
      to_strip.push_back(f);
      continue;
    }
    logger->warn("{}: dropping {} (interrupted cleaning)", dir.string(), f.path.filename().string());
    std::error_code ec;
    std::filesystem::remove(f.path, ec);
    if (ec) return unexpected(ec);
  }
  if (!cleaned.empty()) {
    if (auto r = fsync_dir(dir); !r) return unexpected(r.error());
    for (const auto& f : cleaned) {
      std::error_code ec;
      std::filesystem::remove(f.path, ec);
      if (ec) return unexpected(ec);
    }
  }

  if (!log_swaps.empty()) {
    // The swapped-in segments replace every regular segment whose base lies in
    // [smallest swap base, largest swap next offset) (ON-DISK-FORMAT §8 step 1). A swap segment's
    // own base is always in range, so a same-base old segment never survives with stale indexes.
    int64_t from = log_swaps.begin()->first;
    int64_t to = from + 1;
    for (const auto& [base, path] : log_swaps) {
      auto next = next_offset_of(path, base);
      if (!next) return unexpected(next.error());
      to = std::max({to, *next, base + 1});
    }
    for (const auto& de : *listing) {
      if (!de.is_regular_file) continue;
      auto file_name = de.path.filename().string();
      auto parsed = filenames::parse_segment_file_name(file_name);
      if (!parsed || !parsed->suffix.empty() || parsed->kind == filenames::segment_file_kind::snapshot) continue;
      if (parsed->offset < from || parsed->offset >= to) continue;
      std::error_code ec;
      std::filesystem::remove(de.path, ec);
      if (ec) return unexpected(ec);
    }
    logger->info("{}: completing {} interrupted segment swap(s) replacing offsets [{}, {})", dir.string(),
                 log_swaps.size(), from, to);
  }
  // Offset and time indexes first, then the .log, the .txnindex last (swap_cleaned's order): a crash
  // in between leaves a .log.swap whose regular indexes the next attempt deletes and rebuilds, or a
  // .txnindex.swap beside a regular .log, which it strips.
  auto rank = [](const found_file& f) {
    switch (f.name.kind) {
    case filenames::segment_file_kind::log: return 1;
    case filenames::segment_file_kind::txn_index: return 2;
    default: return 0;
    }
  };
  std::stable_sort(to_strip.begin(), to_strip.end(),
                   [&](const found_file& a, const found_file& b) { return rank(a) < rank(b); });
  for (const auto& f : to_strip) {
    auto target = f.path;
    target.replace_extension();  // strips ".swap"
    std::error_code ec;
    std::filesystem::rename(f.path, target, ec);
    if (ec) return unexpected(ec);
  }
  if (auto r = fsync_dir(dir); !r) return unexpected(r.error());
  return log_swaps.size();
}

} // namespace gregor::log::detail
