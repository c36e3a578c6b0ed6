#pragma once
// Private: thin POSIX file helpers returning result<> with errno codes.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

#include "gregor/common/bytes.h"
#include "gregor/common/result.h"

namespace gregor::log::detail {

std::error_code errno_code();

// Reads up to `n` bytes at `offset`; returns fewer only at end of file.
result<size_t> pread_upto(int fd, uint8_t* buf, size_t n, uint64_t offset);
// Writes every piece, in order, starting at `offset` (pwritev, retried on short writes).
result<void> pwrite_all(int fd, std::span<const bytes_view> pieces, uint64_t offset);
result<void> fsync_fd(int fd);
result<void> fsync_dir(const std::filesystem::path& dir);
// syncfs(2) on the filesystem holding `dir`: every dirty page and inode of it reaches the device.
result<void> sync_filesystem(const std::filesystem::path& dir);
result<void> truncate_fd(int fd, uint64_t size);
result<uint64_t> file_size(int fd);
// Writes `content` to `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the directory.
// Without `sync` nothing is fsync'd (the caller syncs the filesystem before relying on the file).
result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content, bool sync = true);
// The entries of `dir` (no exceptions): name and whether it is a directory / regular file
// (symlinks followed).
struct dir_entry {
  std::filesystem::path path;
  bool is_directory = false;
  bool is_regular_file = false;
};
result<std::vector<dir_entry>> list_dir(const std::filesystem::path& dir);
// Whether `path` exists; errors other than "not found" are returned.
result<bool> path_exists(const std::filesystem::path& path);

// Whole file as a string, bounded by `max_bytes` (std::errc::file_too_large beyond).
result<std::string> read_small_file(const std::filesystem::path& path, size_t max_bytes);

} // namespace gregor::log::detail
